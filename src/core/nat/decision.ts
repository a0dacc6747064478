import type { Addr, Family } from '../net/addr.js';

/**
 * NatReason is why a flow is or is not NATed (spec/cli.md): the cli.md reasons, plus
 * OUT_INTERFACE_NOT_MATCHED (--out-interface does not match the interface filter) and
 * PROTOCOL_NOT_MATCHED (only protocol-specific NAT rules, none for the flow's protocol; not
 * produced by models poolctl builds, whose last rule matches any protocol).
 */
export type NatReason =
  | 'NAT'
  | 'SRC_NOT_IN_NAT_POOL'
  | 'DST_IN_POOL'
  | 'DST_IS_HOST'
  | 'NO_NAT_POOLS'
  | 'FAMILY_MISMATCH'
  | 'OUT_INTERFACE_NOT_MATCHED'
  | 'PROTOCOL_NOT_MATCHED';

/** NatActionName is the decision's action: the iptables target that fires, or none. */
export type NatActionName = 'MASQUERADE' | 'SNAT' | 'none';

/** NatPoolRef names a pool in a decision (cli.md srcPool / dstPool). */
export interface NatPoolRef {
  readonly name: string;
  readonly cidr: string;
  readonly natOutgoing: boolean;
  readonly disabled: boolean;
  /** orphan: a kernel set member no IPPool has (nat explain --live after drift); name is then empty. */
  readonly orphan?: true;
}

/** NatTraceStep is one step of a decision: a Felix match or jump, its result and the evidence. */
export interface NatTraceStep {
  readonly step: string;
  readonly result: boolean;
  readonly detail: string;
}

/** NatDecision is `nat explain -o json` (spec/cli.md), field for field. */
export interface NatDecision {
  readonly src: string;
  readonly dst: string;
  readonly family: Family;
  readonly nat: boolean;
  readonly action: NatActionName;
  readonly toSource: string | null;
  readonly srcPool: NatPoolRef | null;
  readonly dstPool: NatPoolRef | null;
  readonly reason: NatReason;
  readonly trace: readonly NatTraceStep[];
  readonly rule: string | null;
}

/** NatFlowContext is what a flow adds besides its addresses; both unknown by default. */
export interface NatFlowContext {
  /** protocol (tcp, udp, ...): only port-range rules look at it; unknown matches neither tcp nor udp. */
  readonly protocol?: string;
  /** outInterface is the egress interface; unknown means "assume it matches the interface filter" (spec/nat.md §1). */
  readonly outInterface?: string;
}

/**
 * NatDecider decides single flows with their trace: a compiled model (CompiledNat, from
 * compileNatModel) is one. decideNat asks it, so the decision's vocabulary does not depend on
 * the compiler that implements it.
 */
export interface NatDecider {
  decide(src: Addr, dst: Addr, flow?: NatFlowContext): NatDecision;
}

/**
 * decideNat decides one flow against a compiled model: nat, action, toSource, the pools that
 * explain it (srcPool: the most specific natOutgoing pool containing src, else the most
 * specific pool; dstPool: the most specific pool-set pool containing dst; a reporting choice,
 * since set membership itself is "any entry contains"), the reason, the trace and the rule.
 */
export function decideNat(compiled: NatDecider, src: Addr, dst: Addr, flow: NatFlowContext = {}): NatDecision {
  return compiled.decide(src, dst, flow);
}
