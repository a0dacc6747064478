import { err, ok, type Result } from '../result.js';

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

/** AddrRange is an inclusive range of addresses of one family: first <= last. */
export interface AddrRange {
  readonly family: Family;
  readonly first: bigint;
  readonly last: bigint;
}

/**
 * AddrValue is an address as the range structures compute with it: a number for IPv4 (exact
 * in a double, with room for last + 1) and a bigint for IPv6, so IPv4 sets never allocate
 * bigints. One range, one family: the two kinds never meet in an expression.
 */
export type AddrValue = number | bigint;

/** ValueRange is an inclusive range of AddrValues. */
export interface ValueRange {
  first: AddrValue;
  last: AddrValue;
}

/** succ returns x + 1. */
export function succ(x: AddrValue): AddrValue {
  return typeof x === 'number' ? x + 1 : x + 1n;
}

/** pred returns x - 1. */
export function pred(x: AddrValue): AddrValue {
  return typeof x === 'number' ? x - 1 : x - 1n;
}

/** zeroOf returns the first address of a family as an AddrValue. */
export function zeroOf(family: Family): AddrValue {
  return family === 4 ? 0 : 0n;
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
 * parseIPv4Bytes parses strict dotted-quad IPv4 text held as ASCII bytes b[start, end):
 * exactly four decimal octets 0-255, no leading zeros ("010.0.0.1" fails, as Go >= 1.17
 * rejects it), no shorthand ("127.1"), no hex or octal. It returns the address as an unsigned
 * 32-bit number, or -1. It allocates nothing: it is the primitive under parseIPv4Value.
 */
export function parseIPv4Bytes(b: Uint8Array, start = 0, end = b.length): number {
  const v = scanIPv4Bytes(b, start, end);
  return v >= 0 && scanEnd === end ? v : -1;
}

/** scanEnd is where the last scanIPv4Bytes stopped. */
let scanEnd = 0;

/**
 * scanIPv4Bytes reads an IPv4 address (as parseIPv4Bytes) at the start of b[start, end): it
 * stops at the first byte after the fourth octet (any byte but a digit or a dot) and returns
 * the address, or -1 when the bytes up to there are not one. ipv4ScanEnd then says where it
 * stopped. Batch explain reads a flow's addresses with it in one pass over the bytes.
 */
export function scanIPv4Bytes(b: Uint8Array, start: number, end: number): number {
  let value = 0;
  let i = start;
  for (let octets = 1; ; octets++) {
    const first = i;
    let n = 0;
    while (i < end) {
      const c = b[i]!;
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      i++;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || n > 255 || (digits > 1 && b[first] === 48)) return -1;
    value = value * 256 + n;
    if (octets === 4) break;
    if (i === end || b[i] !== 46) return -1;
    i++;
  }
  scanEnd = i;
  return i < end && b[i] === 46 ? -1 : value;
}

/** ipv4ScanEnd returns the position after the address the last successful scanIPv4Bytes read. */
export function ipv4ScanEnd(): number {
  return scanEnd;
}

/** TEXT_BYTES holds the string being parsed by parseIPv4Value / parseIPv6Words as bytes (an address is at most 45 characters). */
const TEXT_BYTES = new Uint8Array(64);

/** textBytes copies s[start, end) to TEXT_BYTES (a character above 0xff becomes 0, which no address holds) and returns its length, or -1 when it is longer than max. */
function textBytes(s: string, start: number, end: number, max: number): number {
  const n = end - start;
  if (n > max) return -1;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(start + k);
    TEXT_BYTES[k] = c > 0xff ? 0 : c;
  }
  return n;
}

