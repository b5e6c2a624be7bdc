import { Hono } from 'hono';
import { corsHeaders } from './cors.ts';
import { secureHeaders } from 'hono/secure-headers';
import { swaggerUI } from '@hono/swagger-ui';
import { mountConsole } from '../../console/serve.ts';
import { publicUrl } from '../config.ts';
import type { Services } from '../context.ts';
import type { AnyFunctionDefinition } from '../define-function.ts';
import { AppError } from '../errors.ts';
import { busAuditTrail, type AuditTrail } from '../audit/audit-trail.ts';
import type { HttpEnv } from './env.ts';
import { createHttpMetrics, type HttpMetrics } from './metrics.ts';
import { ipGuard } from './ip-guard.ts';
import { mountFunction } from './mount-function.ts';
import { openApiDocument } from './openapi.ts';
import { mountOperations } from './operations.ts';
import { asAppError, problemResponse } from './problem.ts';
import { requestContext } from './request-context.ts';

export interface RouterOptions {
  services: Services;
  functions: AnyFunctionDefinition[];
  audit?: AuditTrail;
  metrics?: HttpMetrics;
}

export interface Router {
  app: Hono<HttpEnv>;
  audit: AuditTrail;
  metrics: HttpMetrics;
}

/** Blob adapters that serve their own signed URLs (the local one) expose this. */
interface SelfServingBlob {
  handle(request: Request): Promise<Response>;
}

function servesOwnUrls(blob: unknown): blob is SelfServingBlob {
  return typeof (blob as Partial<SelfServingBlob>).handle === 'function';
}

/**
 * The one Hono app for a set of functions — every function in the router, or a single one in a
 * per-function bundle — with the same middleware chain either way.
 */
export function createRouter({ services, functions, audit, metrics }: RouterOptions): Router {
  const trail = audit ?? busAuditTrail(services.ports.bus, services.log);
  const httpMetrics = metrics ?? createHttpMetrics();
  const app = new Hono<HttpEnv>();
  const origins = services.config.CAAS_CORS_ORIGINS.split(',').map((origin) => origin.trim());

  app.use('*', requestContext(services));
  app.use('*', httpMetrics.middleware);
  app.use('*', secureHeaders());
  app.use('*', ipGuard(services));
  app.use('*', corsHeaders(origins));

  mountOperations(app, httpMetrics);
  for (const definition of functions) mountFunction(app, definition, trail);

  const document = openApiDocument(functions, publicUrl(services.config));
  app.get('/openapi.json', (c) => c.json(document));
  app.get('/docs', swaggerUI({ url: '/openapi.json' }));
  mountConsole(app);

  if (servesOwnUrls(services.ports.blob)) {
    const blob = services.ports.blob;
    app.on(['GET', 'PUT', 'HEAD'], '/blob/*', (c) => blob.handle(c.req.raw));
  }

  app.notFound((c) => problemResponse(new AppError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`), c.get('requestId'), c.req.path));
  app.onError((error, c) => {
    const appError = asAppError(error);
    if (appError.status >= 500) c.get('log')?.error({ err: error }, 'unhandled error');
    return problemResponse(appError, c.get('requestId'), c.req.path);
  });
  return { app, audit: trail, metrics: httpMetrics };
}
