import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { RotationView, toRotationView } from './key-views.ts';
import { listRotations } from './rotations.ts';

export default defineFunction({
  name: 'keys.rotations',
  method: 'GET',
  path: '/v1/keys/rotations',
  auth: 'server',
  summary: 'Rotation history of the app key, newest first (the last 100)',
  response: z.object({ rotations: z.array(RotationView) }),
  handler: async (_input, ctx) => ({ rotations: (await listRotations(ctx, callerAppId(ctx.caller))).map(toRotationView) }),
});
