import type { NatPool } from '../src/core/index.js';

/** N is the number of pools in the bench's before state. */
export const N = 10_000;

/**
 * states returns the before and after pools: N pools (90% IPv4 /26s, 10% IPv6 /64s, half
 * natOutgoing), and the same with 100 changes: for every 100th pool (i % 100 == 50, k = i / 100),
 * natOutgoing turned around (k % 3 == 0), the pool removed (k % 3 == 1), or a new /20 added
 * outside the others (k % 3 == 2).
 */
export function states(): { before: NatPool[]; after: NatPool[] } {
  const before: NatPool[] = [];
  const after: NatPool[] = [];
  for (let i = 0; i < N; i++) {
    const cidr = i % 10 === 9 ? `fd00:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64` : `10.${i >> 10}.${(i >> 2) & 255}.${(i & 3) * 64}/26`;
    const p: NatPool = { name: `pool-${i}`, cidr, natOutgoing: i % 2 === 0, disabled: i % 7 === 0 };
    before.push(p);
    const k = (i - 50) / 100;
    if (i % 100 !== 50 || k % 3 === 2) after.push(p);
    else if (k % 3 === 0) after.push({ ...p, natOutgoing: !p.natOutgoing });
    if (i % 100 === 50 && k % 3 === 2) after.push({ name: `new-${k}`, cidr: `172.${16 + (k >> 4)}.${(k & 15) * 16}.0/20`, natOutgoing: k % 2 === 0, disabled: false });
  }
  return { before, after };
}


/** yaml returns pools as the manifest the bench's CLI runs read (one IPPool document each). */
export function yaml(pools: readonly NatPool[]): string {
  return pools
    .map((p) => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${p.name}\nspec:\n  cidr: ${p.cidr}\n  natOutgoing: ${p.natOutgoing}\n  disabled: ${p.disabled}\n`)
    .join('---\n');
}
