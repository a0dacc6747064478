import { formatIPv4Value, type Prefix } from '../core/index.js';

/**
 * IPv4 prefix keys: an IPv4 prefix as one number, `address * 64 + length` (below 2^38, exact in
 * a double). Keys order prefixes by address, then length, as the model sorts its members, so
 * sets of 150,000 prefixes compare as sorted Float64Arrays in one pass, with no strings and
 * no bigints.
 */

/** prefixKey4 returns the key of an IPv4 prefix. */
export function prefixKey4(p: Prefix): number {
  return Number(p.value) * 64 + p.bits;
}

/** formatKey4 returns the key's prefix as a canonical CIDR ("10.9.0.1/32"), as formatPrefix would. */
export function formatKey4(k: number): string {
  const bits = k % 64;
  return `${formatIPv4Value((k - bits) / 64)}/${bits}`;
}

/** keysOf4 returns the keys of IPv4 prefixes in ascending order (sorted only when they are not already). */
export function keysOf4(prefixes: readonly Prefix[]): Float64Array {
  const keys = new Float64Array(prefixes.length);
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    keys[i] = prefixKey4(prefixes[i]!);
    if (i > 0 && keys[i]! < keys[i - 1]!) sorted = false;
  }
  return sorted ? keys : keys.sort();
}

/**
 * parseKey4 reads s[start, end) as an IPv4 prefix printed canonically, the way ipset prints
 * hash:net members: "10.0.0.0/26", and a /32 as the bare address "10.9.0.1". It returns the
 * key, or -1 for anything else (leading zeros, host bits, "/32" written out, trailing
 * options), which the caller then keeps as text.
 */
export function parseKey4(s: string, start: number, end: number): number {
  let value = 0;
  let i = start;
  for (let octet = 0; ; octet++) {
    // 1 to 3 digits, no leading zero, at most 255
    let c = s.charCodeAt(i) - 48;
    if (i >= end || !(c >= 0 && c <= 9)) return -1;
    let v = c;
    i++;
    if (v !== 0) {
      c = s.charCodeAt(i) - 48;
      if (i < end && c >= 0 && c <= 9) {
        v = v * 10 + c;
        i++;
        c = s.charCodeAt(i) - 48;
        if (i < end && c >= 0 && c <= 9) {
          v = v * 10 + c;
          i++;
          if (v > 255) return -1;
        }
      }
    }
    value = value * 256 + v;
    if (octet === 3) break;
    if (i >= end || s.charCodeAt(i) !== 46 /* . */) return -1;
    i++;
  }
  if (i === end) return value * 64 + 32;
  if (s.charCodeAt(i) !== 47 /* / */ || i + 1 >= end) return -1;
  i++;
  // 1 or 2 digits, no leading zero, below 32
  let bits = s.charCodeAt(i) - 48;
  if (!(bits >= 0 && bits <= 9)) return -1;
  i++;
  if (i < end) {
    const c = s.charCodeAt(i) - 48;
    if (bits === 0 || !(c >= 0 && c <= 9) || i + 1 !== end) return -1;
    bits = bits * 10 + c;
    i++;
  }
  if (bits > 31 || (value & (0xffffffff >>> bits)) !== 0) return -1;
  return value * 64 + bits;
}

/** printKey4 returns the key's prefix as ipset prints a hash:net member: a /32 without its length. */
export function printKey4(k: number): string {
  const bits = k % 64;
  const addr = formatIPv4Value((k - bits) / 64);
  return bits === 32 ? addr : `${addr}/${bits}`;
}
