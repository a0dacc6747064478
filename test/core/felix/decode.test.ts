import { describe, expect, it } from 'vitest';
import { checkFelixConfiguration, decodeFelixConfiguration } from '../../../src/core/index.js';

// covers: src/core/felix/decode.ts

const doc = (spec: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'FelixConfiguration',
  metadata: { name: 'default' },
  spec,
  ...extra,
});

describe('decodeFelixConfiguration', () => {
  it('accepts every v3.31 field kind: pointers, durations, ports, structs, slices, maps', () => {
    const r = decodeFelixConfiguration(
      doc({
        natOutgoingAddress: '192.0.2.1',
        natPortRange: '32768:65000',
        bpfEnabled: true,
        iptablesRefreshInterval: '1m30s',
        routeTableRange: { min: 1, max: 250 },
        failsafeInboundHostPorts: [{ protocol: 'TCP', port: 22 }],
        bpfLogFilters: { all: 'tcp' },
        externalNodesList: ['10.1.0.0/16'],
      }),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.resource.spec.natPortRange).toBe('32768:65000');
    expect(r.resource.spec.routeTableRange).toEqual({ min: 1, max: 250 });
  });

  it('matches keys ignoring case and writes the JSON name; a number in a string field becomes text', () => {
    const r = decodeFelixConfiguration(doc({ NATOutgoingAddress: '192.0.2.1', logPrefix: 42 }));
    expect(r.diagnostics).toEqual([]);
    expect(r.resource.spec).toEqual({ natOutgoingAddress: '192.0.2.1', logPrefix: '42' });
  });

  it("reports unknown fields and wrong types with go-json's texts and paths, as for an IPPool (fields in declaration order)", () => {
    const r = decodeFelixConfiguration(doc({ natOutgoingAdress: '1.2.3.4', bpfEnabled: 'yes', iptablesRefreshInterval: '10 s' }));
    expect(r.diagnostics).toEqual([
      {
        code: 'FIELD_UNKNOWN',
        severity: 'error',
        message: 'field in document is not recognized or is in the wrong location: natOutgoingAdress',
        path: '/spec/natOutgoingAdress',
        hint: 'did you mean "natOutgoingAddress"?',
      },
      { code: 'TYPE_MISMATCH', severity: 'error', message: 'time: unknown unit " s" in duration "10 s"', path: '/spec/iptablesRefreshInterval' },
      { code: 'TYPE_MISMATCH', severity: 'error', message: "cannot parse string 'yes' into field FelixConfigurationSpec.bpfEnabled of type bool", path: '/spec/bpfEnabled', hint: 'write true or false, without quotes' },
    ]);
  });

  it("is the loader's decodeGo: Unicode case folding, Go's float text, metav1 types, uint bounds, UnmarshalJSON errors", () => {
    // U+017F (long s) folds to s in go-json's EqualFold, as for an IPPool's keys
    const folded = decodeFelixConfiguration(doc({ NATOUTGOINGADDREſS: '192.0.2.1', logPrefix: 1.5e-7 }));
    expect(folded.diagnostics).toEqual([]);
    expect(folded.resource.spec).toEqual({ natOutgoingAddress: '192.0.2.1', logPrefix: '1.5e-07' });
    expect(folded.renamed.get('/spec/natOutgoingAddress')).toBe('/spec/NATOUTGOINGADDREſS');
    const bad = decodeFelixConfiguration({
      ...doc({ iptablesRefreshInterval: 90, iptablesMarkMask: 4294967296, natPortRange: 'a:b' }),
      metadata: { name: 'default', creationTimestamp: 'yesterday', labels: { a: null } },
    });
    expect(bad.diagnostics.map((d) => [d.path, d.message])).toEqual([
      ['/metadata/creationTimestamp', 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"'],
      ['/spec/iptablesRefreshInterval', 'json: cannot unmarshal number into Go value of type string'],
      ['/spec/iptablesMarkMask', "cannot parse number '4294967296' into field FelixConfigurationSpec.iptablesMarkMask of type uint32"],
      ['/spec/natPortRange', 'invalid name for named port (a:b)'],
    ]);
    expect(bad.decodable).toBe(false);
    expect(bad.resource.metadata.labels).toEqual({ a: '' });
  });

  it('null leaves a field unset', () => {
    expect(decodeFelixConfiguration(doc({ bpfEnabled: null })).resource.spec).toEqual({});
  });
});

describe('checkFelixConfiguration', () => {
  it("runs Calico's validator after decoding: natOutgoingAddress must be IPv4", () => {
    const r = checkFelixConfiguration(doc({ natOutgoingAddress: '2001:db8::1' }));
    expect(r.valid).toBe(false);
    expect(r.diagnostics).toMatchObject([{ code: 'FIELD_INVALID', message: 'is not a valid IPv4 address', field: 'NATOutgoingAddress', path: '/spec/natOutgoingAddress' }]);
  });

  it("places the validator's findings where the document writes the field (in any case)", () => {
    const r = checkFelixConfiguration(doc({ NatOutgoingAddress: '2001:db8::1' }));
    expect(r.diagnostics).toMatchObject([{ code: 'FIELD_INVALID', path: '/spec/NatOutgoingAddress' }]);
  });

  it('refuses another apiVersion', () => {
    expect(checkFelixConfiguration(doc({}, { apiVersion: 'v1' })).diagnostics).toMatchObject([{ code: 'KIND_UNKNOWN' }]);
  });

  it('passes a valid configuration', () => {
    expect(checkFelixConfiguration(doc({ natOutgoingExclusions: 'IPPoolsAndHostIPs', natPortRange: 32768 })).valid).toBe(true);
  });
});
