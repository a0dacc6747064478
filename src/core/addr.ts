import { err, ok, type Result } from './result.js';

/** Family is an IP version: 4 or 6. Families never mix implicitly. */
export type Family = 4 | 6;

/**
 * Addr is an immutable IP address value: a family and the address as an unsigned bigint
 * (32 bits for IPv4, 128 for IPv6). An IPv4-mapped IPv6 address (::ffff:a.b.c.d) stays
 * IPv6; it never equals or matches the IPv4 address. Compare with equalAddr / compareAddr.
 */
export interface Addr {
  readonly family: Family;
  readonly value: bigint;
}

/** AddrErrorKind names why a string is not an address or prefix. */
export type AddrErrorKind =
  | 'empty'
  | 'ipv4-syntax'
  | 'ipv4-leading-zero'
  | 'ipv4-octet-range'
  | 'ipv6-syntax'
  | 'zone'
  | 'prefix-missing-length'
  | 'prefix-length';

/** AddrError says why parsing failed; message is a sentence for people. */
export interface AddrError {
  readonly kind: AddrErrorKind;
  readonly input: string;
  readonly message: string;
}

/** bitsOf returns the address width of a family: 32 or 128. */
export function bitsOf(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}

/** maxValue returns the largest address value of a family (all ones). */
export function maxValue(family: Family): bigint {
  return family === 4 ? 0xffffffffn : (1n << 128n) - 1n;
}

function fail(kind: AddrErrorKind, input: string, message: string): Result<never, AddrError> {
  return err({ kind, input, message });
}

/**
 * parseIPv4Value parses strict dotted-quad IPv4 text: exactly four decimal octets 0-255,
 * no leading zeros ("010.0.0.1" fails, as Go >= 1.17 rejects it), no shorthand ("127.1"),
 * no hex or octal. It returns the address as an unsigned 32-bit number, or -1.
 * It is the allocation-free primitive under parseAddr and the hot paths.
 */
export function parseIPv4Value(s: string, start = 0, end = s.length): number {
  let value = 0;
  let octets = 0;
  let i = start;
  while (i < end) {
    let n = 0;
    let digits = 0;
    const first = i;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      digits++;
      i++;
      if (digits > 3) return -1;
    }
    if (digits === 0 || n > 255) return -1;
    if (digits > 1 && s.charCodeAt(first) === 48) return -1;
    value = value * 256 + n;
    octets++;
    if (i === end) break;
    if (s.charCodeAt(i) !== 46 || octets === 4) return -1;
    i++;
    if (i === end) return -1;
  }
  return octets === 4 ? value : -1;
}

function ipv4Error(s: string): Result<never, AddrError> {
  const parts = s.split('.');
  if (parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p))) {
    if (parts.some((p) => p.length > 1 && p.startsWith('0'))) {
      return fail('ipv4-leading-zero', s, `IPv4 address "${s}" has an octet with a leading zero`);
    }
    return fail('ipv4-octet-range', s, `IPv4 address "${s}" has an octet above 255`);
  }
  return fail('ipv4-syntax', s, `"${s}" is not an IPv4 address (four decimal octets a.b.c.d)`);
}

const GROUPS = new Uint16Array(8);
const WORDS = new Uint32Array(4);

/**
 * parseIPv6Words parses IPv6 text in s[start, end) (RFC 4291: hex groups, one "::", an
 * optional trailing dotted IPv4; zones refused) and writes the address as four unsigned
 * 32-bit words, most significant first, to out[off..off+3]. It returns false, leaving out
 * unspecified, when the text is not an IPv6 address. It allocates nothing: it is the
 * primitive under parseIPv6Value and the batch hot paths.
 */
export function parseIPv6Words(s: string, out: Uint32Array, off = 0, start = 0, end = s.length): boolean {
  if (end - start < 2 || end - start > 45) return false;
  const g = GROUPS;
  let n = 0;
  let ellipsis = -1;
  let i = start;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    ellipsis = 0;
    i += 2;
  }
  while (i < end) {
    // One group: up to 4 hex digits, or a trailing dotted IPv4.
    let v = 0;
    let digits = 0;
    const gstart = i;
    while (i < end) {
      const c = s.charCodeAt(i);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      v = v * 16 + d;
      digits++;
      i++;
      if (digits > 4) return false;
    }
    if (i < end && s.charCodeAt(i) === 46) {
      // Embedded IPv4 must be last and fit in the remaining two groups.
      if (n > 6 || (ellipsis < 0 && n !== 6)) return false;
      const v4 = parseIPv4Value(s, gstart, end);
      if (v4 < 0) return false;
      g[n++] = v4 >>> 16;
      g[n++] = v4 & 0xffff;
      break;
    }
    if (digits === 0 || n === 8) return false;
    g[n++] = v;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && s.charCodeAt(i) === 58) {
      if (ellipsis >= 0) return false;
      ellipsis = n;
      i++;
    } else if (i === end) {
      return false;
    }
  }
  if (ellipsis < 0) {
    if (n !== 8) return false;
  } else {
    if (n > 7) return false;
    const fill = 8 - n;
    for (let k = n - 1; k >= ellipsis; k--) g[k + fill] = g[k]!;
    for (let k = ellipsis; k < ellipsis + fill; k++) g[k] = 0;
  }
  for (let k = 0; k < 4; k++) out[off + k] = ((g[2 * k]! << 16) | g[2 * k + 1]!) >>> 0;
  return true;
}

/** ipv6WordsToValue returns the 128-bit value of four 32-bit words w[off..off+3]. */
export function ipv6WordsToValue(w: ArrayLike<number>, off = 0): bigint {
  return (
    (BigInt(w[off]!) << 96n) | (BigInt(w[off + 1]!) << 64n) | (BigInt(w[off + 2]!) << 32n) | BigInt(w[off + 3]!)
  );
}

