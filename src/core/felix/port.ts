/**
 * Calico's numorstring.Port (api/pkg/lib/numorstring/port.go, v3.31.7), the type of
 * FelixConfiguration's natPortRange, bpfPSNATPorts and kubeNodePortRanges: a single port, a
 * range "MIN:MAX", or a port name. JSON takes a number or a string and writes a number for a
 * single port, else the string.
 */

/** Port is a numorstring.Port: minPort..maxPort, or a name (then both 0). */
export interface Port {
  readonly minPort: number;
  readonly maxPort: number;
  readonly portName: string;
}

/** PortResult is a parsed port or Go's error text. */
export type PortResult = { readonly ok: true; readonly port: Port } | { readonly ok: false; readonly error: string };

const NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

/** parseUint16 is strconv.ParseUint(s, 10, 16) for a digit string: the value, or -1 when out of range. */
function parseUint16(s: string): number {
  const t = s.replace(/^0+(?=\d)/, '');
  return t.length > 5 || Number(t) > 65535 ? -1 : Number(t);
}

/**
 * portFromString is numorstring.PortFromString: all digits is a single port, "D:D" a range
 * (min must not exceed max), anything else a name of 1-128 of [a-zA-Z0-9_.-]; errors are Go's.
 */
export function portFromString(s: string): PortResult {
  if (/^\d+$/.test(s)) {
    const n = parseUint16(s);
    return n < 0 ? { ok: false, error: `invalid port format (${s})` } : { ok: true, port: { minPort: n, maxPort: n, portName: '' } };
  }
  const r = /^(\d+):(\d+)$/.exec(s);
  if (r) {
    const min = parseUint16(r[1]!);
    if (min < 0) return { ok: false, error: `invalid minimum port number in range (${s})` };
    const max = parseUint16(r[2]!);
    if (max < 0) return { ok: false, error: `invalid maximum port number in range (${s})` };
    if (min > max) return { ok: false, error: `minimum port number (${min}) is greater than maximum port number (${max}) in port range` };
    return { ok: true, port: { minPort: min, maxPort: max, portName: '' } };
  }
  if (!NAME.test(s)) return { ok: false, error: `invalid name for named port (${s})` };
  return { ok: true, port: { minPort: 0, maxPort: 0, portName: s } };
}

/**
 * portFromJson is Port.UnmarshalJSON on a decoded YAML/JSON value: a string through
 * portFromString, else the value must fit a uint16 (encoding/json's error otherwise).
 */
export function portFromJson(v: unknown): PortResult {
  if (typeof v === 'string') return portFromString(v);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 65535) return { ok: true, port: { minPort: v, maxPort: v, portName: '' } };
    return { ok: false, error: `json: cannot unmarshal number ${v} into Go value of type uint16` };
  }
  const kind = typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? 'array' : 'object';
  return { ok: false, error: `json: cannot unmarshal ${kind} into Go value of type uint16` };
}

/** formatPort is Port.String(): the name, the single port, or "MIN:MAX". */
export function formatPort(p: Port): string {
  if (p.portName !== '') return p.portName;
  return p.minPort === p.maxPort ? String(p.minPort) : `${p.minPort}:${p.maxPort}`;
}

/** portJson is Port.MarshalJSON's value: the name, a number for a single port, else "MIN:MAX". */
export function portJson(p: Port): string | number {
  if (p.portName !== '') return p.portName;
  return p.minPort === p.maxPort ? p.minPort : `${p.minPort}:${p.maxPort}`;
}
