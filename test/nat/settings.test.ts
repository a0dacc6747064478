import { describe, expect, it } from 'vitest';
import type { FelixConfiguration } from '../../src/core/index.js';
import { formatOrigin } from '../../src/core/index.js';
import { parseNatSettings, resolveNatSettings } from '../../src/nat/settings.js';

// covers: src/nat/settings.ts (resolveNatSettings: default -> node.<node> -> flags, each setting)

const fc = (name: string, spec: Record<string, unknown>): FelixConfiguration => ({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name }, spec });

/**
 * FIELDS: each setting with a value in `default`, another in `node.worker-1`, a third as a
 * flag, and what the model then uses for each.
 */
const FIELDS = [
  {
    name: 'natOutgoingAddress',
    specs: ['192.0.2.1', '192.0.2.2'],
    flag: { natOutgoingAddress: '192.0.2.3' },
    setting: (s: ReturnType<typeof resolveNatSettings>['settings']) => s.natOutgoingAddress,
    values: ['192.0.2.1', '192.0.2.2', '192.0.2.3'],
    flagName: '--nat-outgoing-address',
  },
  {
    name: 'natPortRange',
    specs: ['1000:2000', 3000],
    flag: { natPortRange: '4000:5000' },
    setting: (s: ReturnType<typeof resolveNatSettings>['settings']) => s.natPortRange,
    values: [{ min: 1000, max: 2000 }, { min: 3000, max: 3000 }, { min: 4000, max: 5000 }],
    flagName: '--nat-port-range',
  },
  {
    name: 'natOutgoingExclusions',
    specs: ['IPPoolsAndHostIPs', 'IPPoolsOnly'],
    flag: { natOutgoingExclusions: 'IPPoolsAndHostIPs' },
    setting: (s: ReturnType<typeof resolveNatSettings>['settings']) => s.natOutgoingExclusions,
    values: ['IPPoolsAndHostIPs', 'IPPoolsOnly', 'IPPoolsAndHostIPs'],
    flagName: '--nat-outgoing-exclusions',
  },
  {
    name: 'iptablesNATOutgoingInterfaceFilter',
    specs: ['eth0', 'eth+'],
    flag: { interfaceFilter: 'ens3' },
    setting: (s: ReturnType<typeof resolveNatSettings>['settings']) => s.interfaceFilter,
    values: ['eth0', 'eth+', 'ens3'],
    flagName: '--nat-outgoing-interface-filter',
  },
] as const;

describe('resolveNatSettings: default, then node.<node>, then flags', () => {
  it.each(FIELDS)('$name', (f) => {
    const global = fc('default', { [f.name]: f.specs[0] });
    const node = fc('node.worker-1', { [f.name]: f.specs[1] });
    const other = fc('node.worker-2', { [f.name]: f.specs[1] });
    const at = (configs: FelixConfiguration[], flags = {}) => resolveNatSettings({ node: 'worker-1', configs, flags });
    // only default
    let r = at([global, other]);
    expect(f.setting(r.settings)).toEqual(f.values[0]);
    expect(formatOrigin(r.felix[f.name].origin)).toBe('FelixConfiguration default');
    // the node's own resource wins over default (another node's is ignored)
    r = at([global, node, other]);
    expect(f.setting(r.settings)).toEqual(f.values[1]);
    expect(formatOrigin(r.felix[f.name].origin)).toBe('FelixConfiguration node.worker-1');
    // node only
    r = at([node]);
    expect(f.setting(r.settings)).toEqual(f.values[1]);
    // a flag wins over both
    r = at([global, node], f.flag);
    expect(f.setting(r.settings)).toEqual(f.values[2]);
    expect(formatOrigin(r.felix[f.name].origin)).toBe(f.flagName);
    // nothing: Felix's default
    r = at([]);
    expect(formatOrigin(r.felix[f.name].origin)).toBe("Felix's default");
  });

  it('randomFully: featureDetectOverride of default, then of the node, then --random-fully', () => {
    const global = fc('default', { featureDetectOverride: 'MASQFullyRandom=false' });
    const node = fc('node.worker-1', { featureDetectOverride: 'MASQFullyRandom=true' });
    const at = (configs: FelixConfiguration[], flags = {}) => resolveNatSettings({ node: 'worker-1', configs, flags }).settings.randomFully;
    expect(at([])).toBe(true);
    expect(at([global])).toBe(false);
    expect(at([global, node])).toBe(true);
    expect(at([global, node], { randomFully: false })).toBe(false);
  });

  it('bpfEnabled and externalNodesList come from the resources; host IPs and the pool-set name from flags only', () => {
    const r = resolveNatSettings({
      node: 'worker-1',
      configs: [fc('default', { bpfEnabled: true, externalNodesList: ['10.9.0.0/16', 'fd00::/64'] })],
      flags: { hostIPs: ['10.0.0.12'], poolSetName: 'all-ipam-pools' },
    });
    expect(r.felix.bpfEnabled.value).toBe(true);
    expect(r.settings.hostIPs).toEqual(['10.0.0.12', '10.9.0.0/16']);
    expect(r.settings.poolSetName).toBe('all-ipam-pools');
  });

  it('a value Felix cannot parse gives the default, with the reason kept', () => {
    const r = resolveNatSettings({ node: 'n', configs: [fc('default', { natOutgoingAddress: 'not-an-ip' })], flags: {} });
    expect(r.settings.natOutgoingAddress).toBeUndefined();
    expect(r.felix.natOutgoingAddress.invalid).toBe('invalid IP');
  });

  it('bad flags are usage errors naming the flag; parseNatSettings is the flags alone', () => {
    expect(() => resolveNatSettings({ node: 'n', configs: [], flags: { natPortRange: '9:1' } })).toThrow('--nat-port-range 9:1');
    expect(() => parseNatSettings({ natOutgoingAddress: '2001:db8::1' })).toThrow("Felix's NATOutgoingAddress is an IPv4 address");
    expect(parseNatSettings({})).toEqual({ poolSetName: 'network-ip-pools', natOutgoingExclusions: 'IPPoolsOnly', hostIPs: [], randomFully: true });
  });
});
