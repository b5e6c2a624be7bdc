import { BlockList, isIP } from 'node:net';

/**
 * Which addresses an outbound call may reach. Everything that is not the public internet is
 * refused: loopback, private, link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254),
 * carrier-grade NAT, unspecified, multicast, broadcast, reserved and documentation ranges, in IPv4
 * and IPv6; an IPv6 address that embeds an IPv4 one (mapped, NAT64) is judged by that IPv4 address.
 */
const FORBIDDEN_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;

const FORBIDDEN_V6 = [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const;

const forbidden = new BlockList();
for (const [network, prefix] of FORBIDDEN_V4) forbidden.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of FORBIDDEN_V6) forbidden.addSubnet(network, prefix, 'ipv6');

/** The 16 bytes of an IPv6 address (any textual form, with or without an embedded dotted quad). */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, null];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === null ? [] : Array(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16));
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

/** The IPv4 address an IPv6 one carries (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d), if any. */
function embeddedIpv4(address: string): string | null {
  const bytes = ipv6Bytes(address);
  const v4 = bytes.slice(12).join('.');
  const prefixZero = bytes.slice(0, 10).every((byte) => byte === 0);
  if (prefixZero && bytes[10] === 0xff && bytes[11] === 0xff) return v4;
  if (prefixZero && bytes[10] === 0 && bytes[11] === 0 && bytes.slice(12).some((byte) => byte !== 0)) return v4;
  const nat64 = [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
  if (nat64.every((byte, i) => bytes[i] === byte)) return v4;
  return null;
}

/** An address in canonical form for BlockList checks: embedded IPv4 unwrapped. */
export function normalizeAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return { address: bare, family: 'ipv4' };
  const v4 = embeddedIpv4(bare);
  return v4 ? { address: v4, family: 'ipv4' } : { address: bare, family: 'ipv6' };
}

export function isForbiddenAddress(address: string): boolean {
  const { address: normalized, family } = normalizeAddress(address);
  if (family === 'ipv4' && normalized === '255.255.255.255') return true;
  return forbidden.check(normalized, family);
}

/**
 * The development allowlist (`CAAS_OUTBOUND_ALLOW_HOSTS`): host names (matched exactly, any
 * address they resolve to) and addresses or CIDRs (matched against the resolved address).
 */
export interface Allowlist {
  allowsHost(hostname: string): boolean;
  allowsAddress(address: string): boolean;
}

export function parseAllowlist(setting: string | undefined): Allowlist {
  const hosts = new Set<string>();
  const networks = new BlockList();
  for (const entry of (setting ?? '').split(',').map((item) => item.trim().toLowerCase()).filter(Boolean)) {
    const [network, prefixText] = entry.split('/') as [string, string | undefined];
    const family = isIP(network);
    if (family === 0) {
      hosts.add(entry);
      continue;
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    networks.addSubnet(network, prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText), type);
  }
  return {
    allowsHost: (hostname) => hosts.has(hostname.toLowerCase().replace(/^\[|\]$/g, '')),
    allowsAddress: (address) => {
      const bare = address.replace(/^\[|\]$/g, '');
      const { address: normalized, family } = normalizeAddress(bare);
      return networks.check(bare, isIP(bare) === 4 ? 'ipv4' : 'ipv6') || networks.check(normalized, family);
    },
  };
}

/** Checks one allowlist entry's syntax for the config schema: a host name, an address, or a CIDR. */
export function isAllowlistEntry(entry: string): boolean {
  const [network, prefixText, extra] = entry.split('/');
  if (extra !== undefined || !network) return false;
  const family = isIP(network);
  if (prefixText === undefined) return family !== 0 || /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i.test(network);
  const prefix = Number(prefixText);
  return family !== 0 && Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128);
}
