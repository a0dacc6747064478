import {
  formatPrefix,
  parsePrefix,
  rangeCidrCount,
  rangeCidrs,
  sameRanges,
  SET_ID_HOSTS,
  SET_ID_MASQ,
  subtractRanges,
  type Family,
  type NatSetRole,
  type Prefix,
} from '../core/index.js';
import type {
  DesiredIptChain,
  DesiredIptFamily,
  DesiredIpset,
  DesiredNftChain,
  DesiredNftFamily,
  DesiredNftSet,
} from './desired.js';
import { formatKey4, keysOf4, prefixKey4 } from './ipv4-key.js';
import { memberTexts, type SavedSet } from './ipset-save.js';
import type { SavedChain, SavedTable } from './iptables-save.js';
import type { NftChainState, NftSetState, NftTableState } from './nft-json.js';

/**
 * The planner: compares the desired state (desired.ts) with the live state read from the
 * kernel (live-state.ts) and lists the changes apply must make, which are also the drift that
 * `nat status` reports. Rules are matched by their cali: hash, in order, as Felix does
 * (spec/nat.md §4.5): iptables-save prints other forms than the restore input.
 */

/** SetChange: a set to create or whose members (or header) differ. */
export interface SetChange {
  readonly kind: 'set';
  readonly family: Family;
  readonly name: string;
  readonly op: 'create' | 'update' | 'delete';
  /** members to add / remove (CIDR strings) */
  readonly add: readonly string[];
  readonly remove: readonly string[];
  /** header differences, e.g. "maxelem 65536, want 1048576" */
  readonly header?: string;
}

// The member texts of a set to create are made only when read (dry run, status, JSON): apply
// writes the members from the desired set and prints only their number (addedCount), which
// for nftables is counted while nft loads the ruleset.
const ADDED = new WeakMap<SetChange, number | (() => number)>();

/** createSet is the SetChange for a set that does not exist: count() members, whose texts texts() makes when first read. */
function createSet(family: Family, name: string, count: () => number, texts: () => string[]): SetChange {
  let add: string[] | undefined;
  const c: SetChange = {
    kind: 'set',
    family,
    name,
    op: 'create',
    get add(): string[] {
      return (add ??= texts());
    },
    remove: [],
  };
  ADDED.set(c, count);
  return c;
}

/** addedCount returns c.add.length, without making the member texts of a set to create. */
export function addedCount(c: SetChange): number {
  const n = ADDED.get(c);
  if (n === undefined) return c.add.length;
  if (typeof n === 'number') return n;
  const counted = n();
  ADDED.set(c, counted);
  return counted;
}

/** ChainChange: a chain to create or rewrite; add/remove are rule lines missing / not wanted. */
export interface ChainChange {
  readonly kind: 'chain';
  readonly family: Family;
  readonly name: string;
  readonly op: 'create' | 'rewrite' | 'delete';
  readonly add: readonly string[];
  readonly remove: readonly string[];
  /** the same rules in another order, or duplicated */
  readonly reorder: boolean;
  readonly header?: string;
}

/** JumpChange: poolctl's rule in a kernel chain is missing, duplicated or stale. */
export interface JumpChange {
  readonly kind: 'jump';
  readonly family: Family;
  readonly chain: string;
  readonly op: 'append' | 'delete';
  /** the rule line (restore form for append, `-A CHAIN spec` as saved for delete) */
  readonly line: string;
  /** why a delete: a duplicate of the wanted jump or a stale cali: jump */
  readonly reason?: 'duplicate' | 'stale';
}

/** TableChange: the nft table of a family is missing. */
export interface TableChange {
  readonly kind: 'table';
  readonly family: Family;
  readonly name: string;
  readonly op: 'create';
}

/** Change is one difference between the wanted and the live state: a set, a chain, the jump, or a table. */
export type Change = SetChange | ChainChange | JumpChange | TableChange;

// ---------------------------------------------------------------------------------------------
// iptables + ipset

