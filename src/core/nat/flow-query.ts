import { ipv6ValueToWords, type Addr, type Family } from '../net/addr.js';
import { lookupIPv4, lookupIPv6, type CompiledRule, type PoolIndex } from './compile.js';
import type { NatReason } from './decision.js';

/** UNKNOWN marks a pool lookup not done yet (-1 is "no pool"). */
export const UNKNOWN = -2;

/**
 * FlowQuery is the reusable, allocation-free input and output of CompiledNat.evaluate, for
 * batch explain: set family and the addresses (IPv4 as uint32s, IPv6 as words: src in
 * words[0..3], dst in words[4..7]), evaluate, then read rule, reason and the pool indexes
 * (into CompiledNat.pools(family); -1 for none).
 */
export class FlowQuery {
  srcFamily: Family = 4;
  dstFamily: Family = 4;
  src4 = 0;
  dst4 = 0;
  readonly words = new Uint32Array(8);
  protocol: string | undefined = undefined;
  outInterface: string | undefined = undefined;
  /** rule is the NAT rule that fires, or null. */
  rule: CompiledRule | null = null;
  reason: NatReason = 'NO_NAT_POOLS';
  srcPool = -1;
  dstPool = -1;
  /** srcMasqPool and dstPoolSetPool cache the rule walk's pool lookups within one flow (UNKNOWN until done). */
  srcMasqPool = UNKNOWN;
  dstPoolSetPool = UNKNOWN;

  /** setAddrs loads two addresses given as values. */
  setAddrs(src: Addr, dst: Addr): void {
    this.srcFamily = src.family;
    this.dstFamily = dst.family;
    if (src.family === 4) this.src4 = Number(src.value);
    else ipv6ValueToWords(src.value, this.words, 0);
    if (dst.family === 4) this.dst4 = Number(dst.value);
    else ipv6ValueToWords(dst.value, this.words, 4);
  }
}

/** lookupFlow returns the most specific pool of ix (of the family) holding q's src, or its dst, as an index into the family's pools, or -1. */
export function lookupFlow(family: Family, ix: PoolIndex, q: FlowQuery, dst: boolean): number {
  return family === 4 ? lookupIPv4(ix, dst ? q.dst4 : q.src4) : lookupIPv6(ix, q.words, dst ? 4 : 0);
}
