import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildNatModel,
  DEFAULT_NAT_SETTINGS,
  type Family,
  type NatModel,
  type NatPool,
  type NatSettings,
} from '../../src/core/index.js';
import { CONFORMANCE } from '../support/paths.js';

/** RenderVector is one case of the conformance vectors' render.json (test/fixtures/conformance). */
export interface RenderVector {
  readonly id: string;
  readonly target: 'iptables' | 'nftables';
  readonly family: Family;
  readonly config: {
    readonly poolSetName: NatSettings['poolSetName'];
    readonly randomFully: boolean;
    readonly natOutgoingExclusions?: NatSettings['natOutgoingExclusions'];
    readonly natOutgoingAddress?: string;
    readonly natPortRange?: string;
  };
  readonly chain: string;
  readonly appendedToKernelChain: boolean;
  readonly rules: readonly string[];
  readonly hashes: readonly string[];
}

export const RENDER_VECTORS = JSON.parse(readFileSync(join(CONFORMANCE, 'render.json'), 'utf8')) as RenderVector[];

/** settingsOf turns a vector's Felix configuration into NatSettings. */
export function settingsOf(c: RenderVector['config']): NatSettings {
  const [min, max] = (c.natPortRange ?? '').split(':').map(Number);
  return {
    ...DEFAULT_NAT_SETTINGS,
    poolSetName: c.poolSetName,
    randomFully: c.randomFully,
    ...(c.natOutgoingExclusions ? { natOutgoingExclusions: c.natOutgoingExclusions } : {}),
    ...(c.natOutgoingAddress ? { natOutgoingAddress: c.natOutgoingAddress } : {}),
    ...(c.natPortRange ? { natPortRange: { min: min!, max: max! } } : {}),
  };
}

/** POOLS has one natOutgoing pool per family, so both families' cali-nat-outgoing chains are active. */
export const POOLS: readonly NatPool[] = [
  { name: 'default-ipv4-ippool', cidr: '192.168.0.0/16', natOutgoing: true, disabled: false },
  { name: 'default-ipv6-ippool', cidr: 'fd00:10:244::/64', natOutgoing: true, disabled: false },
];

/** modelFor builds the model for a vector's family, failing the test on an error. */
export function modelFor(v: RenderVector, pools: readonly NatPool[] = POOLS): NatModel {
  const r = buildNatModel(pools, settingsOf(v.config), { families: [v.family] });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
