import fc from 'fast-check';
import IPCIDR from 'ip-cidr';
import { formatAddr, formatPrefix, parsePrefix, type Addr, type Family, type NatPool, type NatSettings } from '../../../src/core/index.js';

// The NAT oracle: a direct translation of Felix's predicate (spec/nat.md §10) with a linear
// scan over the pools, containment checked by ip-cidr, an independent library; and random
// worlds (pools, settings, flows) to compare the compiled decisions with it.

function cidrContains(cidr: string, a: Addr): boolean {
  const p = parsePrefix(cidr);
  return p.ok && p.value.prefix.family === a.family && new IPCIDR(formatPrefix(p.value.prefix)).contains(formatAddr(a));
}

export interface Expected {
  nat: boolean;
  action: string;
  toSource: string | null;
  reason: string;
  srcPool: string | null;
  dstPool: string | null;
}

export function naive(pools: readonly NatPool[], settings: NatSettings, src: Addr, dst: Addr): Expected {
  const none = { nat: false, action: 'none', toSource: null };
  if (src.family !== dst.family) return { ...none, reason: 'FAMILY_MISMATCH', srcPool: null, dstPool: null };
  const canon = (p: NatPool): string => {
    const r = parsePrefix(p.cidr);
    return r.ok ? formatPrefix(r.value.prefix) : '';
  };
  const family = pools.filter((p) => parsePrefix(p.cidr).ok && (parsePrefix(p.cidr) as { value: { prefix: { family: Family } } }).value.prefix.family === src.family);
  const felix = family.filter((p) => !family.some((q) => canon(q) === canon(p) && q.name < p.name));
  const lbOnly = (p: NatPool): boolean => p.allowedUses?.length === 1 && p.allowedUses[0] === 'LoadBalancer';
  const masq = felix.filter((p) => p.natOutgoing);
  const poolSet = felix.filter((p) => settings.poolSetName === 'all-ipam-pools' || !lbOnly(p));
  const bits = (p: NatPool): number => Number(p.cidr.split('/')[1]);
  const mostSpecific = (ps: NatPool[], a: Addr): string | null =>
    ps.filter((p) => cidrContains(p.cidr, a)).sort((x, y) => bits(y) - bits(x))[0]?.name ?? null;
  const srcPool = mostSpecific(masq, src) ?? mostSpecific(felix, src);
  const dstPool = mostSpecific(poolSet, dst);
  const result = (reason: string): Expected => ({ ...none, reason, srcPool, dstPool });
  if (masq.length === 0) return result('NO_NAT_POOLS');
  if (!masq.some((p) => cidrContains(p.cidr, src))) return result('SRC_NOT_IN_NAT_POOL');
  if (poolSet.some((p) => cidrContains(p.cidr, dst))) return result('DST_IN_POOL');
  if (settings.natOutgoingExclusions === 'IPPoolsAndHostIPs' && settings.hostIPs.some((h) => cidrContains(h.includes('/') ? h : `${h}/${src.family === 4 ? 32 : 128}`, dst))) {
    return result('DST_IS_HOST');
  }
  const snat = settings.natOutgoingAddress !== undefined;
  return { nat: true, action: snat ? 'SNAT' : 'MASQUERADE', toSource: settings.natOutgoingAddress ?? null, reason: 'NAT', srcPool, dstPool };
}

/** A small address space (one /20 or /116) so that random pools overlap, nest and repeat. */
export const arbWorld = (family: Family) => {
  const base = family === 4 ? 0x0a000000n : 0xfd000000000000000000000000000000n;
  const width = family === 4 ? 32 : 128;
  const addr = fc.integer({ min: 0, max: 4095 + 64 }).map((off) => formatAddr({ family, value: base + BigInt(off) }));
  const cidr = fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 12 })).map(([off, host]) => {
    const value = (base + BigInt(off)) & ~((1n << BigInt(host)) - 1n);
    return `${formatAddr({ family, value })}/${width - host}`;
  });
  const arbPool = fc.record({
    name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
    cidr,
    natOutgoing: fc.boolean(),
    disabled: fc.boolean(),
    allowedUses: fc.constantFrom(undefined, ['LoadBalancer'], ['Workload', 'Tunnel']),
  }).map(({ allowedUses, ...p }): NatPool => ({ ...p, ...(allowedUses ? { allowedUses } : {}) }));
  const settings = fc.record({
    poolSetName: fc.constantFrom('network-ip-pools' as const, 'all-ipam-pools' as const),
    natOutgoingExclusions: fc.constantFrom('IPPoolsOnly' as const, 'IPPoolsAndHostIPs' as const),
    hostIPs: fc.array(family === 4 ? fc.oneof(addr, cidr) : addr, { maxLength: 3 }),
    snat: fc.boolean(),
    randomFully: fc.boolean(),
  }).map(({ snat, ...s }): NatSettings => ({ ...s, ...(snat && family === 4 ? { natOutgoingAddress: '203.0.113.9' } : {}) }));
  return fc.record({ pools: fc.uniqueArray(arbPool, { maxLength: 8, selector: (p) => p.name }), settings, flows: fc.array(fc.tuple(addr, addr), { minLength: 1, maxLength: 12 }) });
};

