import { err, ok, parseIPv4Value, parseIPv6Value, RangeBuilder, type Family, type RangeList, type Result } from '../core/index.js';

/** NftSetState is a set of the live table: type, flags and its address elements as a RangeList (empty for other types). */
export interface NftSetState {
  readonly name: string;
  readonly type: string;
  readonly flags: readonly string[];
  readonly ranges: RangeList;
}

/** NftRuleState is one rule: its comment, the cali: hash in it, and nft's JSON expressions. */
export interface NftRuleState {
  readonly chain: string;
  readonly comment: string | null;
  readonly hash: string | null;
  readonly expr: readonly unknown[];
}

/** NftChainState is a chain; base chains carry type, hook, priority and policy. */
export interface NftChainState {
  readonly name: string;
  readonly type?: string;
  readonly hook?: string;
  readonly prio?: number;
  readonly policy?: string;
  readonly rules: NftRuleState[];
}

/** NftTableState is one table as `nft -j list table FAMILY NAME` prints it. */
export interface NftTableState {
  readonly family: string;
  readonly name: string;
  readonly sets: Map<string, NftSetState>;
  readonly chains: Map<string, NftChainState>;
}

/** NftChainEntry is a chain as `nft -j list chains` lists it: names only, no rules, no set elements. */
export interface NftChainEntry {
  readonly family?: string;
  readonly table?: string;
  readonly name?: string;
}

/** NftParseError says what in the JSON was not understood. */
export interface NftParseError {
  readonly message: string;
}

const HASH_RE = /^cali:([A-Za-z0-9_-]+)/;

/** addrBound reads an address of the family: a number for IPv4, a bigint for IPv6, or null. */
function addrBound(s: unknown, family: Family): number | bigint | null {
  if (typeof s !== 'string') return null;
  if (family === 4) {
    const v = parseIPv4Value(s);
    return v < 0 ? null : v;
  }
  return s.includes('%') ? null : parseIPv6Value(s);
}

/** addElement adds one JSON element (address, prefix, range, or an elem wrapper) to b; false if not understood. */
function addElement(b: RangeBuilder, e: unknown): boolean {
  const family = b.family;
  if (typeof e === 'string') {
    const v = addrBound(e, family);
    if (v === null) return false;
    b.add(v, v);
    return true;
  }
  if (typeof e !== 'object' || e === null) return false;
  const o = e as Record<string, any>;
  if (o.elem) return addElement(b, o.elem.val);
  if (o.prefix) {
    const v = addrBound(o.prefix.addr, family);
    const len = o.prefix.len;
    const width = family === 4 ? 32 : 128;
    if (v === null || typeof len !== 'number' || !Number.isInteger(len) || len < 0 || len > width) return false;
    if (typeof v === 'number') b.add(v, v + 2 ** (32 - len) - 1);
    else b.add(v, v | ((1n << BigInt(128 - len)) - 1n));
    return true;
  }
  if (Array.isArray(o.range) && o.range.length === 2) {
    const first = addrBound(o.range[0], family);
    const last = addrBound(o.range[1], family);
    if (first === null || last === null || first > last) return false;
    b.add(first, last);
    return true;
  }
  return false;
}

/**
 * parseNftTable parses `nft -j list table ip|ip6 NAME` output: the table's sets (address
 * elements as ranges: nft prints single addresses, prefixes and ranges) and chains with their
 * rules in handle order as listed. Sets of non-address types keep no elements.
 */
export function parseNftTable(json: string): Result<NftTableState, NftParseError> {
  let doc: any;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    return err({ message: `nft printed invalid JSON: ${(e as Error).message}` });
  }
  const items: unknown[] | undefined = doc?.nftables;
  if (!Array.isArray(items)) return err({ message: 'nft JSON has no "nftables" array' });
  let table: NftTableState | null = null;
  for (const item of items as Record<string, any>[]) {
    if (item.table) {
      table = { family: item.table.family, name: item.table.name, sets: new Map(), chains: new Map() };
      continue;
    }
    if (item.metainfo) continue;
    if (!table) return err({ message: 'nft JSON lists objects before their table' });
    const family: Family = table.family === 'ip6' ? 6 : 4;
    if (item.set) {
      const s = item.set;
      const b = new RangeBuilder(family);
      const addrType = s.type === 'ipv4_addr' || s.type === 'ipv6_addr';
      for (const e of addrType && Array.isArray(s.elem) ? s.elem : []) {
        if (!addElement(b, e)) return err({ message: `set ${s.name}: element ${JSON.stringify(e)} not understood` });
      }
      table.sets.set(s.name, { name: s.name, type: String(s.type), flags: Array.isArray(s.flags) ? s.flags : [], ranges: b.build() });
    } else if (item.chain) {
      const c = item.chain;
      table.chains.set(c.name, {
        name: c.name,
        ...(c.type !== undefined ? { type: c.type, hook: c.hook, prio: c.prio, policy: c.policy } : {}),
        rules: [],
      });
    } else if (item.rule) {
      const r = item.rule;
      const chain = table.chains.get(r.chain);
      if (!chain) return err({ message: `rule for unlisted chain ${r.chain}` });
      const comment: string | null = typeof r.comment === 'string' ? r.comment : null;
      chain.rules.push({ chain: r.chain, comment, hash: comment ? (HASH_RE.exec(comment)?.[1] ?? null) : null, expr: r.expr ?? [] });
    }
  }
  if (!table) return err({ message: 'nft JSON has no table' });
  return ok(table);
}
