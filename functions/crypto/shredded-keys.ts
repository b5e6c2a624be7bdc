import { BroadcastChannel } from 'node:worker_threads';

/**
 * Shredded data keys, told to every envelope of this process in any thread (`npm start` runs its
 * bus consumers in a worker thread: workers/background-thread.ts), so a key destroyed by an
 * erasure is forgotten everywhere in the process at once rather than when its cache entry expires.
 * Other processes still drop theirs within the key cache's TTL (envelope.ts).
 *
 * One channel per thread carries the notices to the other threads; envelopes of the same thread
 * are told directly (a channel does not hear its own messages).
 */
export interface ShreddedKeys {
  appId: string;
  /** The owner whose current key is forgotten too (`user:<id>`). */
  owner: string;
  dataKeyIds: string[];
}

type Listener = (shredded: ShreddedKeys) => void;

const CHANNEL = 'caas:crypto:shredded-keys';
const listeners = new Set<WeakRef<Listener>>();
let channel: BroadcastChannel | undefined;

function tellHere(shredded: ShreddedKeys): void {
  for (const ref of listeners) {
    const listener = ref.deref();
    if (listener) listener(shredded);
    else listeners.delete(ref);
  }
}

function threadChannel(): BroadcastChannel {
  if (!channel) {
    channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (event) => tellHere((event as { data: ShreddedKeys }).data);
    channel.unref();
  }
  return channel;
}

/**
 * Calls `listener` for keys shredded anywhere in this process. Held weakly: the caller keeps it
 * alive as long as it wants to hear (an envelope keeps its own).
 */
export function onKeysShredded(listener: Listener): void {
  threadChannel();
  listeners.add(new WeakRef(listener));
}

export function announceShredded(shredded: ShreddedKeys): void {
  tellHere(shredded);
  threadChannel().postMessage(shredded);
}
