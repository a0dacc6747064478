import { describe, expect, it } from 'vitest';
import { calicoErrorText } from '../../../src/core/index.js';
import { validateFelixConfiguration } from '../../../src/core/felix/validate.js';
import type { FelixConfiguration } from '../../../src/core/felix/types.js';

// covers: src/core/felix/validate.ts
// Texts are libcalico-go/lib/validator/v3/validator.go's (v3.31.7), as calicoctl prints them
// through libcalico-go/lib/errors ErrorValidation.

function fc(spec: Record<string, unknown>, name = 'default'): FelixConfiguration {
  return { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name }, spec };
}

function errors(spec: Record<string, unknown>, name?: string): string {
  return calicoErrorText(validateFelixConfiguration(fc(spec, name)));
}

describe('validateFelixConfiguration', () => {
  it('accepts the NAT settings Felix takes', () => {
    expect(
      validateFelixConfiguration(
        fc({
          natOutgoingAddress: '192.0.2.1',
          natPortRange: '1024:65535',
          natOutgoingExclusions: 'IPPoolsAndHostIPs',
          iptablesNATOutgoingInterfaceFilter: 'eth+',
          externalNodesList: ['198.51.100.0/24', '203.0.113.7'],
          featureDetectOverride: 'MASQFullyRandom=false,SNATFullyRandom=true',
          bpfEnabled: true,
        }),
      ),
    ).toEqual([]);
  });

  it.each([
    [{ natOutgoingAddress: '2001:db8::1' }, "error with field NATOutgoingAddress = '2001:db8::1' (is not a valid IPv4 address)"],
    [{ natOutgoingAddress: '192.0.2' }, "error with field NATOutgoingAddress = '192.0.2' (is not a valid IPv4 address)"],
    [
      { natOutgoingExclusions: 'HostIPs' },
      "error with field NATOutgoingExclusions = 'HostIPs' (Reason: failed to validate Field: NATOutgoingExclusions because of Tag: oneof )",
    ],
    // a pointer field: an empty string is set, and not one of the options
    [
      { natOutgoingExclusions: '' },
      "error with field NATOutgoingExclusions = '' (Reason: failed to validate Field: NATOutgoingExclusions because of Tag: oneof )",
    ],
    [
      { iptablesNATOutgoingInterfaceFilter: 'eth0 ' },
      "error with field IptablesNATOutgoingInterfaceFilter = 'eth0 ' (Reason: failed to validate Field: IptablesNATOutgoingInterfaceFilter because of Tag: ifaceFilter )",
    ],
    [{ natPortRange: 0 }, "error with field Port = '0' (port range invalid, port number must be between 1 and 65535)"],
    [{ natPortRange: '0:100' }, "error with field Port = '0' (port range invalid, port number must be between 1 and 65535)"],
    [{ externalNodesList: ['fd00::/64'] }, "error with field ExternalNodesCIDRList = 'fd00::/64' (has invalid IPv6 CIDR)"],
    [{ externalNodesList: ['10.0.0.0/33'] }, "error with field ExternalNodesCIDRList = '10.0.0.0/33' (has invalid CIDR(s))"],
    [
      { featureDetectOverride: 'MASQFullyRandom' },
      "error with field FeatureDetectOverride = 'MASQFullyRandom' (Reason: failed to validate Field: FeatureDetectOverride because of Tag: keyValueList )",
    ],
    [{ wireguardListeningPort: 0 }, "error with field WireguardListeningPort = '0' (Reason: failed to validate Field: WireguardListeningPort because of Tag: gt )"],
    [{ logSeverityScreen: 'info' }, "error with field LogSeverityScreen = 'info' (Reason: failed to validate Field: LogSeverityScreen because of Tag: logLevel )"],
    [{ routeTableRange: { min: 0, max: 300 } }, "error with field RouteTableRange = '{0 300}' (must be a range of route table indices within 1..250)"],
    [{ kubeNodePortRanges: ['http'] }, "error with field KubeNodePortRanges = '[http]' (node port ranges should not contain named ports)"],
  ])('%j: %s', (spec, text) => {
    expect(errors(spec)).toBe(text);
  });

  it('skips an empty plain string (omitempty) and a null pointer', () => {
    expect(validateFelixConfiguration(fc({ logSeverityScreen: '', natOutgoingAddress: '', natPortRange: null }))).toEqual([]);
  });

  it('reports several fields as Calico lists them, metadata first', () => {
    expect(errors({ natOutgoingAddress: 'x', debugPort: 70000 }, 'Bad_Name')).toBe(
      'error with the following fields:\n' +
        "-  Metadata.Name = 'Bad_Name' (name must consist of lower case alphanumeric characters, '-' or '.' (regex: [a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*))\n" +
        "-  DebugPort = '70000' (Reason: failed to validate Field: DebugPort because of Tag: lte )\n" +
        "-  NATOutgoingAddress = 'x' (is not a valid IPv4 address)\n",
    );
  });

  it('gives each finding a pointer and a code', () => {
    const [d] = validateFelixConfiguration(fc({ kubeNodePortRanges: [80, '0:10'] }));
    expect(d).toMatchObject({ code: 'FIELD_INVALID', path: '/spec/kubeNodePortRanges/1', field: 'Port' });
    const [e] = validateFelixConfiguration(fc({ natOutgoingExclusions: 'x' }));
    expect(e).toMatchObject({ code: 'ENUM_INVALID', path: '/spec/natOutgoingExclusions' });
  });
});
