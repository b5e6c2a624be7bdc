/** Store port: picks the adapter from config (MONGO_URL selects MongoDB; none, the embedded store). */
import type { Config } from '../../runtime/config.ts';
import { AppError } from '../../runtime/errors.ts';
import type { StorePort } from './port.ts';
import { createLocalStore } from './local.ts';

export type * from './port.ts';
export { STORE_LIMITS } from './port.ts';

export async function createStore(config: Config): Promise<StorePort> {
  if (config.MONGO_URL) {
    throw new AppError('ENGINE_UNAVAILABLE', '[store] MONGO_URL is set but the mongodb adapter is not built yet');
  }
  return createLocalStore({ dataDir: config.CAAS_DATA_DIR });
}
