import type { IPPool, NatPool } from '../core/index.js';
import type { NatChange } from './datastore.js';

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

/** sameNatPool reports whether two projections are equal in every field NAT reads. */
export function sameNatPool(a: NatPool, b: NatPool): boolean {
  if (a.name !== b.name || a.cidr !== b.cidr || a.natOutgoing !== b.natOutgoing || a.disabled !== b.disabled || a.blockSize !== b.blockSize) return false;
  const ua = a.allowedUses ?? [];
  const ub = b.allowedUses ?? [];
  return ua.length === ub.length && ua.every((u, i) => u === ub[i]);
}

/**
 * diffNatPools returns the changes that turn `before` (by name) into `after`: a change per
 * pool added, changed (sameNatPool false) or removed, in name order of `after`, removals last.
 */
export function diffNatPools(before: ReadonlyMap<string, NatPool>, after: readonly NatPool[]): NatChange[] {
  const changes: NatChange[] = [];
  const seen = new Set<string>();
  for (const p of after) {
    seen.add(p.name);
    const old = before.get(p.name);
    if (!old || !sameNatPool(old, p)) changes.push({ name: p.name, pool: p });
  }
  for (const name of before.keys()) if (!seen.has(name)) changes.push({ name, pool: null });
  return changes;
}
