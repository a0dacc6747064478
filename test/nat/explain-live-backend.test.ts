import { describe, expect, it } from 'vitest';
import type { FelixConfiguration } from '../../src/core/index.js';
import { liveBackend } from '../../src/nat/explain.js';
import { resolveNatSettings } from '../../src/nat/settings.js';

// covers: src/nat/explain.ts liveBackend (nat explain --live's backend: --backend, else nftablesMode of default -> node.<node>, else auto)

const fc = (name: string, spec: Record<string, unknown>): FelixConfiguration => ({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name }, spec });
const felix = (configs: FelixConfiguration[], node = 'worker-1') => resolveNatSettings({ node, configs, flags: {} }).felix;

describe('liveBackend: the ruleset nat explain --live reads, chosen as nat status chooses it', () => {
  it("no nftablesMode anywhere, or the FelixConfigurations unread: auto (host detection)", () => {
    expect(liveBackend(undefined, felix([]))).toEqual({ backend: 'auto' });
    expect(liveBackend(undefined, felix([fc('default', { natPortRange: '1000:2000' })]))).toEqual({ backend: 'auto' });
    expect(liveBackend(undefined, undefined)).toEqual({ backend: 'auto' });
  });

  it("default's nftablesMode, then node.<node>'s above it, each named", () => {
    expect(liveBackend(undefined, felix([fc('default', { nftablesMode: 'Enabled' })]))).toEqual({
      backend: 'nftables',
      why: 'nftablesMode Enabled from FelixConfiguration default',
    });
    const both = [fc('default', { nftablesMode: 'Enabled' }), fc('node.worker-1', { nftablesMode: 'Disabled' })];
    expect(liveBackend(undefined, felix(both))).toEqual({ backend: 'iptables', why: 'nftablesMode Disabled from FelixConfiguration node.worker-1' });
    // another node's resource does not apply
    expect(liveBackend(undefined, felix(both, 'worker-2'))).toEqual({ backend: 'nftables', why: 'nftablesMode Enabled from FelixConfiguration default' });
  });

  it('Auto and values Felix refuses give its default Disabled: iptables', () => {
    expect(liveBackend(undefined, felix([fc('default', { nftablesMode: 'Auto' })]))).toMatchObject({ backend: 'iptables', why: expect.stringContaining('refused by Felix v3.31.7') });
  });

  it('--backend overrides the FelixConfigurations (auto included)', () => {
    const on = felix([fc('default', { nftablesMode: 'Enabled' })]);
    expect(liveBackend('iptables', on)).toEqual({ backend: 'iptables' });
    expect(liveBackend('auto', on)).toEqual({ backend: 'auto' });
    expect(liveBackend('nftables', undefined)).toEqual({ backend: 'nftables' });
  });
});
