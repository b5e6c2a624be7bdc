import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { MEDIA, type MediaDoc } from './media-records.ts';

const Tally = z.object({ count: z.number(), bytes: z.number() });
type Tally = z.infer<typeof Tally>;

const PAGE = 1000;

export default defineFunction({
  name: 'media.usage',
  method: 'GET',
  path: '/v1/media/usage',
  auth: 'server',
  summary: "The app's storage use: ready media, uploads still pending, thumbnails, and the total bytes held",
  tags: ['media'],
  response: z.object({ ready: Tally, pending: Tally, thumbnails: Tally, totalBytes: z.number() }),
  handler: async (_input, ctx) => {
    const appId = callerAppId(ctx.caller);
    const media = ctx.ports.store.collection<MediaDoc>(MEDIA);
    const ready: Tally = { count: 0, bytes: 0 };
    const pending: Tally = { count: 0, bytes: 0 };
    const thumbnails: Tally = { count: 0, bytes: 0 };
    // Paged by id so a large app never loads all its records at once.
    let after = '';
    for (;;) {
      const page = await media.find(
        { appId, _id: { $gt: after } },
        { sort: { _id: 1 }, limit: PAGE, projection: { status: 1, size: 1, thumbnail: 1 } },
      );
      for (const item of page) {
        const tally = item.status === 'ready' ? ready : item.status === 'pending' ? pending : null;
        if (tally) {
          tally.count += 1;
          tally.bytes += item.size;
        }
        if (item.thumbnail) {
          thumbnails.count += 1;
          thumbnails.bytes += item.thumbnail.size;
        }
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!._id;
    }
    return { ready, pending, thumbnails, totalBytes: ready.bytes + pending.bytes + thumbnails.bytes };
  },
});
