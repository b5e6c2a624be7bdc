import { z } from 'zod';
import { actingUserId, callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { AppError } from '../../runtime/errors.ts';
import { MediaId, requireMedia } from './media-records.ts';
import { MediaView, toMediaView } from './media-views.ts';
import { completeUpload } from './upload-verification.ts';

export default defineFunction({
  name: 'media.uploads.complete',
  method: 'POST',
  path: '/v1/media/:mediaId/complete',
  auth: 'server-or-user',
  summary: 'Verify an uploaded object against its declaration and make it ready to attach',
  description:
    'Checks size, type and checksum, and sniffs the real type from the first bytes. A mismatch removes the object and answers 422 ' +
    '(again on every retry). 409 when nothing was uploaded yet. Only the uploader (or the app\'s server key) may complete.',
  tags: ['media'],
  params: z.object({ mediaId: MediaId }),
  response: MediaView,
  handler: async ({ params }, ctx) => {
    const media = await requireMedia(ctx.ports.store, callerAppId(ctx.caller), params.mediaId);
    const userId = actingUserId(ctx.caller);
    if (userId !== null && media.uploaderId !== userId) throw new AppError('FORBIDDEN', `Only the uploader may complete media ${media._id}`);
    return toMediaView(await completeUpload(ctx, media));
  },
});
