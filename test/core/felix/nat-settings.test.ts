import { describe, expect, it } from 'vitest';
import { felixBackend, felixConfigSources, formatOrigin, resolveFelixNatSettings, toNatSettings } from '../../../src/core/felix/nat-settings.js';
import type { FelixConfiguration } from '../../../src/core/felix/types.js';

// covers: src/core/felix/nat-settings.ts

function fc(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): FelixConfiguration {
  return { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name, ...(annotations ? { annotations } : {}) }, spec };
}

const resolve = (configs: FelixConfiguration[], overrides = {}, node = 'worker-1') => resolveFelixNatSettings(felixConfigSources(node, configs), overrides);

describe('resolveFelixNatSettings', () => {
  it("takes Felix's defaults without FelixConfigurations", () => {
    const s = resolve([]);
    expect(toNatSettings(s)).toEqual({ poolSetName: 'network-ip-pools', natOutgoingExclusions: 'IPPoolsOnly', hostIPs: [], randomFully: true });
    expect(formatOrigin(s.natOutgoingAddress.origin)).toBe("Felix's default");
    expect([s.bpfEnabled.value, s.nftablesMode.value]).toEqual([false, 'Disabled']);
  });

  // Precedence, field by field: default, then node.<node>, then the flag.
  it.each([
    ['natOutgoingAddress', '192.0.2.1', '192.0.2.2', { natOutgoingAddress: '192.0.2.3' }, '192.0.2.3', '--nat-outgoing-address'],
    ['natOutgoingExclusions', 'IPPoolsAndHostIPs', 'IPPoolsOnly', { natOutgoingExclusions: 'IPPoolsAndHostIPs' }, 'IPPoolsAndHostIPs', '--nat-outgoing-exclusions'],
    ['natPortRange', '1000:2000', 3000, { natPortRange: { min: 5, max: 6 } }, { min: 5, max: 6 }, '--nat-port-range'],
    ['iptablesNATOutgoingInterfaceFilter', 'eth+', 'ens3', { interfaceFilter: 'bond0' }, 'bond0', '--nat-outgoing-interface-filter'],
  ])('%s: default, then node, then flag', (field, global, node, flag, flagValue, flagName) => {
    const g = fc('default', { [field]: global });
    const n = fc('node.worker-1', { [field]: node });
    const key = field as 'natOutgoingAddress';
    const onlyGlobal = resolve([g])[key];
    expect(formatOrigin(onlyGlobal.origin)).toBe('FelixConfiguration default');
    const withNode = resolve([g, n])[key];
    expect(formatOrigin(withNode.origin)).toBe('FelixConfiguration node.worker-1');
    const other = resolve([g, fc('node.worker-2', { [field]: node })])[key];
    expect(formatOrigin(other.origin)).toBe('FelixConfiguration default');
    const withFlag = resolve([g, n], flag)[key];
    expect(withFlag.value).toEqual(flagValue);
    expect(formatOrigin(withFlag.origin)).toBe(flagName);
    expect(withNode.value).toEqual(field === 'natPortRange' ? { min: 3000, max: 3000 } : node);
  });

  it('a flag of none unsets a setting the store has', () => {
    const s = resolve([fc('default', { natOutgoingAddress: '192.0.2.1', natPortRange: '1:2' })], { natOutgoingAddress: null, natPortRange: null });
    expect(toNatSettings(s)).not.toHaveProperty('natOutgoingAddress');
    expect(toNatSettings(s)).not.toHaveProperty('natPortRange');
  });

  it('an annotation config.projectcalico.org/<Name> replaces the field, and "none" is the zero value', () => {
    const g = fc('default', { natOutgoingAddress: '192.0.2.1' }, { 'config.projectcalico.org/NATOutgoingAddress': '198.51.100.1' });
    expect(resolve([g]).natOutgoingAddress).toMatchObject({ value: '198.51.100.1', origin: { annotation: 'config.projectcalico.org/NATOutgoingAddress' } });
    const n = fc('node.worker-1', {}, { 'config.projectcalico.org/natoutgoingaddress': 'none' });
    expect(resolve([g, n]).natOutgoingAddress.value).toBeUndefined();
  });

  it("a value Felix cannot parse gives Felix's default, not the lower source's value", () => {
    const g = fc('default', { natOutgoingAddress: '192.0.2.1' });
    const n = fc('node.worker-1', {}, { 'config.projectcalico.org/NATOutgoingAddress': 'not-an-ip' });
    const s = resolve([g, n]).natOutgoingAddress;
    expect(s).toMatchObject({ value: undefined, invalid: 'invalid IP', raw: 'not-an-ip' });
  });

  it('random-fully follows the feature override the action needs', () => {
    const masqOff = fc('default', { featureDetectOverride: 'MASQFullyRandom=false' });
    expect(resolve([masqOff]).randomFully.value).toBe(false);
    const snat = fc('default', { featureDetectOverride: 'MASQFullyRandom=false', natOutgoingAddress: '192.0.2.1' });
    expect(resolve([snat]).randomFully.value).toBe(true);
    expect(resolve([masqOff], { randomFully: true }).randomFully.value).toBe(true);
  });

  it('externalNodesList joins the host IPs (IPv4 only), bpfEnabled and nftablesMode are read', () => {
    const s = resolve([fc('default', { externalNodesList: ['198.51.100.0/24', '203.0.113.7'], bpfEnabled: true, nftablesMode: 'Enabled' })]);
    expect(toNatSettings(s, { hostIPs: ['10.0.0.1'] }).hostIPs).toEqual(['10.0.0.1', '198.51.100.0/24', '203.0.113.7/32']);
    expect([s.bpfEnabled.value, s.nftablesMode.value]).toEqual([true, 'Enabled']);
    // node.worker-1 bpfEnabled: false is set (a non-nil pointer), so it overrides the cluster's true
    expect(resolve([fc('default', { bpfEnabled: true }), fc('node.worker-1', { bpfEnabled: false })]).bpfEnabled.value).toBe(false);
  });
});

describe('felixBackend', () => {
  const choose = (configs: FelixConfiguration[]) => felixBackend(resolve(configs, {}, 'n1'));

  it("follows Felix v3.31.7: Enabled is nftables, Disabled iptables, the node's resource over default", () => {
    expect(choose([fc('default', { nftablesMode: 'Enabled' })])).toEqual({ backend: 'nftables', why: 'nftablesMode Enabled from FelixConfiguration default' });
    expect(choose([fc('default', { nftablesMode: 'Enabled' }), fc('node.n1', { nftablesMode: 'Disabled' })])).toEqual({
      backend: 'iptables',
      why: 'nftablesMode Disabled from FelixConfiguration node.n1',
    });
    // Felix's oneof parameter is case-insensitive
    expect(choose([fc('default', { nftablesMode: 'enabled' })])?.backend).toBe('nftables');
  });

  it("the API's Auto is refused by Felix's parameter (oneof Enabled,Disabled): Felix's default Disabled, said so", () => {
    expect(choose([fc('default', { nftablesMode: 'Auto' })])).toEqual({
      backend: 'iptables',
      why: 'nftablesMode "Auto" from FelixConfiguration default is refused by Felix v3.31.7 (unknown option), which uses its default Disabled',
    });
  });

  it('an annotation counts as Felix reads it; unset everywhere leaves the choice to the host (undefined)', () => {
    expect(choose([fc('default', {}, { 'config.projectcalico.org/NFTablesMode': 'Enabled' })])?.backend).toBe('nftables');
    expect(choose([fc('default', { natPortRange: 1000 })])).toBeUndefined();
    expect(choose([])).toBeUndefined();
  });
});
