import {
  bitsOf,
  formatAddr,
  parseAddr,
  type Addr,
  type AddrError,
  type Family,
} from './addr.js';
import { err, ok, type Result } from './result.js';

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

/** hostMask returns the mask of the host bits of a prefix length in a family. */
export function hostMask(family: Family, bits: number): bigint {
  return (family === 4 ? HOST_MASKS_4 : HOST_MASKS_6)[bits] ?? (1n << BigInt(bitsOf(family) - bits)) - 1n;
}

/** networkMask returns the mask of the network bits of a prefix length in a family. */
export function networkMask(family: Family, bits: number): bigint {
  return (family === 4 ? NET_MASKS_4 : NET_MASKS_6)[bits] ?? ((1n << BigInt(bitsOf(family))) - 1n) ^ hostMask(family, bits);
}

/**
 * parsePrefix parses "addr/len" as Go's net.ParseCIDR does (which Calico uses): the address
 * parses strictly (see parseAddr), a "/len" is required, len is decimal within the family's
 * width (leading zeros in len are accepted, as Go's dtoi accepts them). Host bits are
 * reported in hostBitsSet and cleared in prefix.
 */
export function parsePrefix(s: string): Result<ParsedPrefix, AddrError> {
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

/** prefixOf returns the prefix of the given length that contains an address. */
export function prefixOf(a: Addr, bits: number): Prefix {
  return { family: a.family, value: a.value & networkMask(a.family, bits), bits };
}

/** formatPrefix returns the canonical "network/len" text of a prefix. */
export function formatPrefix(p: Prefix): string {
  return `${formatAddr({ family: p.family, value: p.value })}/${p.bits}`;
}

/** firstAddrValue returns the value of the first (network) address of a prefix. */
export function firstAddrValue(p: Prefix): bigint {
  return p.value;
}

/** lastAddrValue returns the value of the last address of a prefix. */
export function lastAddrValue(p: Prefix): bigint {
  return p.value | hostMask(p.family, p.bits);
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