/** IptLiveFamily is the live state of one family: our sets (with members) and the nat table. */
export interface IptLiveFamily {
  readonly family: Family;
  /** sets by name, with members for every set setRole accepts */
  readonly sets: ReadonlyMap<string, SavedSet>;
  readonly nat: SavedTable | null;
}

const POOL_SET_IDS: readonly string[] = ['network-ip-pools', 'all-ipam-pools'];

/**
 * setRole returns the role of one of Felix's NAT main sets by name ("cali40masq-ipam-pools"
 * -> masq, either pool-set name -> pools, "cali40all-hosts-net" -> hosts), or null for any
 * other set. These are the sets poolctl owns in a family.
 */
export function setRole(name: string, family: Family): NatSetRole | null {
  const prefix = `cali${family}0`;
  if (!name.startsWith(prefix)) return null;
  const id = name.slice(prefix.length);
  if (id === SET_ID_MASQ) return 'masq';
  if (id === SET_ID_HOSTS) return 'hosts';
  return POOL_SET_IDS.includes(id) ? 'pools' : null;
}

/** parseMember reads a hash:net member as ipset prints it (no length for /32 and /128), or null. */
export function parseMember(m: string, family: Family): Prefix | null {
  const p = parsePrefix(m.includes('/') ? m : `${m}/${family === 4 ? 32 : 128}`);
  return !p.ok || p.value.prefix.family !== family || p.value.hostBitsSet ? null : p.value.prefix;
}

/** canonicalMember returns ipset's printed hash:net member as a canonical CIDR, or null. */
export function canonicalMember(m: string, family: Family): string | null {
  const p = parseMember(m, family);
  return p && formatPrefix(p);
}

/**
 * diffMembers returns the members to add and remove. IPv4 compares sorted keys in one pass
 * (a 150,000-member set in a few ms, no strings but for the differences); IPv6 compares
 * canonical strings.
 */
function diffMembers(family: Family, want: readonly Prefix[], live: SavedSet): { add: string[]; remove: string[] } {
  const add: string[] = [];
  const remove: string[] = [];
  if (family === 4) {
    const w = keysOf4(want);
    const l = new Float64Array(live.keys.length);
    let n = 0;
    let j = 0;
    for (const key of live.keys) {
      if (!Number.isNaN(key)) {
        l[n++] = key;
        continue;
      }
      // left as text by ipset-save: a prefix after all, or removed (options such as "nomatch", host bits)
      const m = live.other[j++]!;
      const p = parseMember(m, 4);
      if (p === null) remove.push(m);
      else l[n++] = prefixKey4(p);
    }
    const ls = l.subarray(0, n).sort();
    let i = 0;
    j = 0;
    while (i < w.length || j < n) {
      if (j >= n || (i < w.length && w[i]! < ls[j]!)) add.push(formatKey4(w[i++]!));
      else if (i >= w.length || ls[j]! < w[i]!) remove.push(formatKey4(ls[j++]!));
      else {
        const k = w[i++]!;
        while (j < n && ls[j] === k) j++;
      }
    }
    return { add, remove };
  }
  const wanted = new Map(want.map((p) => [formatPrefix(p), false]));
  for (const m of memberTexts(live)) {
    const c = wanted.has(m) ? m : canonicalMember(m, family);
    if (c !== null && wanted.get(c) === false) wanted.set(c, true);
    else remove.push(m);
  }
  for (const [m, seen] of wanted) if (!seen) add.push(m);
  return { add, remove };
}

function diffIpset(family: Family, want: DesiredIpset, live: SavedSet | undefined, conflicts: string[]): SetChange | null {
  if (!live) return createSet(family, want.name, () => want.members.length, () => want.members.map(formatPrefix));
  if (live.type !== want.type || live.family !== want.ipsetFamily) {
    conflicts.push(
      `ipset ${want.name} exists as ${live.type}${live.family ? ` family ${live.family}` : ''}, poolctl needs ${want.type} family ${want.ipsetFamily}: ` +
        `remove the rules that use it and destroy it (ipset destroy ${want.name})`,
    );
    return null;
  }
  const { add, remove } = diffMembers(family, want.members, live);
  const header = live.maxelem !== want.maxelem ? `maxelem ${live.maxelem ?? 'unset'}, want ${want.maxelem}` : undefined;
  if (!add.length && !remove.length && !header) return null;
  return { kind: 'set', family, name: want.name, op: 'update', add, remove, ...(header ? { header } : {}) };
}

