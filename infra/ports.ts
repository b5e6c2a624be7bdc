import type { Config } from '../runtime/config.ts';
import type { BlobPort } from './blob/port.ts';
import type { BusPort } from './bus/port.ts';
import type { CachePort } from './cache/port.ts';
import type { KmsPort } from './kms/port.ts';
import type { SearchPort } from './search/port.ts';
import type { StorePort } from './store/port.ts';
import { createBlob } from './blob/index.ts';
import { createBus } from './bus/index.ts';
import { createCache } from './cache/index.ts';
import { createKms } from './kms/index.ts';
import { createSearch } from './search/index.ts';
import { createStore } from './store/index.ts';
import { namespacePorts } from './namespaced.ts';
import { systemClock, type Clock } from '../runtime/clock.ts';

/** Everything stateful a function, worker or realtime node may touch. */
export interface Ports {
  store: StorePort;
  cache: CachePort;
  bus: BusPort;
  search: SearchPort;
  blob: BlobPort;
  /** Key-encryption keys per app (envelope encryption at rest): functions/crypto. */
  kms: KmsPort;
}

export type PortName = keyof Ports;

/** The ports chosen by config; the embedded twins read time from `clock` (the platform's). */
export async function createPorts(config: Config, clock: Clock = systemClock): Promise<Ports> {
  const engines = {
    store: await createStore(config),
    cache: await createCache(config, clock),
    bus: await createBus(config, clock),
    search: await createSearch(config),
    blob: await createBlob(config, clock),
  };
  const ports = config.CAAS_NAMESPACE ? namespacePorts(engines, config.CAAS_NAMESPACE) : engines;
  // The KMS keeps its metadata in the store as seen through the namespace; it namespaces KMS aliases itself.
  return { ...ports, kms: await createKms(config, ports.store) };
}

export async function closePorts(ports: Ports): Promise<void> {
  // Bus first so consumers stop before the store they write to goes away.
  await ports.bus.close();
  await Promise.allSettled([ports.search.close(), ports.blob.close(), ports.cache.close(), ports.kms.close()]);
  await ports.store.close();
}
