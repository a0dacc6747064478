import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_NAT_SETTINGS, type NatPool, type NatSettings } from '../../../src/core/index.js';
import { CONFORMANCE } from '../../support/paths.js';

/** NatVector is one case of the conformance vectors' nat.json (spec/nat.md §10; test/fixtures/conformance). */
export interface NatVector {
  readonly id: string;
  readonly pools: readonly NatPool[];
  readonly config: {
    readonly natOutgoingExclusions?: NatSettings['natOutgoingExclusions'];
    readonly natOutgoingAddress?: string;
    readonly hostIPs?: readonly string[];
  };
  readonly src: string;
  readonly dst: string;
  readonly expect: { readonly nat: boolean; readonly action: 'MASQUERADE' | 'SNAT' | 'none'; readonly toSource?: string };
  readonly why: string;
}

export const NAT_VECTORS = JSON.parse(readFileSync(join(CONFORMANCE, 'nat.json'), 'utf8')) as NatVector[];

/** vectorSettings maps a vector's config to NatSettings (hostIPs are --host-ip values). */
export function vectorSettings(v: NatVector): NatSettings {
  return {
    ...DEFAULT_NAT_SETTINGS,
    ...(v.config.natOutgoingExclusions ? { natOutgoingExclusions: v.config.natOutgoingExclusions } : {}),
    ...(v.config.natOutgoingAddress ? { natOutgoingAddress: v.config.natOutgoingAddress } : {}),
    hostIPs: v.config.hostIPs ?? [],
  };
}
