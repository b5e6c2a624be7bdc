import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../runtime/config.ts';

describe('config', () => {
  it('defaults to local mode with documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, CAAS_DATA_DIR: './.caas', S3_BUCKET: 'caas' });
    expect(config.MONGO_URL).toBeUndefined();
  });

  it('lists every invalid variable at once, by name', () => {
    try {
      loadConfig({ PORT: 'abc', MONGO_URL: 'http://x', KAFKA_BROKERS: 'no-port', CAAS_ADMIN_TOKEN: 'short' });
      expect.unreachable('loadConfig should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'MONGO_URL', 'KAFKA_BROKERS', 'CAAS_ADMIN_TOKEN']) expect(problems).toContain(name);
    }
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REDIS_URL: '' }).REDIS_URL).toBeUndefined();
  });
});
