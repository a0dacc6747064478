import {
  bitsOf,
  formatAddr,
  ipv6ValueToWords,
  ipv6WordsToValue,
  parseAddr,
  parseIPv4Value,
  parseIPv6Words,
  writeIPv4Value,
  writeIPv6Words,
  type Addr,
  type AddrError,
  type AddrValue,
  type Family,
  type ValueRange,
} from './addr.js';
import { err, ok, type Result } from '../result.js';

/**
 * Prefix is an immutable, always-masked IP prefix: the network address value (host bits
 * zero) and the prefix length. Like Calico's stored spec.cidr, it is canonical by
 * construction. IPv4 prefixes never contain IPv6 addresses and vice versa.
 */
export interface Prefix {
  readonly family: Family;
  /** value is the network address (host bits cleared). */
  readonly value: bigint;
  readonly bits: number;
}

/**
 * ParsedPrefix is the result of parsePrefix: the masked prefix, the address as written, and
 * whether the written address had host bits set (Calico rejects those: CIDR_NOT_MASKED).
 */
export interface ParsedPrefix {
  readonly prefix: Prefix;
  readonly addr: Addr;
  readonly hostBitsSet: boolean;
}

// Masks for every prefix length, computed once: bigint arithmetic allocates, and the
// validate and overlap hot paths ask for masks per pool.
const HOST_MASKS_4 = Array.from({ length: 33 }, (_, b) => (1n << BigInt(32 - b)) - 1n);
const HOST_MASKS_6 = Array.from({ length: 129 }, (_, b) => (1n << BigInt(128 - b)) - 1n);
const NET_MASKS_4 = HOST_MASKS_4.map((h) => 0xffffffffn ^ h);
const NET_MASKS_6 = HOST_MASKS_6.map((h) => ((1n << 128n) - 1n) ^ h);

/** POW2[n] is 2^n for n in 0..32 (a table: `2 ** n` with a variable n is a slow call). */
export const POW2: readonly number[] = Array.from({ length: 33 }, (_, n) => 2 ** n);

/** hostMask returns the mask of the host bits of a prefix length in a family. */
export function hostMask(family: Family, bits: number): bigint {
  return (family === 4 ? HOST_MASKS_4 : HOST_MASKS_6)[bits] ?? (1n << BigInt(bitsOf(family) - bits)) - 1n;
}

/** networkMask returns the mask of the network bits of a prefix length in a family. */
export function networkMask(family: Family, bits: number): bigint {
  return (family === 4 ? NET_MASKS_4 : NET_MASKS_6)[bits] ?? ((1n << BigInt(bitsOf(family))) - 1n) ^ hostMask(family, bits);
}

const WORDS = new Uint32Array(4);

/**
 * parsePrefix parses "addr/len" as Go's net.ParseCIDR does (which Calico uses): the address
 * parses strictly (see parseAddr), a "/len" is required, len is decimal within the family's
 * width (leading zeros in len are accepted, as Go's dtoi accepts them). Host bits are
 * reported in hostBitsSet and cleared in prefix.
 */
export function parsePrefix(s: string): Result<ParsedPrefix, AddrError> {
  return parseValidPrefix(s) ?? explainPrefix(s);
}

/**
 * parseValidPrefix is parsePrefix for text that parses, or null: the hot path (thousands of
 * pools per command), on words and numbers, with one bigint per value.
 */
function parseValidPrefix(s: string): Result<ParsedPrefix, AddrError> | null {
  const slash = s.indexOf('/');
  const digits = s.length - slash - 1;
  if (slash < 0 || digits < 1 || digits > 5) return null;
  let bits = 0;
  for (let i = slash + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    bits = bits * 10 + (c - 48);
  }
  const colon = s.indexOf(':');
  if (colon < 0 || colon > slash) {
    const v = parseIPv4Value(s, 0, slash);
    if (v < 0 || bits > 32) return null;
    const masked = bits === 0 ? 0 : (v & (-1 << (32 - bits))) >>> 0;
    const value = BigInt(masked);
    return ok({ prefix: { family: 4, value, bits }, addr: { family: 4, value: masked === v ? value : BigInt(v) }, hostBitsSet: masked !== v });
  }
  if (bits > 128 || !parseIPv6Words(s, WORDS, 0, 0, slash)) return null; // a zone ("%eth0") fails too
  const value = ipv6WordsToValue(WORDS);
  let hostBitsSet = false;
  for (let k = 0; k < 4; k++) {
    const keep = bits - 32 * k;
    const w = WORDS[k]!;
    const masked = keep >= 32 ? w : keep <= 0 ? 0 : (w & (-1 << (32 - keep))) >>> 0;
    if (masked !== w) {
      hostBitsSet = true;
      WORDS[k] = masked;
    }
  }
  return ok({
    prefix: { family: 6, value: hostBitsSet ? ipv6WordsToValue(WORDS) : value, bits },
    addr: { family: 6, value },
    hostBitsSet,
  });
}

