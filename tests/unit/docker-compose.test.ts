import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
}

const compose = parse(await readFile(join(import.meta.dirname, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

describe('docker-compose.yml', () => {
  it('names every service of the cluster', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'mongo1', 'mongo2', 'mongo3', 'mongo-init', 'redis', 'kafka1', 'kafka2', 'kafka3', 'elasticsearch', 'minio', 'minio-init',
        'router', 'realtime1', 'realtime2', 'worker', 'kafka-ui', 'mongo-express', 'redis-commander',
      ].sort(),
    );
  });

  it('gives every engine a healthcheck and starts CaaS only once they are healthy', () => {
    for (const engine of ['mongo1', 'mongo2', 'mongo3', 'redis', 'kafka1', 'kafka2', 'kafka3', 'elasticsearch', 'minio']) {
      expect(services[engine]?.healthcheck?.test, engine).toBeDefined();
    }
    for (const app of ['router', 'realtime1', 'realtime2', 'worker']) {
      const dependsOn = services[app]?.depends_on ?? {};
      expect(dependsOn['mongo-init']?.condition, app).toBe('service_completed_successfully');
      expect(dependsOn['minio-init']?.condition, app).toBe('service_completed_successfully');
      for (const engine of ['redis', 'kafka1', 'kafka2', 'kafka3', 'elasticsearch']) expect(dependsOn[engine]?.condition, `${app} → ${engine}`).toBe('service_healthy');
    }
  });

  it('configures CaaS processes only by the documented env names, each pointing at a compose service', () => {
    for (const app of ['router', 'realtime1', 'realtime2', 'worker']) {
      const env = services[app]?.environment ?? {};
      expect(env.MONGO_URL).toContain('replicaSet=rs0');
      expect(env.KAFKA_BROKERS?.split(',')).toHaveLength(3);
      for (const host of ['redis', 'elasticsearch', 'minio']) expect(JSON.stringify(env)).toContain(host);
    }
  });

  it('signs presigned links for an address a browser on the host reaches, not the internal minio host', () => {
    for (const app of ['router', 'realtime1', 'realtime2', 'worker']) {
      const env = services[app]?.environment ?? {};
      expect(env.S3_ENDPOINT).toBe('http://minio:9000');
      expect(env.S3_PUBLIC_ENDPOINT).toMatch(/^http:\/\/localhost:9000$|^\$\{S3_PUBLIC_ENDPOINT:-http:\/\/localhost:9000\}$/);
    }
  });

  it('runs the bundled entries the build produces', () => {
    expect(services.router?.command).toEqual(['node', 'dist/router.mjs']);
    expect(services.realtime1?.command).toEqual(['node', 'dist/realtime.mjs']);
    expect(services.worker?.command).toEqual(['node', 'dist/worker.mjs']);
  });
});
