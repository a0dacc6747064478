import { buildNatModel, compileNatModel, decideNat, DEFAULT_NAT_SETTINGS, type Family, type NatDecision, type NatModel, type NatPool, type NatSettings } from '../../../src/core/index.js';
import { mustParseAddr } from '../../support/prefix.js';

// Helpers of the NAT tests: a model from pools, one decision, and a pool.

/** model builds the NAT model of the pools (families: only those), or throws. */
export function model(pools: readonly NatPool[], settings: NatSettings = DEFAULT_NAT_SETTINGS, families?: Family[]): NatModel {
  const r = buildNatModel(pools, settings, families ? { families } : {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** decide decides the flow src -> dst (address texts) against the model. */
export function decide(m: NatModel, src: string, dst: string, flow = {}): NatDecision {
  return decideNat(compileNatModel(m), mustParseAddr(src), mustParseAddr(dst), flow);
}

/** pool returns a NatPool, enabled unless extra says otherwise. */
export const pool = (name: string, cidr: string, natOutgoing = false, extra: Partial<NatPool> = {}): NatPool => ({
  name,
  cidr,
  natOutgoing,
  disabled: false,
  ...extra,
});
