import { z } from 'zod';
import { callerAppId } from '../../runtime/auth/authenticate.ts';
import { defineFunction } from '../../runtime/define-function.ts';
import { moderationSettings, saveModerationSettings } from './moderation-settings.ts';

const BlocklistView = z.object({ words: z.array(z.string()), mode: z.enum(['reject', 'mask']) });

export const getBlocklistFunction = defineFunction({
  name: 'moderation.blocklist.get',
  method: 'GET',
  path: '/v1/moderation/blocklist',
  auth: 'server',
  summary: "The app's blocked words and what they do",
  response: BlocklistView,
  handler: async (_input, ctx) => {
    const settings = await moderationSettings(ctx, callerAppId(ctx.caller));
    return { words: settings.blockedWords, mode: settings.blocklistMode };
  },
});

export const putBlocklistFunction = defineFunction({
  name: 'moderation.blocklist.put',
  method: 'PUT',
  path: '/v1/moderation/blocklist',
  auth: 'server',
  summary: 'Replace the blocked words: whole words, case-insensitive; reject the message or mask the words',
  body: z.strictObject({
    words: z.array(z.string().trim().min(1).max(64)).max(1000),
    mode: z.enum(['reject', 'mask']).default('reject'),
  }),
  response: BlocklistView,
  handler: async ({ body }, ctx) => {
    const words = [...new Set(body.words.map((word) => word.toLowerCase()))];
    const saved = await saveModerationSettings(ctx, callerAppId(ctx.caller), { blockedWords: words, blocklistMode: body.mode });
    return { words: saved.blockedWords, mode: saved.blocklistMode };
  },
});

export default putBlocklistFunction;
