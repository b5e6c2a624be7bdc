/**
 * Wake-ups on the cache's pub/sub: a message that only says "look now" (the outbox relay, the
 * webhook deliverer), which its subscribers answer by running their pass, whatever it carries.
 * Sending one per change would cost a round trip per send; instead one process keeps at most one
 * wake per channel in flight, and the calls made meanwhile share one more, sent once it is done
 * (runtime/coalescer.ts). So every caller's promise settles after a wake that left after its call
 * (a subscriber woken by the earlier one may have looked before the caller's change was there).
 *
 * @example
 *   await writeOutboxRow();
 *   void wake(cache, 'caas:outbox:wake').catch(logIt);
 */
import { Coalescer } from '../../runtime/coalescer.ts';
import type { CachePort } from './port.ts';

const wakers = new WeakMap<CachePort, Coalescer<void>>();

export function wake(cache: CachePort, channel: string): Promise<void> {
  let waker = wakers.get(cache);
  if (!waker) wakers.set(cache, (waker = new Coalescer((name) => cache.publish(name, ''))));
  return waker.run(channel, undefined);
}
