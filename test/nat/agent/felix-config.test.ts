import { describe, expect, it } from 'vitest';
import type { FelixConfiguration } from '../../../src/core/index.js';
import { agentFelix, settingChanges } from '../../../src/nat/agent/felix-config.js';

// covers: src/nat/agent/felix-config.ts (the agent's settings from FelixConfiguration, and which changes make it exit to be restarted, as Felix)

const fc = (name: string, spec: Record<string, unknown>): FelixConfiguration => ({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name }, spec });
const NODE = 'worker-1';
const changes = (before: FelixConfiguration[], after: FelixConfiguration[], backendFlag?: 'iptables' | 'nftables' | 'auto') =>
  settingChanges(agentFelix(NODE, before, {}, backendFlag).values, agentFelix(NODE, after, {}, backendFlag).values);

describe('agentFelix: the settings and backend the agent starts with', () => {
  it('takes the NAT settings from default, then node.<node>, then the flags, as nat apply', () => {
    const configs = [fc('default', { natOutgoingAddress: '192.0.2.1', natPortRange: '1000:2000' }), fc(`node.${NODE}`, { natOutgoingAddress: '192.0.2.2' })];
    const a = agentFelix(NODE, configs, {}, undefined);
    expect(a.settings).toMatchObject({ natOutgoingAddress: '192.0.2.2', natPortRange: { min: 1000, max: 2000 } });
    expect(agentFelix(NODE, configs, { natOutgoingAddress: '192.0.2.3' }, undefined).settings.natOutgoingAddress).toBe('192.0.2.3');
    expect(a.backend).toEqual({ backend: 'auto' });
  });

  it('nftablesMode chooses the backend, with why; --backend overrides', () => {
    expect(agentFelix(NODE, [fc('default', { nftablesMode: 'Enabled' })], {}, undefined).backend).toEqual({
      backend: 'nftables',
      why: 'nftablesMode Enabled from FelixConfiguration default',
    });
    expect(agentFelix(NODE, [fc('default', { nftablesMode: 'Enabled' })], {}, 'iptables').backend).toEqual({ backend: 'iptables' });
  });
});

describe('settingChanges: what makes a running agent exit to be restarted (Felix compares parsed values)', () => {
  it('each NAT setting and nftablesMode, named with both values', () => {
    expect(changes([fc('default', { nftablesMode: 'Disabled' })], [fc('default', { nftablesMode: 'Enabled' })])).toEqual([
      'nftablesMode "Disabled" -> "Enabled"',
      'backend "iptables" -> "nftables"',
    ]);
    // no nftablesMode is poolctl's host detection; one Felix refuses is its default, iptables
    expect(changes([], [fc('default', { nftablesMode: 'Auto' })])).toEqual(['backend "auto" -> "iptables"']);
    expect(changes([], [fc('default', { natOutgoingAddress: '192.0.2.1' })])).toEqual(
      expect.arrayContaining(['natOutgoingAddress null -> "192.0.2.1"']),
    );
    expect(changes([], [fc(`node.${NODE}`, { natPortRange: '1000:2000' })])).toEqual(['natPortRange null -> {"min":1000,"max":2000}']);
    expect(changes([], [fc('default', { natOutgoingExclusions: 'IPPoolsAndHostIPs' })])).toEqual(['natOutgoingExclusions "IPPoolsOnly" -> "IPPoolsAndHostIPs"']);
    expect(changes([], [fc('default', { iptablesNATOutgoingInterfaceFilter: 'eth0' })])).toEqual(['iptablesNATOutgoingInterfaceFilter null -> "eth0"']);
    expect(changes([], [fc('default', { bpfEnabled: true })])).toEqual(['bpfEnabled false -> true']);
  });

  it('no change: the same value spelled otherwise, moved to another resource, another node, or a field the agent does not use', () => {
    expect(changes([fc('default', { nftablesMode: 'Enabled' })], [fc('default', { nftablesMode: 'enabled' })])).toEqual([]);
    expect(changes([fc('default', { natPortRange: '1000:2000' })], [fc(`node.${NODE}`, { natPortRange: '1000:2000' })])).toEqual([]);
    expect(changes([], [fc('node.worker-2', { nftablesMode: 'Enabled', natOutgoingAddress: '192.0.2.1' })])).toEqual([]);
    expect(changes([], [fc('default', { logSeverityScreen: 'Debug' })])).toEqual([]);
    // two values Felix refuses both give its default: no change
    expect(changes([fc('default', { nftablesMode: 'Auto' })], [fc('default', { nftablesMode: 'sometimes' })])).toEqual([]);
  });

  it('with --backend, nftablesMode is no change (the flag is a source above the datastore)', () => {
    expect(changes([fc('default', { nftablesMode: 'Disabled' })], [fc('default', { nftablesMode: 'Enabled' })], 'iptables')).toEqual([]);
    expect(changes([fc('default', { nftablesMode: 'Disabled' })], [fc('default', { nftablesMode: 'Enabled' })], 'auto')).toEqual([]);
  });
});
