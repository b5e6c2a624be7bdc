import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction, reply } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { requireCallableUrl } from '../webhooks/webhooks.ts';
import { newSigningSecret } from '../webhooks/signing.ts';
import { findHook, HOOK_DEFAULTS, hookChanged, hookId, HOOKS, type HookDoc, type HookKind } from './hooks.ts';

/** PUT, GET and DELETE for one kind of app hook; the secret is answered when it is created. */
export const HookView = z.object({
  kind: z.string(),
  url: z.string(),
  timeoutMs: z.number(),
  failureMode: z.enum(['open', 'closed']),
  createdAt: z.number(),
  updatedAt: z.number(),
});

function toHookView(hook: HookDoc): z.infer<typeof HookView> {
  return { kind: hook.kind, url: hook.url, timeoutMs: hook.timeoutMs, failureMode: hook.failureMode, createdAt: hook.createdAt, updatedAt: hook.updatedAt };
}

export function hookEndpoints(kind: HookKind, name: string, what: string) {
  const defaults = HOOK_DEFAULTS[kind];
  const path = `/v1/hooks/${kind}`;
  const put = defineFunction({
    name: `hooks.${name}.put`,
    method: 'PUT',
    path,
    auth: 'server',
    summary: `Set the app's ${what} hook (time budget default ${defaults.timeoutMs} ms, fails ${defaults.failureMode} by default)`,
    description: 'The signing secret (whsec_…) is in the answer when the hook is first set, or with rotateSecret: true. Calls are signed like webhooks.',
    tags: ['hooks'],
    body: z.strictObject({
      url: z.string().min(1).max(2048),
      timeoutMs: z.number().int().min(10).max(defaults.maxTimeoutMs).default(defaults.timeoutMs),
      failureMode: z.enum(['open', 'closed']).default(defaults.failureMode),
      rotateSecret: z.boolean().default(false),
    }),
    response: HookView.extend({ secret: z.string().optional() }),
    handler: async ({ body }, ctx) => {
      const appId = callerAppId(ctx.caller);
      const url = requireCallableUrl(ctx, body.url);
      const current = await findHook(ctx, appId, kind);
      const now = ctx.clock.now();
      const secret = !current || body.rotateSecret ? newSigningSecret() : current.secret;
      const hook: HookDoc = { _id: hookId(appId, kind), appId, kind, url, secret, timeoutMs: body.timeoutMs, failureMode: body.failureMode, createdAt: current?.createdAt ?? now, updatedAt: now };
      await ctx.ports.store.collection<HookDoc>(HOOKS).replaceOne({ _id: hook._id }, hook, { upsert: true });
      await hookChanged(ctx, appId, kind);
      return reply(current ? 200 : 201, { ...toHookView(hook), ...(secret !== current?.secret ? { secret } : {}) });
    },
  });
  const get = defineFunction({
    name: `hooks.${name}.get`,
    method: 'GET',
    path,
    auth: 'server',
    summary: `The app's ${what} hook`,
    tags: ['hooks'],
    response: HookView,
    handler: async (_input, ctx) => {
      const hook = await findHook(ctx, callerAppId(ctx.caller), kind);
      if (!hook) throw new AppError('NOT_FOUND', `No ${what} hook is set`);
      return toHookView(hook);
    },
  });
  const remove = defineFunction({
    name: `hooks.${name}.delete`,
    method: 'DELETE',
    path,
    auth: 'server',
    summary: `Remove the app's ${what} hook`,
    tags: ['hooks'],
    handler: async (_input, ctx) => {
      const appId = callerAppId(ctx.caller);
      const removed = await ctx.ports.store.collection(HOOKS).deleteOne({ _id: hookId(appId, kind) });
      await hookChanged(ctx, appId, kind);
      if (removed === 0) throw new AppError('NOT_FOUND', `No ${what} hook is set`);
    },
  });
  return { put, get, remove };
}
