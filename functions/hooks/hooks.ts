import type { z } from 'zod';
import { outboundFor, OutboundRefusedError } from '../../infra/outbound/index.ts';
import { enginePolicy, type EngineGuard } from '../../infra/resilience.ts';
import type { Ports } from '../../infra/ports.ts';
import type { Services } from '../../runtime/context.ts';
import { newId } from '../../runtime/ids.ts';
import { signedHeaders } from '../webhooks/signing.ts';

/**
 * App hooks: one synchronous call per app and kind to the app's own service, made while a request
 * waits — `pre-send` (allow, reject or rewrite a message before it is stored) and `media-scan`
 * (clean or infected, before an upload becomes downloadable). Each has a time budget and says what
 * happens when the hook fails (times out, errs, answers nonsense): `open` lets the request through,
 * `closed` refuses it. Calls are signed like webhooks (docs/webhooks.md) with the hook's own secret
 * and go through the SSRF-guarded client, inside a timeout and a circuit breaker per hook.
 */
export const HOOK_KINDS = ['pre-send', 'media-scan'] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

export interface HookDoc {
  /** `${appId}:${kind}` */
  _id: string;
  appId: string;
  kind: HookKind;
  url: string;
  secret: string;
  timeoutMs: number;
  failureMode: 'open' | 'closed';
  createdAt: number;
  updatedAt: number;
  [key: string]: unknown;
}

export const HOOKS = 'app_hooks';

export const HOOK_DEFAULTS: Record<HookKind, { timeoutMs: number; maxTimeoutMs: number; failureMode: 'open' | 'closed' }> = {
  'pre-send': { timeoutMs: 800, maxTimeoutMs: 5_000, failureMode: 'open' },
  'media-scan': { timeoutMs: 10_000, maxTimeoutMs: 30_000, failureMode: 'closed' },
};

export function hookId(appId: string, kind: HookKind): string {
  return `${appId}:${kind}`;
}

/** The app's hook of this kind, through the read cache: the pre-send hook is looked up on every send. */
export async function findHook(services: Services, appId: string, kind: HookKind): Promise<HookDoc | null> {
  const id = hookId(appId, kind);
  return services.reads.read(`hook:${id}`, () => services.ports.store.collection<HookDoc>(HOOKS).findOne({ _id: id }));
}

/** After a hook is set or removed, so cached lookups everywhere drop it. */
export function hookChanged(services: Services, appId: string, kind: HookKind): Promise<void> {
  return services.reads.invalidate(`hook:${hookId(appId, kind)}`);
}

/** One breaker per hook and budget, per process (keyed by the process's ports). */
const guards = new WeakMap<Ports, Map<string, EngineGuard>>();

function guardFor(services: Services, hook: HookDoc): EngineGuard {
  let perProcess = guards.get(services.ports);
  if (!perProcess) guards.set(services.ports, (perProcess = new Map()));
  const key = `${hook._id}|${hook.url}|${hook.timeoutMs}`;
  let guard = perProcess.get(key);
  if (!guard) {
    guard = enginePolicy({
      engine: `${hook.kind} hook`,
      timeoutMs: hook.timeoutMs,
      retries: 0,
      breakAfter: 5,
      halfOpenAfterMs: 10_000,
      isTransient: (error) => !(error instanceof OutboundRefusedError),
    });
    perProcess.set(key, guard);
  }
  return guard;
}

export type HookResult<T> = { ok: true; answer: T } | { ok: false; reason: string };

/** Calls the hook; never throws: a failure of any kind is `{ ok: false, reason }` for the caller's failure mode. */
export async function callHook<S extends z.ZodType>(services: Services, hook: HookDoc, payload: unknown, answer: S): Promise<HookResult<z.infer<S>>> {
  const body = JSON.stringify(payload);
  const now = services.clock.now();
  const headers = { 'content-type': 'application/json', 'user-agent': 'CaaS-Hooks/1', ...signedHeaders([hook.secret], newId('hook', now), Math.floor(now / 1000), body) };
  try {
    const response = await guardFor(services, hook)(`call ${hook.kind}`, (signal) => outboundFor(services.config).post(hook.url, { headers, body, signal }));
    if (response.status < 200 || response.status >= 300) return { ok: false, reason: `the hook answered HTTP ${response.status}` };
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch {
      return { ok: false, reason: 'the hook answered something that is not JSON' };
    }
    const parsed = answer.safeParse(json);
    return parsed.success ? { ok: true, answer: parsed.data } : { ok: false, reason: `the hook's answer is not understood: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  } catch (error) {
    let cause: unknown = error;
    while (cause instanceof Error && !(cause instanceof OutboundRefusedError) && cause.cause) cause = cause.cause;
    const message = cause instanceof OutboundRefusedError ? cause.message : error instanceof Error ? error.message : String(error);
    return { ok: false, reason: message };
  }
}
