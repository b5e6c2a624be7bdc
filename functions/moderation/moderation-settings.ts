import type { Services } from '../../runtime/context.ts';
import { AppError } from '../../runtime/errors.ts';

/** Per-app moderation settings: the word blocklist and what it does (reject the message or mask the words). */
export interface ModerationSettingsDoc {
  _id: string;
  blockedWords: string[];
  blocklistMode: 'reject' | 'mask';
  updatedAt: number;
  [key: string]: unknown;
}

export const MODERATION_SETTINGS = 'moderation_settings';

const settingsReadKey = (appId: string) => `moderation:${appId}`;

/** The app's settings, through the read cache (every send reads them). */
export async function moderationSettings(services: Services, appId: string): Promise<ModerationSettingsDoc> {
  const found = await services.reads.read(settingsReadKey(appId), () =>
    services.ports.store.collection<ModerationSettingsDoc>(MODERATION_SETTINGS).findOne({ _id: appId }),
  );
  return found ?? { _id: appId, blockedWords: [], blocklistMode: 'reject', updatedAt: 0 };
}

export async function saveModerationSettings(
  services: Services,
  appId: string,
  settings: Pick<ModerationSettingsDoc, 'blockedWords' | 'blocklistMode'>,
): Promise<ModerationSettingsDoc> {
  const doc = { _id: appId, ...settings, updatedAt: services.clock.now() };
  await services.ports.store.collection<ModerationSettingsDoc>(MODERATION_SETTINGS).replaceOne({ _id: appId }, doc, { upsert: true });
  await services.reads.invalidate(settingsReadKey(appId));
  return doc;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Applies the blocklist to a text: whole words, case-insensitive. `reject` refuses the text with
 * a 422; `mask` replaces each blocked word with asterisks of the same length.
 */
export function applyBlocklist(text: string, settings: ModerationSettingsDoc): string {
  if (settings.blockedWords.length === 0 || text.length === 0) return text;
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${settings.blockedWords.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  if (!pattern.test(text)) return text;
  if (settings.blocklistMode === 'reject') {
    throw new AppError('VALIDATION_FAILED', 'Message contains a blocked word', { issues: [{ path: 'body.text', message: 'contains a blocked word' }] });
  }
  pattern.lastIndex = 0;
  return text.replace(pattern, (word) => '*'.repeat([...word].length));
}
