import { handle } from 'hono/aws-lambda';
import type { Domain } from '../context.ts';
import type { AnyFunctionDefinition } from '../define-function.ts';
import { createRouter } from '../http/create-router.ts';
import { startServices } from '../platform.ts';

type LambdaHandler = ReturnType<typeof handle>;

/**
 * An AWS Lambda handler (API Gateway v1/v2, function URLs) for the given functions. Ports are
 * created on the first invocation and reused while the execution environment lives.
 */
export function lambdaHandler(domain: Domain, functions: AnyFunctionDefinition[]): LambdaHandler {
  let ready: Promise<LambdaHandler> | null = null;
  const boot = async () => {
    const services = await startServices(domain, undefined, { role: 'lambda' });
    await services.startup.prepared;
    const router = createRouter({ services, functions });
    return handle(router.app);
  };
  return (async (event: unknown, context: unknown) => {
    ready ??= boot().catch((error: unknown) => {
      ready = null;
      throw error;
    });
    const handler = await ready;
    return (handler as (e: unknown, c: unknown) => Promise<unknown>)(event, context);
  }) as LambdaHandler;
}
