import type { BusMessage, Subscription } from '../infra/bus/port.ts';
import { decodeEvent, type ConversationEvent } from '../functions/events/event-codec.ts';
import { CONVERSATION_EVENTS_TOPIC } from '../functions/events/events.ts';
import { asMediaReadyEvent, MEDIA_TOPIC } from '../functions/media/media-events.ts';
import { eraseUploadsOf, recordAttachments, releaseAttachments, sweepMedia } from '../functions/media/media-lifecycle.ts';
import type { MessageDoc } from '../functions/messages/messages.ts';
import { USER_EVENTS_TOPIC, type UserDeletedEvent } from '../functions/users/users.ts';
import type { Services } from '../runtime/context.ts';
import { makeThumbnail } from './media-thumbnails.ts';
import { startPollLoop } from './poll-loop.ts';

/**
 * The media worker: thumbnails for verified images (topic `media`), attachment tracking and
 * clean-up when messages are deleted (`conversation-events`), erasure of a deleted user's
 * uploads (`user-events`), and a periodic sweep of uploads never completed. Each concern has its
 * own consumer group, so a slow image never holds back a deletion.
 */
export interface MediaProcessorOptions {
  /** How often the sweep runs; default one minute. */
  sweepIntervalMs?: number;
}

export interface MediaProcessor {
  stop(): Promise<void>;
}

/** A message no handler could ever process (not JSON) is logged and passed over instead of blocking its partition forever. */
function parsed<T>(services: Services, message: BusMessage): T | null {
  try {
    return JSON.parse(message.value) as T;
  } catch (error) {
    services.log.error({ err: error, topic: message.topic, offset: message.offset }, 'media worker: unreadable message skipped');
    return null;
  }
}

function decoded(services: Services, message: BusMessage): ConversationEvent | null {
  try {
    return decodeEvent(message.value);
  } catch (error) {
    services.log.error({ err: error, topic: message.topic, offset: message.offset }, 'media worker: unreadable message skipped');
    return null;
  }
}

async function onConversationEvent(services: Services, message: BusMessage): Promise<void> {
  const type = message.headers.type;
  if (type !== undefined && type !== 'message.new' && type !== 'message.deleted') return;
  const event = decoded(services, message);
  if (!event) return;
  const { message: sent, messageId } = event.payload as { message?: MessageDoc; messageId?: string };
  if (event.type === 'message.new' && sent && sent.attachments.length > 0) {
    await recordAttachments(services, sent);
  } else if (event.type === 'message.deleted' && messageId) {
    await releaseAttachments(services, event.appId, messageId);
  }
}

async function onUserEvent(services: Services, message: BusMessage): Promise<void> {
  const event = parsed<UserDeletedEvent>(services, message);
  if (event?.type === 'user.deleted') await eraseUploadsOf(services, event.appId, event.userId, event.at);
}

async function onMediaEvent(services: Services, message: BusMessage): Promise<void> {
  const event = asMediaReadyEvent(parsed<unknown>(services, message));
  if (event) await makeThumbnail(services, event.appId, event.mediaId);
}

export async function startMediaProcessor(services: Services, options: MediaProcessorOptions = {}): Promise<MediaProcessor> {
  const { bus } = services.ports;
  await bus.ensureTopics([{ name: MEDIA_TOPIC }, { name: USER_EVENTS_TOPIC }, { name: CONVERSATION_EVENTS_TOPIC }]);
  const subscriptions: Subscription[] = [
    await bus.subscribe({ group: 'media-thumbnails', topics: [MEDIA_TOPIC], handler: (message) => onMediaEvent(services, message) }),
    await bus.subscribe({ group: 'media-attachments', topics: [CONVERSATION_EVENTS_TOPIC], handler: (message) => onConversationEvent(services, message) }),
    await bus.subscribe({ group: 'media-erasure', topics: [USER_EVENTS_TOPIC], handler: (message) => onUserEvent(services, message) }),
  ];

  const sweeps = startPollLoop({
    intervalMs: options.sweepIntervalMs ?? 60_000,
    pass: async () => {
      const result = await sweepMedia(services, { now: services.clock.now() });
      const done = result.expired + result.rejectedPurged + result.republished;
      if (done > 0) services.log.info(result, 'media sweep');
      return done;
    },
    onError: (error) => services.log.error({ err: error }, 'media sweep failed; retrying on the next interval'),
  });

  return {
    async stop() {
      await sweeps.stop();
      for (const subscription of subscriptions) await subscription.stop();
    },
  };
}
