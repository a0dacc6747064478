import { describe, expect, it } from 'vitest';
import { formatPort, portFromJson, portFromString, portJson } from '../../../src/core/felix/port.js';

// covers: src/core/felix/port.ts (numorstring.Port, api/pkg/lib/numorstring/port.go and its tests)

describe('numorstring.Port', () => {
  it.each([
    ['1234', 1234, 1234, ''],
    ['080', 80, 80, ''],
    ['100:200', 100, 200, ''],
    ['0:0', 0, 0, ''],
    ['http', 0, 0, 'http'],
    ['my-port.1_a', 0, 0, 'my-port.1_a'],
    ['1-2', 0, 0, '1-2'],
  ])('%s parses', (s, min, max, name) => {
    expect(portFromString(s)).toEqual({ ok: true, port: { minPort: min, maxPort: max, portName: name } });
  });

  it.each([
    ['65536', 'invalid port format (65536)'],
    ['70000:80000', 'invalid minimum port number in range (70000:80000)'],
    ['1:65536', 'invalid maximum port number in range (1:65536)'],
    ['200:100', 'minimum port number (200) is greater than maximum port number (100) in port range'],
    ['a b', 'invalid name for named port (a b)'],
    ['', 'invalid name for named port ()'],
  ])('%j fails: %s', (s, error) => {
    expect(portFromString(s)).toEqual({ ok: false, error });
  });

  it('reads JSON numbers as uint16 and writes a single port as a number', () => {
    expect(portFromJson(443)).toEqual({ ok: true, port: { minPort: 443, maxPort: 443, portName: '' } });
    expect(portFromJson(70000)).toEqual({ ok: false, error: 'json: cannot unmarshal number 70000 into Go value of type uint16' });
    expect(portFromJson(1.5)).toEqual({ ok: false, error: 'json: cannot unmarshal number 1.5 into Go value of type uint16' });
    expect(portFromJson(true)).toEqual({ ok: false, error: 'json: cannot unmarshal bool into Go value of type uint16' });
    const range = { minPort: 99, maxPort: 100, portName: '' };
    expect([portJson(range), formatPort(range)]).toEqual(['99:100', '99:100']);
    expect(portJson({ minPort: 5, maxPort: 5, portName: '' })).toBe(5);
  });
});
