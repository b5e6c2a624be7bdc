import { AppError } from '../../runtime/errors.ts';
import type { KmsPort } from './port.ts';

/**
 * Cluster mode without CAAS_MASTER_KEY or KMS_ENDPOINT: process entries refuse to start
 * (`assertKeyConfig`); anything that builds ports by hand gets this, which refuses every key
 * operation with the variable to set, so nothing is ever written unencrypted by mistake.
 */
export function unconfiguredKms(clusterVar: string): KmsPort {
  const refuse = async (): Promise<never> => {
    throw new AppError('ENGINE_UNAVAILABLE', `[kms:none] no key configured: ${clusterVar} is set (cluster mode), so set CAAS_MASTER_KEY or KMS_ENDPOINT`);
  };
  return {
    name: 'none',
    ensureKey: refuse,
    describeKey: refuse,
    rotateKey: refuse,
    generateDataKey: refuse,
    wrapKey: refuse,
    unwrapKey: refuse,
    ping: refuse,
    verify: refuse,
    close: async () => {},
  };
}