/** parseIPv4Value is parseIPv4Bytes for the string s[start, end). */
export function parseIPv4Value(s: string, start = 0, end = s.length): number {
  const n = textBytes(s, start, end, 15);
  return n < 0 ? -1 : parseIPv4Bytes(TEXT_BYTES, 0, n);
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
/** HEX_VALUE is each byte's value as a hex digit (either case), or -1. */
const HEX_VALUE = Int8Array.from({ length: 256 }, (_, c) =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1,
);
const WORDS = new Uint32Array(4);

/**
 * parseIPv6Bytes parses IPv6 text held as ASCII bytes b[start, end) (RFC 4291: hex groups,
 * one "::", an optional trailing dotted IPv4; zones refused) and writes the address as four
 * unsigned 32-bit words, most significant first, to out[off..off+3]. It returns false,
 * leaving out unspecified, when the text is not an IPv6 address. It allocates nothing: it is
 * the primitive under parseIPv6Words and batch explain.
 */
export function parseIPv6Bytes(b: Uint8Array, out: Uint32Array, off = 0, start = 0, end = b.length): boolean {
  if (end - start < 2 || end - start > 45) return false;
  const g = GROUPS;
  let n = 0;
  let ellipsis = -1;
  let i = start;
  if (b[i] === 58) {
    if (b[i + 1] !== 58) return false;
    ellipsis = 0;
    i += 2;
  }
  while (i < end) {
    // One group: up to 4 hex digits, or a trailing dotted IPv4.
    let v = 0;
    let digits = 0;
    const gstart = i;
    while (i < end) {
      const c = b[i]!;
      const d = HEX_VALUE[c]!;
      if (d < 0) break;
      v = v * 16 + d;
      digits++;
      i++;
      if (digits > 4) return false;
    }
    if (i < end && b[i] === 46) {
      // Embedded IPv4 must be last and fit in the remaining two groups.
      if (n > 6 || (ellipsis < 0 && n !== 6)) return false;
      const v4 = parseIPv4Bytes(b, gstart, end);
      if (v4 < 0) return false;
      g[n++] = v4 >>> 16;
      g[n++] = v4 & 0xffff;
      break;
    }
    if (digits === 0 || n === 8) return false;
    g[n++] = v;
    if (i === end) break;
    if (b[i] !== 58) return false;
    i++;
    if (i < end && b[i] === 58) {
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

/** parseIPv6Words is parseIPv6Bytes for the string s[start, end). */
export function parseIPv6Words(s: string, out: Uint32Array, off = 0, start = 0, end = s.length): boolean {
  const n = textBytes(s, start, end, 45);
  return n >= 0 && parseIPv6Bytes(TEXT_BYTES, out, off, 0, n);
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
const ASCII = new TextDecoder();

/** writeDecimal writes n (0-255) in decimal to out at pos and returns the position after it. */
function writeDecimal(n: number, out: Uint8Array, pos: number): number {
  if (n >= 100) {
    const h = (n / 100) | 0;
    out[pos++] = 48 + h;
    n -= h * 100;
    out[pos++] = 48 + ((n / 10) | 0);
  } else if (n >= 10) {
    out[pos++] = 48 + ((n / 10) | 0);
  }
  out[pos++] = 48 + (n % 10);
  return pos;
}

/**
 * writeIPv4Value writes an unsigned 32-bit address as dotted-quad ASCII text (formatIPv4Value)
 * to out at pos and returns the position after it (at most 15 bytes). It allocates nothing:
 * renderers write thousands of set members straight into one buffer.
 */
export function writeIPv4Value(v: number, out: Uint8Array, pos: number): number {
  pos = writeDecimal(v >>> 24, out, pos);
  out[pos++] = 46;
  pos = writeDecimal((v >>> 16) & 255, out, pos);
  out[pos++] = 46;
  pos = writeDecimal((v >>> 8) & 255, out, pos);
  out[pos++] = 46;
  return writeDecimal(v & 255, out, pos);
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
    return writeIPv4Value(w[off + 3]!, out, pos);
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
  return ASCII.decode(TEXT.subarray(0, writeIPv6Words(w, off, TEXT, 0)));
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
