import type { Family } from '../net/addr.js';
import type { Prefix } from '../net/prefix.js';

/**
 * The target-neutral NAT model: what Felix programs for natOutgoing in one node's nat table
 * (spec/nat.md). One builder (core/nat/nat.ts) makes it from pools and Felix settings; the
 * renderers (render/*) print it for iptables-restore, ipset, nft and JSON; `nat explain`
 * evaluates the same model's rules for a flow.
 */

/** PoolSetName is the all-pools set ID: Felix >= v3.31.6/v3.32.1 vs older (spec/nat.md §3.2). */
export type PoolSetName = 'network-ip-pools' | 'all-ipam-pools';

/** NatOutgoingExclusions is Felix's NATOutgoingExclusions setting. */
export type NatOutgoingExclusions = 'IPPoolsOnly' | 'IPPoolsAndHostIPs';

/** NatSettings are the Felix settings that change NAT (spec/cli.md, spec/nat.md §7). */
export interface NatSettings {
  readonly poolSetName: PoolSetName;
  readonly natOutgoingExclusions: NatOutgoingExclusions;
  /** NATOutgoingAddress: SNAT to this IPv4 address instead of MASQUERADE. */
  readonly natOutgoingAddress?: string;
  /** node addresses (IPs or CIDRs) for all-hosts-net, used with IPPoolsAndHostIPs. */
  readonly hostIPs: readonly string[];
  readonly natPortRange?: { readonly min: number; readonly max: number };
  /** IptablesNATOutgoingInterfaceFilter */
  readonly interfaceFilter?: string;
  /** MASQFullyRandom / SNATFullyRandom feature detection, as one switch. */
  readonly randomFully: boolean;
}

/** DEFAULT_NAT_SETTINGS are Felix's defaults with poolctl's default set name (decision 5). */
export const DEFAULT_NAT_SETTINGS: NatSettings = {
  poolSetName: 'network-ip-pools',
  natOutgoingExclusions: 'IPPoolsOnly',
  hostIPs: [],
  randomFully: true,
};

/** NatPool is the part of an IPPool that Felix's NAT sees (proto.IPAMPool plus the name). */
export interface NatPool {
  readonly name: string;
  readonly cidr: string;
  readonly natOutgoing: boolean;
  /** disabled never reaches Felix's NAT code; kept for explanations only. */
  readonly disabled: boolean;
  readonly allowedUses?: readonly string[];
  /** blockSize, for the too-small warning only (0 or absent: Calico's default, 26 / 122). */
  readonly blockSize?: number;
}

/**
 * ModelPool is a pool that reached Felix's masq manager for one family: its CIDR canonical,
 * the prefix parsed, and whether it is in the pool set (LoadBalancer-only pools are not, in
 * network-ip-pools mode).
 */
export interface ModelPool extends NatPool {
  readonly prefix: Prefix;
  readonly inPoolSet: boolean;
  /**
   * orphan marks a set member of a kernel's model that no IPPool has (drift): its name is
   * empty, and explanations say so instead of naming a pool (drift.ts livePools).
   */
  readonly orphan?: boolean;
}

/** NatSetRole says which of Felix's sets a set is. */
export type NatSetRole = 'masq' | 'pools' | 'hosts';

/**
 * NatSetModel is one hash:net set: Felix's ID ("masq-ipam-pools"), its main name
 * ("cali40masq-ipam-pools") and members: canonical prefixes, deduplicated and sorted, which
 * may overlap as hash:net allows (nft renderers merge them into intervals).
 */
export interface NatSetModel {
  readonly role: NatSetRole;
  readonly id: string;
  readonly name: string;
  readonly family: Family;
  readonly members: readonly Prefix[];
}

/** NatMatch is one match of a rule, in Felix's order. */
export type NatMatch =
  | { readonly kind: 'src-set'; readonly set: string }
  | { readonly kind: 'not-dst-set'; readonly set: string }
  | { readonly kind: 'protocol'; readonly protocol: 'tcp' | 'udp' }
  | { readonly kind: 'out-interface'; readonly iface: string };

/** NatAction is a rule's action. */
export type NatAction =
  | { readonly kind: 'masquerade'; readonly toPorts?: { readonly min: number; readonly max: number }; readonly randomFully: boolean }
  | {
      readonly kind: 'snat';
      readonly toSource: string;
      readonly toPorts?: { readonly min: number; readonly max: number };
      readonly randomFully: boolean;
    }
  | { readonly kind: 'return' }
  | { readonly kind: 'jump'; readonly target: string };

/** NatRule is one rule of a chain: matches that must all hold, and the action taken when they do. */
export interface NatRule {
  readonly matches: readonly NatMatch[];
  readonly action: NatAction;
}

/** NatChain is a chain Felix owns, by its iptables name (nft namespaces it as "nat-<name>"). */
export interface NatChain {
  readonly name: string;
  readonly rules: readonly NatRule[];
}

/** KernelAppend is rules Felix appends to a kernel chain (POSTROUTING -> cali-POSTROUTING). */
export interface KernelAppend {
  readonly chain: string;
  readonly rules: readonly NatRule[];
}

/** FamilyNatModel is everything Felix programs for one IP family. */
export interface FamilyNatModel {
  readonly family: Family;
  readonly sets: readonly NatSetModel[];
  /** chains in Felix's order: cali-POSTROUTING, cali-fip-snat, cali-nat-outgoing */
  readonly chains: readonly NatChain[];
  readonly kernelAppends: readonly KernelAppend[];
  /** active: the family has a natOutgoing pool, so cali-nat-outgoing has rules */
  readonly active: boolean;
  /**
   * pools are the family's pools as Felix sees them (other family dropped, identical CIDRs
   * resolved), sorted by prefix; explain names pools from them. buildNatModel makes them
   * when first read (apply and status need only the sets). Absent in a model read back
   * from a host.
   */
  readonly pools?: readonly ModelPool[];
}

/** NatModel is the whole target-neutral ruleset plus warnings about the input pools. */
export interface NatModel {
  readonly settings: NatSettings;
  readonly families: readonly FamilyNatModel[];
  readonly warnings: readonly string[];
}
