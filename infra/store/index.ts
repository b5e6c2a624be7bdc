/** Store port: picks the adapter from config (MONGO_URL selects MongoDB; none, the embedded store). */
import type { Config } from '../../runtime/config.ts';
import type { StorePort } from './port.ts';
import { createLocalStore } from './local.ts';

export type * from './port.ts';
export { STORE_LIMITS } from './port.ts';

export async function createStore(config: Config): Promise<StorePort> {
  if (config.MONGO_URL) {
    // Loaded only here: local mode (and its start-up time) never pays for the driver.
    const { createMongoStore } = await import('./mongodb.ts');
    return createMongoStore({ url: config.MONGO_URL, dbName: config.MONGO_DB });
  }
  return createLocalStore({ dataDir: config.CAAS_DATA_DIR });
}