/** savedLine is the `-A CHAIN spec` line of a rule as iptables-save lists it (no spec: `-A CHAIN`). */
export function savedLine(chain: string, spec: string): string {
  return spec ? `-A ${chain} ${spec}` : `-A ${chain}`;
}

function diffRules(
  wantLines: readonly string[],
  wantHashes: readonly string[],
  live: readonly { hash: string | null; line: string }[],
): { add: string[]; remove: string[]; reorder: boolean } | null {
  if (live.length === wantHashes.length && live.every((r, i) => r.hash === wantHashes[i])) return null;
  const liveHashes = new Set(live.map((r) => r.hash));
  const wantSet = new Set(wantHashes);
  const add = wantLines.filter((_, i) => !liveHashes.has(wantHashes[i]!));
  const remove = live.filter((r) => r.hash === null || !wantSet.has(r.hash)).map((r) => r.line);
  return { add, remove, reorder: add.length === 0 && remove.length === 0 };
}

function diffIptChain(family: Family, want: DesiredIptChain, live: SavedChain | undefined): ChainChange | null {
  if (!live) return { kind: 'chain', family, name: want.name, op: 'create', add: want.lines, remove: [], reorder: false };
  const d = diffRules(
    want.lines,
    want.hashes,
    live.rules.map((r) => ({ hash: r.hash, line: savedLine(r.chain, r.spec) })),
  );
  return d ? { kind: 'chain', family, name: want.name, op: 'rewrite', ...d } : null;
}

/** OWNED_JUMP_RE matches a rule that jumps to a cali- chain: such a rule with a cali: hash in a kernel chain is poolctl's (or Felix's). */
const OWNED_JUMP_RE = /(?:^|\s)(?:-j|--jump)\s+cali-/;

function diffAppends(family: Family, want: DesiredIptFamily, nat: SavedTable | null): JumpChange[] {
  const out: JumpChange[] = [];
  const kernelChains = new Set(want.appends.map((a) => a.chain));
  for (const chainName of kernelChains) {
    const live = nat?.chains.get(chainName)?.rules ?? [];
    const wanted = want.appends.filter((a) => a.chain === chainName);
    const wantHashes = new Set(wanted.map((a) => a.hash));
    for (const a of wanted) {
      const n = live.filter((r) => r.hash === a.hash).length;
      if (n === 0) out.push({ kind: 'jump', family, chain: chainName, op: 'append', line: a.line });
      for (let i = 1; i < n; i++) out.push({ kind: 'jump', family, chain: chainName, op: 'delete', line: a.line, reason: 'duplicate' });
    }
    for (const r of live) {
      if (r.hash !== null && !wantHashes.has(r.hash) && OWNED_JUMP_RE.test(r.spec)) {
        out.push({ kind: 'jump', family, chain: chainName, op: 'delete', line: savedLine(r.chain, r.spec), reason: 'stale' });
      }
    }
  }
  return out;
}

/** planIptablesFamily lists the changes that bring one family's ipsets and nat chains to the desired state. */
export function planIptablesFamily(want: DesiredIptFamily, live: IptLiveFamily, conflicts: string[]): Change[] {
  const changes: Change[] = [];
  for (const s of want.sets) {
    const c = diffIpset(want.family, s, live.sets.get(s.name), conflicts);
    if (c) changes.push(c);
  }
  // a NAT set of another configuration (the other pool-set name, all-hosts-net no longer
  // used) is left over: destroyed once the rules no longer use it
  const wanted = new Set(want.sets.map((s) => s.name));
  for (const s of live.sets.values()) {
    if (!wanted.has(s.name) && setRole(s.name, want.family) !== null) {
      changes.push({ kind: 'set', family: want.family, name: s.name, op: 'delete', add: [], remove: memberTexts(s) });
    }
  }
  for (const ch of want.chains) {
    const c = diffIptChain(want.family, ch, live.nat?.chains.get(ch.name));
    if (c) changes.push(c);
  }
  changes.push(...diffAppends(want.family, want, live.nat));
  return changes;
}

