import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction, reply } from '../../runtime/define-function.ts';
import { RotationView, toRotationView } from './key-views.ts';
import { rotateAppKey } from './rotations.ts';

export default defineFunction({
  name: 'keys.rotate',
  method: 'POST',
  path: '/v1/keys/rotate',
  auth: 'server',
  summary: 'New key version for new writes at once; older data keys are re-wrapped in the background (progress in GET /v1/keys)',
  body: z.strictObject({}).optional(),
  response: RotationView,
  successStatus: 202,
  handler: async (_input, ctx) => {
    const { rotation } = await rotateAppKey(ctx, callerAppId(ctx.caller));
    return reply(202, toRotationView(rotation));
  },
});
