import type { Family, NatRule, Prefix, RangeList } from '../core/index.js';

/**
 * The desired kernel state for one backend and family: what `nat apply` writes and `nat
 * status` expects. It is derived from the NatModel and the renderers' output
 * (host/desired-from-model.ts) and compared with the live state by host/plan.ts.
 */

/** Backend is how the kernel is programmed. */
export type Backend = 'iptables' | 'nftables';

/** DesiredIpset is one hash:net set; members as the model holds them (canonical, sorted, deduplicated). */
export interface DesiredIpset {
  readonly name: string;
  /** "inet" or "inet6" */
  readonly ipsetFamily: string;
  readonly type: string;
  readonly maxelem: number;
  readonly members: readonly Prefix[];
  /** create is the `create NAME ...` line as rendered (for a temporary set, NAME is replaced). */
  readonly create: string;
}

/** DesiredIptChain is a chain poolctl owns: its restore lines (`-A CHAIN ...`) and their cali: hashes. */
export interface DesiredIptChain {
  readonly name: string;
  readonly lines: readonly string[];
  readonly hashes: readonly string[];
}

/** DesiredIptAppend is one rule appended to a kernel chain (POSTROUTING -> cali-POSTROUTING). */
export interface DesiredIptAppend {
  readonly chain: string;
  readonly line: string;
  readonly hash: string;
}

/** DesiredIptFamily is one family for iptables + ipset. */
export interface DesiredIptFamily {
  readonly family: Family;
  readonly sets: readonly DesiredIpset[];
  readonly chains: readonly DesiredIptChain[];
  readonly appends: readonly DesiredIptAppend[];
}

/** DesiredNftSet is one interval set: its elements as merged ranges. */
export interface DesiredNftSet {
  readonly name: string;
  readonly type: string;
  readonly flags: readonly string[];
  readonly ranges: RangeList;
}

/** BaseChainSpec is what makes a chain a base chain. */
export interface BaseChainSpec {
  readonly type: string;
  readonly hook: string;
  readonly prio: number;
  readonly policy: string;
}

/** DesiredNftChain is one chain of the table: rule texts, their cali: hashes and the rules they render, in order. */
export interface DesiredNftChain {
  readonly name: string;
  readonly base?: BaseChainSpec;
  readonly lines: readonly string[];
  readonly hashes: readonly string[];
  /** rules are the model's rules the lines render (their bodies are compared with the live ones) */
  readonly rules: readonly NatRule[];
}

/** DesiredNftFamily is one family's `table ip|ip6 calico`, with the nft -f text that creates it. */
export interface DesiredNftFamily {
  readonly family: Family;
  /** "ip" or "ip6" */
  readonly tableFamily: string;
  readonly tableName: string;
  /** script renders the `table ... { ... }` text for nft -f (only needed when something changes). */
  script(): string;
  /** checkScript renders the same table with empty sets: its chains, rules and set types, for nft -c. */
  checkScript(): string;
  readonly sets: readonly DesiredNftSet[];
  readonly chains: readonly DesiredNftChain[];
}

/** familyLabel names a family in messages ("IPv4"). */
export function familyLabel(f: Family): string {
  return f === 4 ? 'IPv4' : 'IPv6';
}
