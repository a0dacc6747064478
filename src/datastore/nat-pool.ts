import type { IPPool, NatPool } from '../core/index.js';

/**
 * natPoolOf returns what Felix's NAT sees of an IPPool. A deprecated `nat-outgoing: true` is
 * OR-ed into natOutgoing, as the KDD conversion does (spec/ippool.md §2.1). It accepts what a
 * manifest or an old store may hold (nulls as Go's zero values, a missing spec). The embedded
 * store keeps this projection of every pool beside the pool (snapshot.ts), so that the NAT
 * commands read it without decoding whole pools; Datastore.natPools returns it.
 */
export function natPoolOf(p: IPPool): NatPool {
  const s: Partial<IPPool['spec']> = p.spec ?? {};
  const out: { -readonly [K in keyof NatPool]: NatPool[K] } = {
    name: p.metadata?.name ?? '',
    cidr: s.cidr ?? '',
    natOutgoing: s.natOutgoing === true || s['nat-outgoing'] === true,
    disabled: s.disabled === true,
  };
  if (s.allowedUses && s.allowedUses.length > 0) out.allowedUses = s.allowedUses;
  if (s.blockSize) out.blockSize = s.blockSize;
  return out;
}