/** ipv6ValueToWords writes a 128-bit value as four 32-bit words to out[off..off+3]. */
export function ipv6ValueToWords(v: bigint, out: Uint32Array, off = 0): void {
  out[off] = Number(v >> 96n);
  out[off + 1] = Number((v >> 64n) & 0xffffffffn);
  out[off + 2] = Number((v >> 32n) & 0xffffffffn);
  out[off + 3] = Number(v & 0xffffffffn);
}

/**
 * parseIPv6Value parses IPv6 text (see parseIPv6Words) into a 128-bit bigint, or returns
 * null. Zones ("%eth0") are refused.
 */
export function parseIPv6Value(s: string): bigint | null {
  return parseIPv6Words(s, WORDS) ? ipv6WordsToValue(WORDS) : null;
}

/**
 * parseAddr parses an IPv4 or IPv6 address strictly. IPv4 text gives family 4; IPv6 text
 * (including "::ffff:1.2.3.4") gives family 6. Zones, leading-zero octets and shorthand fail.
 */
export function parseAddr(s: string): Result<Addr, AddrError> {
  if (s.length === 0) return fail('empty', s, 'address is empty');
  if (s.includes(':')) {
    if (s.includes('%')) return fail('zone', s, `IPv6 address "${s}" has a zone; zones are not allowed`);
    const v = parseIPv6Value(s);
    if (v === null) return fail('ipv6-syntax', s, `"${s}" is not an IPv6 address`);
    return ok({ family: 6, value: v });
  }
  const v4 = parseIPv4Value(s);
  if (v4 < 0) return ipv4Error(s);
  return ok({ family: 4, value: BigInt(v4) });
}

/** formatIPv4Value formats an unsigned 32-bit number as dotted-quad text. */
export function formatIPv4Value(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const HEX = ascii('0123456789abcdef');
const MAPPED = ascii('::ffff:');
const TEXT = new Uint8Array(45);

/** writeDecimal writes n (0-255) in decimal to out at pos and returns the position after it. */
function writeDecimal(n: number, out: Uint8Array, pos: number): number {
  if (n >= 100) out[pos++] = 48 + Math.floor(n / 100);
  if (n >= 10) out[pos++] = 48 + (Math.floor(n / 10) % 10);
  out[pos++] = 48 + (n % 10);
  return pos;
}

/**
 * writeIPv6Words writes the address in words w[off..off+3] (most significant first) as ASCII
 * text to out at pos, and returns the position after it (at most 39 bytes). The text is RFC
 * 5952, as Go's net.IP.String writes non-mapped addresses: lower-case hex, no leading zeros,
 * the leftmost longest run of two or more zero groups written "::". IPv4-mapped values print
 * as "::ffff:a.b.c.d" (netip style). It allocates nothing: batch output writes bytes directly.
 */
export function writeIPv6Words(w: ArrayLike<number>, off: number, out: Uint8Array, pos: number): number {
  const g = GROUPS;
  for (let k = 0; k < 4; k++) {
    const x = w[off + k]!;
    g[2 * k] = x >>> 16;
    g[2 * k + 1] = x & 0xffff;
  }
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    for (const c of MAPPED) out[pos++] = c;
    const v4 = w[off + 3]!;
    for (let shift = 24; shift >= 0; shift -= 8) {
      pos = writeDecimal((v4 >>> shift) & 255, out, pos);
      if (shift > 0) out[pos++] = 46;
    }
    return pos;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let j = k;
    while (j < 8 && g[j] === 0) j++;
    if (j - k > bestLen) {
      bestStart = k;
      bestLen = j - k;
    }
    k = j;
  }
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      out[pos++] = 58;
      out[pos++] = 58;
      k += bestLen - 1;
      continue;
    }
    if (k > 0 && k !== bestStart + bestLen) out[pos++] = 58;
    const x = g[k]!;
    if (x >= 0x1000) out[pos++] = HEX[x >>> 12]!;
    if (x >= 0x100) out[pos++] = HEX[(x >>> 8) & 15]!;
    if (x >= 0x10) out[pos++] = HEX[(x >>> 4) & 15]!;
    out[pos++] = HEX[x & 15]!;
  }
  return pos;
}

/** formatIPv6Words formats the address in words w[off..off+3] as writeIPv6Words does, as a string. */
export function formatIPv6Words(w: ArrayLike<number>, off = 0): string {
  const n = writeIPv6Words(w, off, TEXT, 0);
  return String.fromCharCode(...TEXT.subarray(0, n));
}

/** formatIPv6Value formats a 128-bit value like formatIPv6Words. */
export function formatIPv6Value(v: bigint): string {
  ipv6ValueToWords(v, WORDS);
  return formatIPv6Words(WORDS);
}

/** formatAddr returns the canonical text of an address. */
export function formatAddr(a: Addr): string {
  return a.family === 4 ? formatIPv4Value(Number(a.value)) : formatIPv6Value(a.value);
}

/** equalAddr reports whether two addresses are the same family and value. */
export function equalAddr(a: Addr, b: Addr): boolean {
  return a.family === b.family && a.value === b.value;
}

/** compareAddr orders addresses by family (4 before 6), then by value. */
export function compareAddr(a: Addr, b: Addr): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** isIPv4Mapped reports whether an IPv6 address is in ::ffff:0:0/96. */
export function isIPv4Mapped(a: Addr): boolean {
  return a.family === 6 && a.value >> 32n === 0xffffn;
}

/** unmap returns the IPv4 address inside an IPv4-mapped IPv6 address, or the address itself. */
export function unmap(a: Addr): Addr {
  return isIPv4Mapped(a) ? { family: 4, value: a.value & 0xffffffffn } : a;
}
