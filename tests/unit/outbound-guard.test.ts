import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isForbiddenAddress } from '../../infra/outbound/address-policy.ts';
import { createOutbound, OutboundRefusedError, type Lookup } from '../../infra/outbound/index.ts';
import { loadConfig } from '../../runtime/config.ts';

const resolvesTo = (table: Record<string, string[]>): Lookup => async (hostname) => {
  const addresses = table[hostname];
  if (!addresses) throw new Error(`ENOTFOUND ${hostname}`);
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('outbound SSRF guard', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.1', '192.168.1.1', '169.254.169.254',
    '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '240.0.0.1',
    '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:a00:1', '64:ff9b::a00:1', '::127.0.0.1',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });

  it('refuses other schemes, credentials, and every spelling of a forbidden literal address', async () => {
    const outbound = createOutbound({ lookup: resolvesTo({}) });
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'http://user:pw@example.com/', 'http://2130706433/', 'http://0x7f.1/', 'http://[::ffff:127.0.0.1]/', 'http://[::1]:80/', 'not a url']) {
      await expect(outbound.post(url, { body: '{}' }), url).rejects.toBeInstanceOf(OutboundRefusedError);
    }
  });

  it('refuses a host name when any address it resolves to is forbidden, and names the address', async () => {
    const outbound = createOutbound({ lookup: resolvesTo({ 'evil.test': ['93.184.216.34', '10.0.0.5'], 'meta.test': ['169.254.169.254'] }) });
    await expect(outbound.resolve('https://evil.test/hook')).rejects.toThrow(/evil\.test resolves to 10\.0\.0\.5/);
    await expect(outbound.resolve('http://meta.test/latest/meta-data')).rejects.toThrow(/169\.254\.169\.254/);
    await expect(outbound.resolve('http://nowhere.test/')).rejects.toThrow(/does not resolve/);
    await expect(createOutbound().resolve('http://localhost:9/')).rejects.toBeInstanceOf(OutboundRefusedError);
  });

  it('connects to the address it checked, without resolving again (no DNS rebinding)', async () => {
    const server = createServer((req, res) => res.end(JSON.stringify({ host: req.headers.host })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    const port = (server.address() as AddressInfo).port;
    let lookups = 0;
    const rebinding: Lookup = async () => (++lookups === 1 ? [{ address: '127.0.0.2', family: 4 }] : [{ address: '10.0.0.1', family: 4 }]);
    try {
      const outbound = createOutbound({ allowHosts: '127.0.0.2/32', lookup: rebinding });
      const response = await outbound.post(`http://hooks.test:${port}/x`, { body: '{}' });
      expect(JSON.parse(response.body)).toEqual({ host: `hooks.test:${port}` });
      expect(lookups).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('follows no redirect: a 3xx comes back as it is', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    try {
      const response = await createOutbound({ allowHosts: '127.0.0.2' }).post(`http://127.0.0.2:${(server.address() as AddressInfo).port}/`, { body: '' });
      expect(response.status).toBe(302);
      expect(hits).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the allowlist setting takes host names, addresses and CIDRs, and names a bad entry', () => {
    expect(loadConfig({ CAAS_OUTBOUND_ALLOW_HOSTS: 'receiver.local, 127.0.0.2,10.1.0.0/16,fd00::/8' }).CAAS_OUTBOUND_ALLOW_HOSTS).toBeDefined();
    expect(() => loadConfig({ CAAS_OUTBOUND_ALLOW_HOSTS: '10.0.0.0/33' })).toThrow(/CAAS_OUTBOUND_ALLOW_HOSTS/);
    expect(() => loadConfig({ CAAS_OUTBOUND_ALLOW_HOSTS: 'http://x' })).toThrow(/CAAS_OUTBOUND_ALLOW_HOSTS/);
  });
});
