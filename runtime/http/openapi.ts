import { z } from 'zod';
import type { AnyFunctionDefinition } from '../define-function.ts';
import { ERROR_CODES } from '../errors.ts';

/** OpenAPI 3.1, derived from the function declarations; never written by hand. */
const SECURITY: Record<string, Array<Record<string, string[]>>> = {
  admin: [{ adminToken: [] }],
  server: [{ serverKey: [] }],
  user: [{ userToken: [] }],
  'server-or-user': [{ serverKey: [] }, { userToken: [] }],
  'admin-or-server': [{ adminToken: [] }, { serverKey: [] }],
  public: [],
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function objectProperties(schema: z.ZodType | undefined): Array<[string, Record<string, unknown>, boolean]> {
  if (!schema) return [];
  const json = jsonSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => [name, property, (json.required ?? []).includes(name)]);
}

function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function operation(definition: AnyFunctionDefinition) {
  const parameters = [
    ...objectProperties(definition.params).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
    ...objectProperties(definition.query).map(([name, schema, required]) => ({ name, in: 'query', required, schema })),
  ];
  const successStatus = String(definition.successStatus ?? (definition.response ? 200 : 204));
  return {
    operationId: definition.name,
    summary: definition.summary,
    ...(definition.description ? { description: definition.description } : {}),
    tags: definition.tags ?? [definition.name.split('.')[0]],
    security: SECURITY[definition.auth],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(definition.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(definition.body) } } } }
      : {}),
    responses: {
      [successStatus]: definition.response
        ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(definition.response) } } }
        : { description: 'Success, no content' },
      default: { description: 'Problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    },
  };
}

export function openApiDocument(definitions: AnyFunctionDefinition[], serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const definition of definitions) {
    const path = toOpenApiPath(definition.path);
    paths[path] ??= {};
    paths[path][definition.method.toLowerCase()] = operation(definition);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'CaaS API', version: '1.0.0', description: 'Chat-as-a-Service: users, conversations, messages, realtime, media, search, compliance.' },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'Platform admin token (CAAS_ADMIN_TOKEN)' },
        serverKey: { type: 'http', scheme: 'bearer', description: 'App server key, sk_…' },
        userToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'User JWT (HS256, iss = app id, aud = "caas")' },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string', enum: Object.keys(ERROR_CODES) },
            detail: { type: 'string' },
            instance: { type: 'string' },
            requestId: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
}