/** explainPrefix is parsePrefix the slow way, with the error for text that does not parse. */
function explainPrefix(s: string): Result<ParsedPrefix, AddrError> {
  const slash = s.indexOf('/');
  if (slash < 0) {
    return err({ kind: 'prefix-missing-length', input: s, message: `"${s}" has no prefix length ("/len")` });
  }
  const a = parseAddr(s.slice(0, slash));
  if (!a.ok) return err({ ...a.error, input: s });
  const lenText = s.slice(slash + 1);
  const w = bitsOf(a.value.family);
  if (!/^[0-9]{1,5}$/.test(lenText) || Number(lenText) > w) {
    return err({
      kind: 'prefix-length',
      input: s,
      message: `prefix length "${lenText}" is not a number from 0 to ${w}`,
    });
  }
  const bits = Number(lenText);
  const family = a.value.family;
  const value = a.value.value & networkMask(family, bits);
  return ok({ prefix: { family, value, bits }, addr: a.value, hostBitsSet: value !== a.value.value });
}

/**
 * canonicalPrefixText returns the canonical text of a parsed prefix (formatPrefix), which is
 * s itself when s, the text parsed, is already canonical: an IPv4 CIDR without host bits or
 * a leading zero in its length, checked without formatting.
 */
export function canonicalPrefixText(s: string, parsed: ParsedPrefix): string {
  const p = parsed.prefix;
  if (p.family === 4 && !parsed.hostBitsSet) {
    const slash = s.indexOf('/');
    if (s.length - slash === 2 || s.charCodeAt(slash + 1) !== 48) return s;
  }
  return formatPrefix(p);
}

/**
 * canonicalIPv4Key returns `address * 64 + length` for an IPv4 CIDR that parsePrefix accepts
 * without host bits and whose text is its canonical text (formatPrefix: no leading zero in an
 * octet or the length), else -1 (take parsePrefix): the common pool, read in one pass over the
 * characters with nothing allocated and no call (it runs once per pool, mostly before V8
 * optimizes it). A character past the end reads as NaN, which no digit test accepts.
 */
export function canonicalIPv4Key(s: string): number {
  let v = 0;
  let i = 0;
  for (let octet = 0; octet < 4; octet++) {
    let n = s.charCodeAt(i) - 48;
    if (!(n >= 0 && n <= 9)) return -1;
    let c = s.charCodeAt(++i) - 48;
    if (c >= 0 && c <= 9) {
      if (n === 0) return -1;
      n = n * 10 + c;
      c = s.charCodeAt(++i) - 48;
      if (c >= 0 && c <= 9) {
        n = n * 10 + c;
        if (n > 255) return -1;
        i++;
      }
    }
    v = v * 256 + n;
    if (s.charCodeAt(i++) !== (octet === 3 ? 47 : 46)) return -1;
  }
  const d0 = s.charCodeAt(i) - 48;
  if (!(d0 >= 0 && d0 <= 9)) return -1;
  let bits = d0;
  if (i + 1 !== s.length) {
    const d1 = s.charCodeAt(i + 1) - 48;
    if (i + 2 !== s.length || d0 === 0 || !(d1 >= 0 && d1 <= 9)) return -1;
    bits = d0 * 10 + d1;
    if (bits > 32) return -1;
  }
  return v % POW2[32 - bits]! !== 0 ? -1 : v * 64 + bits;
}

/** CANON6 holds the canonical text canonicalIPv6Bits writes to compare. */
const CANON6 = new Uint8Array(45);

/**
 * canonicalIPv6Bits returns the prefix length of an IPv6 CIDR that parsePrefix accepts without
 * host bits and whose text is its canonical text (formatPrefix), with the address's words in
 * out[0..3]; else -1 (take parsePrefix). It compares the canonical text written as bytes with
 * the input, so the usual IPv6 pool is parsed without a bigint-to-text round trip.
 */
