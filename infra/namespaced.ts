import type { BlobMeta, BlobPort } from './blob/port.ts';
import { sealingBelow, type BlobSealing } from './blob/sealing.ts';
import type { BusMessage, BusPort } from './bus/port.ts';
import type { CachePort } from './cache/port.ts';
import type { Ports } from './ports.ts';
import type { SearchPort } from './search/port.ts';
import { StoreGuard } from './store/guard.ts';
import type { StorePort } from './store/port.ts';

/**
 * CAAS_NAMESPACE: several deployments (staging and production, or parallel test runs) share one
 * set of engines without seeing each other. Every name a port takes — collections, cache keys and
 * channels, topics and consumer groups, search indexes, blob keys — gets the namespace in front,
 * and names handed back are stripped of it. Adapters never know.
 */
export function namespacePorts<P extends Omit<Ports, 'kms'>>(ports: P, namespace: string): P {
  return {
    ...ports,
    store: namespacedStore(ports.store, `${namespace}_`),
    cache: namespacedCache(ports.cache, `${namespace}:`),
    bus: namespacedBus(ports.bus, `${namespace}.`),
    search: namespacedSearch(ports.search, `${namespace}-`),
    blob: namespacedBlob(ports.blob, `${namespace}/`),
  };
}

/** Methods not listed are passed through unchanged (name, ping, close, capabilities…). */
function delegate<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (property in overrides) return overrides[property as keyof T];
      const value = Reflect.get(object, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

function namespacedStore(store: StorePort, prefix: string): StorePort {
  // The name the caller gave must be valid on its own (a prefix would make '' or 'system.x' pass).
  const guard = new StoreGuard(`${store.name}+namespace`);
  return delegate(store, {
    collection: (name) => store.collection(prefix + guard.collectionName(name)),
    ensureIndexes: (name, specs) => store.ensureIndexes(prefix + name, specs),
    dropCollections: (namePrefix) => store.dropCollections(prefix + namePrefix),
  } as Partial<StorePort>);
}

export function namespacedCache(cache: CachePort, prefix: string): CachePort {
  const key = (name: string) => prefix + name;
  return delegate(cache, {
    get: (name) => cache.get(key(name)),
    getMany: (names) => cache.getMany(names.map(key)),
    set: (name, value, options) => cache.set(key(name), value, options),
    del: (...names) => cache.del(...names.map(key)),
    incr: (name, by, options) => cache.incr(key(name), by, options),
    expire: (name, ttlMs) => cache.expire(key(name), ttlMs),
    ttl: (name) => cache.ttl(key(name)),
    setAdd: (name, ...members) => cache.setAdd(key(name), ...members),
    setRemove: (name, ...members) => cache.setRemove(key(name), ...members),
    setMembers: (name) => cache.setMembers(key(name)),
    publish: (channel, message) => cache.publish(key(channel), message),
    subscribe: (channel, handler) => cache.subscribe(key(channel), handler),
    rateLimit: (name, rule) => cache.rateLimit(key(name), rule),
    rateLimitAll: (buckets) => cache.rateLimitAll(buckets.map((bucket) => ({ ...bucket, key: key(bucket.key) }))),
  } as Partial<CachePort>);
}

function namespacedBus(bus: BusPort, prefix: string): BusPort {
  const strip = (message: BusMessage): BusMessage => ({ ...message, topic: message.topic.slice(prefix.length) });
  return delegate(bus, {
    ensureTopics: (topics) => bus.ensureTopics(topics.map((topic) => ({ ...topic, name: prefix + topic.name }))),
    publish: (topic, messages) => bus.publish(prefix + topic, messages),
    ...(bus.rewrite ? { rewrite: (topic: string, rewrite: Parameters<NonNullable<BusPort['rewrite']>>[1]) => bus.rewrite!(prefix + topic, rewrite) } : {}),
    subscribe: ({ handler, handleBatch, ...options }) =>
      bus.subscribe({
        ...options,
        group: prefix + options.group,
        topics: options.topics.map((topic) => prefix + topic),
        ...(handler ? { handler: (message: BusMessage) => handler(strip(message)) } : {}),
        ...(handleBatch ? { handleBatch: (messages: BusMessage[]) => handleBatch(messages.map(strip)) } : {}),
      }),
  } as Partial<BusPort>);
}

function namespacedSearch(search: SearchPort, prefix: string): SearchPort {
  return delegate(search, {
    ensureIndex: (index) => search.ensureIndex(prefix + index),
    upsert: (index, documents) => search.upsert(prefix + index, documents),
    delete: (index, id, version) => search.delete(prefix + index, id, version),
    deleteByQuery: (index, filter) => search.deleteByQuery(prefix + index, filter),
    query: (index, query) => search.query(prefix + index, query),
    refresh: (index) => search.refresh(prefix + index),
    dropIndex: (index) => search.dropIndex(prefix + index),
  } as Partial<SearchPort>);
}

function namespacedBlob(blob: BlobPort, prefix: string): BlobPort {
  const strip = (meta: BlobMeta): BlobMeta => ({ ...meta, key: meta.key.slice(prefix.length) });
  const { sealWith } = blob;
  return delegate(blob, {
    // The domain binds the keys it names into the ciphertext, not the namespace's.
    sealWith: sealWith && ((sealing: BlobSealing) => namespacedBlob(sealWith.call(blob, sealingBelow(sealing, prefix)), prefix)),
    presignPut: (key, options) => blob.presignPut(prefix + key, options),
    presignGet: (key, options) => blob.presignGet(prefix + key, options),
    put: (key, body, options) => blob.put(prefix + key, body, options),
    get: (key, range) => blob.get(prefix + key, range),
    head: async (key) => {
      const meta = await blob.head(prefix + key);
      return meta ? strip(meta) : null;
    },
    copy: (from, to) => blob.copy(prefix + from, prefix + to),
    list: async (keyPrefix) => (await blob.list(prefix + keyPrefix)).map(strip),
    delete: (key) => blob.delete(prefix + key),
    deleteByPrefix: (keyPrefix) => blob.deleteByPrefix(prefix + keyPrefix),
  } as Partial<BlobPort>);
}