// ---------------------------------------------------------------------------------------------
// nftables

function diffNftSet(family: Family, want: DesiredNftSet, live: NftSetState | undefined): SetChange | null {
  if (!live) return createSet(family, want.name, () => rangeCidrCount(want.ranges), () => rangeCidrs(want.ranges));
  const headerDiffs: string[] = [];
  if (live.type !== want.type) headerDiffs.push(`type ${live.type}, want ${want.type}`);
  const lf = [...live.flags].sort().join(',');
  const wf = [...want.flags].sort().join(',');
  if (lf !== wf) headerDiffs.push(`flags ${lf || 'none'}, want ${wf || 'none'}`);
  if (sameRanges(live.ranges, want.ranges) && !headerDiffs.length) return null;
  return {
    kind: 'set',
    family,
    name: want.name,
    op: 'update',
    add: rangeCidrs(subtractRanges(want.ranges, live.ranges)),
    remove: rangeCidrs(subtractRanges(live.ranges, want.ranges)),
    ...(headerDiffs.length ? { header: headerDiffs.join('; ') } : {}),
  };
}

function baseText(c: { type?: string; hook?: string; prio?: number; policy?: string } | undefined): string {
  return c?.type ? `type ${c.type} hook ${c.hook} priority ${c.prio} policy ${c.policy}` : 'regular chain';
}

function diffNftChain(family: Family, want: DesiredNftChain, live: NftChainState | undefined): ChainChange | null {
  if (!live) return { kind: 'chain', family, name: want.name, op: 'create', add: want.lines, remove: [], reorder: false };
  const wantBase = baseText(want.base);
  const liveBase = baseText(live);
  const header = wantBase !== liveBase ? `${liveBase}, want ${wantBase}` : undefined;
  const d = diffRules(
    want.lines,
    want.hashes,
    live.rules.map((r) => ({ hash: r.hash, line: r.comment ? `rule with comment "${r.comment}"` : 'rule without a cali: comment' })),
  );
  if (!d && !header) return null;
  return {
    kind: 'chain',
    family,
    name: want.name,
    op: 'rewrite',
    add: d?.add ?? [],
    remove: d?.remove ?? [],
    reorder: d?.reorder ?? false,
    ...(header ? { header } : {}),
  };
}

/**
 * planNftablesFamily lists the differences between one family's desired `table <fam> calico`
 * and the live table (null when absent). Apply replaces the whole table when any exist.
 */
export function planNftablesFamily(want: DesiredNftFamily, live: NftTableState | null): Change[] {
  const f = want.family;
  if (!live) {
    return [
      { kind: 'table', family: f, name: `${want.tableFamily} ${want.tableName}`, op: 'create' },
      ...want.sets.map((s) => diffNftSet(f, s, undefined)!),
      ...want.chains.map((c) => diffNftChain(f, c, undefined)!),
    ];
  }
  const changes: Change[] = [];
  for (const s of want.sets) {
    const c = diffNftSet(f, s, live.sets.get(s.name));
    if (c) changes.push(c);
  }
  const wantSets = new Set(want.sets.map((s) => s.name));
  for (const s of live.sets.values()) {
    if (!wantSets.has(s.name)) {
      changes.push({ kind: 'set', family: f, name: s.name, op: 'delete', add: [], remove: rangeCidrs(s.ranges) });
    }
  }
  for (const c of want.chains) {
    const ch = diffNftChain(f, c, live.chains.get(c.name));
    if (ch) changes.push(ch);
  }
  const wantChains = new Set(want.chains.map((c) => c.name));
  for (const c of live.chains.values()) {
    if (!wantChains.has(c.name)) {
      changes.push({
        kind: 'chain',
        family: f,
        name: c.name,
        op: 'delete',
        add: [],
        remove: c.rules.map((r) => (r.comment ? `rule with comment "${r.comment}"` : 'rule without a cali: comment')),
        reorder: false,
      });
    }
  }
  return changes;
}