export function canonicalIPv6Bits(s: string, out: Uint32Array): number {
  const slash = s.indexOf('/');
  const digits = s.length - slash - 1;
  if (slash < 2 || digits < 1 || digits > 3) return -1;
  let bits = 0;
  for (let i = slash + 1; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9 || (c === 0 && i === slash + 1 && digits > 1)) return -1;
    bits = bits * 10 + c;
  }
  if (bits > 128 || !parseIPv6Words(s, out, 0, 0, slash)) return -1;
  for (let k = 0; k < 4; k++) {
    const keep = bits - 32 * k;
    const w = out[k]!;
    if (keep < 32 && (keep <= 0 ? w : (w & ~(-1 << (32 - keep))) >>> 0) !== 0) return -1;
  }
  if (writeIPv6Words(out, 0, CANON6, 0) !== slash) return -1;
  for (let i = 0; i < slash; i++) if (CANON6[i] !== s.charCodeAt(i)) return -1;
  return bits;
}

/** prefixOf returns the prefix of the given length that contains an address. */
export function prefixOf(a: Addr, bits: number): Prefix {
  return { family: a.family, value: a.value & networkMask(a.family, bits), bits };
}

/** formatPrefix returns the canonical "network/len" text of a prefix. */
export function formatPrefix(p: Prefix): string {
  return `${formatAddr({ family: p.family, value: p.value })}/${p.bits}`;
}

/**
 * writePrefix writes the canonical text of a prefix (formatPrefix) as ASCII to out at pos and
 * returns the position after it (at most 49 bytes). Renderers write set members with it
 * straight into one buffer.
 */
export function writePrefix(p: Prefix, out: Uint8Array, pos: number): number {
  return writePrefixOf(p.family, p.family === 4 ? Number(p.value) : p.value, p.bits, out, pos);
}

/** writePrefixOf is writePrefix for the prefix first/bits of a family (first: a number for IPv4, a bigint for IPv6). */
export function writePrefixOf(family: Family, first: AddrValue, bits: number, out: Uint8Array, pos: number): number {
  if (family === 4) {
    pos = writeIPv4Value(first as number, out, pos);
  } else {
    ipv6ValueToWords(first as bigint, WORDS);
    pos = writeIPv6Words(WORDS, 0, out, pos);
  }
  out[pos++] = 47;
  if (bits >= 100) out[pos++] = 49;
  if (bits >= 10) out[pos++] = 48 + (((bits % 100) / 10) | 0);
  out[pos++] = 48 + (bits % 10);
  return pos;
}

/** firstAddrValue returns the value of the first (network) address of a prefix. */
export function firstAddrValue(p: Prefix): bigint {
  return p.value;
}

/** lastAddrValue returns the value of the last address of a prefix. */
export function lastAddrValue(p: Prefix): bigint {
  return p.value | hostMask(p.family, p.bits);
}

/** prefixRange returns a prefix's first and last address as AddrValues. */
export function prefixRange(p: Prefix): ValueRange {
  if (p.family === 4) {
    const first = Number(p.value);
    return { first, last: first + POW2[32 - p.bits]! - 1 };
  }
  return { first: p.value, last: lastAddrValue(p) };
}

/**
 * containsAddr reports whether the prefix contains the address. An address of the other
 * family is never contained: ::ffff:10.0.0.1 is not in 10.0.0.0/8.
 */
export function containsAddr(p: Prefix, a: Addr): boolean {
  return p.family === a.family && (a.value & networkMask(p.family, p.bits)) === p.value;
}

/** containsPrefix reports whether p contains every address of q (same family, p.bits <= q.bits). */
export function containsPrefix(p: Prefix, q: Prefix): boolean {
  return p.family === q.family && p.bits <= q.bits && (q.value & networkMask(p.family, p.bits)) === p.value;
}

/** overlaps reports whether two prefixes share an address; for prefixes, one then contains the other. */
export function overlaps(p: Prefix, q: Prefix): boolean {
  return containsPrefix(p, q) || containsPrefix(q, p);
}

/** equalPrefix reports whether two prefixes are identical. */
export function equalPrefix(p: Prefix, q: Prefix): boolean {
  return p.family === q.family && p.bits === q.bits && p.value === q.value;
}

/** comparePrefix orders by family, network address, then prefix length (shorter first). */
export function comparePrefix(p: Prefix, q: Prefix): number {
  if (p.family !== q.family) return p.family - q.family;
  if (p.value !== q.value) return p.value < q.value ? -1 : 1;
  return p.bits - q.bits;
}
