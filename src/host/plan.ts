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
import { iptablesBodyKey, parseNftRule, ruleBodyKey } from './live-rule.js';
import type { NftChainState, NftRuleState, NftSetState, NftTableState } from './nft-json.js';
import { nftChainName, nftRuleText } from '../render/nftables.js';

/**
 * The planner: compares the desired state (desired.ts) with the live state read from the
 * kernel (live-state.ts) and lists the changes apply must make, which are also the drift that
 * `nat status` reports. Rules are matched by their cali: hash, in order, as Felix does
 * (spec/nat.md §4.5), and then by their body in a normal form (live-rule.ts ruleBodyKey):
 * iptables-save prints other forms than the restore input, and a rule edited by hand may
 * keep its comment. The POSTROUTING jump must be the chain's last rule, where Felix appends
 * it (felix/iptables/table.go expectedHashesForInsertAppendChain: other rules first, then
 * the appended ones).
 */

/**
 * SetChange: a set to create, whose members (or header) differ, to replace (it exists with
 * another type or family, which no swap can change), or to delete.
 */
export interface SetChange {
  readonly kind: 'set';
  readonly family: Family;
  readonly name: string;
  readonly op: 'create' | 'update' | 'replace' | 'delete';
  /** members to add / remove (CIDR strings) */
  readonly add: readonly string[];
  readonly remove: readonly string[];
  /** header differences, e.g. "maxelem 65536, want 1048576" */
  readonly header?: string;
  /** why a delete: a NAT set of another configuration, or a temporary set an interrupted apply left */
  readonly reason?: 'other-configuration' | 'temporary';
}

// The member texts of a set to create are made only when read (dry run, status, JSON): apply
// writes the members from the desired set and prints only their number (addedCount), which
// for nftables is counted while nft loads the ruleset.
const ADDED = new WeakMap<SetChange, number | (() => number)>();

/**
 * createSet is the SetChange for a set that does not exist (or is replaced: op, header and
 * the members removed given): count() members, whose texts texts() makes when first read.
 */
function createSet(
  family: Family,
  name: string,
  count: () => number,
  texts: () => string[],
  replace?: { readonly header: string; readonly remove: readonly string[] },
): SetChange {
  let add: string[] | undefined;
  const c: SetChange = {
    kind: 'set',
    family,
    name,
    op: replace ? 'replace' : 'create',
    get add(): string[] {
      return (add ??= texts());
    },
    remove: replace?.remove ?? [],
    ...(replace ? { header: replace.header } : {}),
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
  /** altered: a rule carries a wanted cali: hash but another body (edited by hand) */
  readonly altered?: true;
  readonly header?: string;
}

/**
 * JumpChange: poolctl's rule in a kernel chain is missing (append), duplicated, stale or
 * altered (delete), or not where Felix puts it, the chain's end (move).
 */
export interface JumpChange {
  readonly kind: 'jump';
  readonly family: Family;
  readonly chain: string;
  readonly op: 'append' | 'delete' | 'move';
  /** the rule line (restore form for append and move, `-A CHAIN spec` as saved for delete) */
  readonly line: string;
  /** why a delete: a duplicate of the wanted jump, a stale cali: jump, or the wanted hash on another body */
  readonly reason?: 'duplicate' | 'stale' | 'altered';
  /** move: the rule as saved, and where it is (1-based) in a chain of `of` rules */
  readonly saved?: string;
  readonly position?: number;
  readonly of?: number;
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
  /**
   * references: for a set of ours that exists with another type or family, how many rules
   * use it (`ipset list -t`: "References: N"); without an entry such a set is a conflict.
   */
  readonly references?: ReadonlyMap<string, number>;
}

/** isTempSet reports whether name is a temporary set of an apply (Felix's or poolctl's) of the family: cali4t<n>, cali6t<n> (spec/nat.md §3.1). */
export function isTempSet(name: string, family: Family): boolean {
  return new RegExp(`^cali${family}t\\d+$`).test(name);
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

/** usesOf counts the set matches naming set in the rules of the given chains. */
function usesOf(set: string, nat: SavedTable | null, chains: readonly string[]): number {
  let n = 0;
  const needle = `--match-set ${set} `;
  for (const name of chains) {
    for (const r of nat?.chains.get(name)?.rules ?? []) {
      for (let i = r.spec.indexOf(needle); i >= 0; i = r.spec.indexOf(needle, i + 1)) n++;
    }
  }
  return n;
}

function diffIpset(want: DesiredIpset, live: IptLiveFamily, ownChains: readonly string[], conflicts: string[]): SetChange | null {
  const family = live.family;
  const cur = live.sets.get(want.name);
  const members = (): string[] => want.members.map(formatPrefix);
  if (!cur) return createSet(family, want.name, () => want.members.length, members);
  if (cur.type !== want.type || cur.family !== want.ipsetFamily) {
    // no swap changes a set's type: it is destroyed and created again, which the kernel allows
    // only once no rule uses it; apply moves poolctl's own rules off it first (apply-iptables.ts)
    const was = `${cur.type}${cur.family ? ` family ${cur.family}` : ''}`;
    const refs = live.references?.get(want.name);
    const ours = usesOf(want.name, live.nat, ownChains);
    if (refs === undefined || refs > ours) {
      const others =
        refs === undefined ? 'rules poolctl cannot count may use it' : refs - ours === 1 ? '1 rule poolctl does not own uses it' : `${refs - ours} rules poolctl does not own use it`;
      conflicts.push(
        `ipset ${want.name} exists as ${was}, poolctl needs ${want.type} family ${want.ipsetFamily}, and ${others}: ` +
          `remove ${refs !== undefined && refs - ours === 1 ? 'that rule' : 'those rules'} (iptables-save | grep -e '--match-set ${want.name} ' lists them, ` +
          `in every table and both iptables flavours), then 'poolctl nat apply' replaces the set`,
      );
      return null;
    }
    return createSet(family, want.name, () => want.members.length, members, {
      header: `type ${was}, want ${want.type} family ${want.ipsetFamily}`,
      remove: memberTexts(cur),
    });
  }
  const { add, remove } = diffMembers(family, want.members, cur);
  const header = cur.maxelem !== want.maxelem ? `maxelem ${cur.maxelem ?? 'unset'}, want ${want.maxelem}` : undefined;
  if (!add.length && !remove.length && !header) return null;
  return { kind: 'set', family, name: want.name, op: 'update', add, remove, ...(header ? { header } : {}) };
}

/** savedLine is the `-A CHAIN spec` line of a rule as iptables-save lists it (no spec: `-A CHAIN`). */
export function savedLine(chain: string, spec: string): string {
  return spec ? `-A ${chain} ${spec}` : `-A ${chain}`;
}

/** RuleItem is a rule to compare: its cali: hash, its body (ruleBodyKey; null when unreadable) and the line that names it. */
interface RuleItem {
  readonly hash: string | null;
  readonly body: string | null;
  readonly line: string;
}

/**
 * diffRules compares a chain's rules: a live rule is the wanted one when it carries the
 * wanted hash and body. Null when every rule is wanted and in order.
 */
function diffRules(want: readonly RuleItem[], live: readonly RuleItem[]): { add: string[]; remove: string[]; reorder: boolean; altered: boolean } | null {
  if (live.length === want.length && live.every((r, i) => r.hash === want[i]!.hash && r.body === want[i]!.body)) return null;
  const byHash = new Map(want.map((w) => [w.hash, w]));
  const present = new Set<string | null>();
  const remove: string[] = [];
  let altered = false;
  for (const r of live) {
    const w = r.hash === null ? undefined : byHash.get(r.hash);
    if (w && r.body === w.body) {
      present.add(r.hash);
    } else {
      remove.push(r.line);
      if (w) altered = true;
    }
  }
  const add = want.filter((w) => !present.has(w.hash)).map((w) => w.line);
  return { add, remove, reorder: add.length === 0 && remove.length === 0, altered };
}

/** restoreBody is the body key of a restore line `-A CHAIN spec` this program rendered. */
function restoreBody(line: string): string {
  const spec = line.replace(/^-A \S+ ?/, '');
  const key = iptablesBodyKey(spec);
  if (key === null) throw new Error(`plan: cannot read back the rendered rule "${line}"`);
  return key;
}

function chainChange(
  family: Family,
  name: string,
  d: { add: string[]; remove: string[]; reorder: boolean; altered: boolean } | null,
  header?: string,
): ChainChange | null {
  if (!d && !header) return null;
  return {
    kind: 'chain',
    family,
    name,
    op: 'rewrite',
    add: d?.add ?? [],
    remove: d?.remove ?? [],
    reorder: d?.reorder ?? false,
    ...(d?.altered ? { altered: true as const } : {}),
    ...(header ? { header } : {}),
  };
}

function diffIptChain(family: Family, want: DesiredIptChain, live: SavedChain | undefined): ChainChange | null {
  if (!live) return { kind: 'chain', family, name: want.name, op: 'create', add: want.lines, remove: [], reorder: false };
  const wanted = want.lines.map((line, i) => ({ hash: want.hashes[i]!, body: restoreBody(line), line }));
  const d = diffRules(
    wanted,
    live.rules.map((r) => ({ hash: r.hash, body: iptablesBodyKey(r.spec), line: savedLine(r.chain, r.spec) })),
  );
  return chainChange(family, want.name, d);
}

/** OWNED_JUMP_RE matches a rule that jumps to a cali- chain: such a rule with a cali: hash in a kernel chain is poolctl's (or Felix's). */
const OWNED_JUMP_RE = /(?:^|\s)(?:-j|--jump)\s+cali-/;

/**
 * diffAppends plans the rules poolctl appends to kernel chains (POSTROUTING): stale cali:
 * jumps and rules with a wanted hash but another body are deleted, duplicates too (the last
 * copy stays: `-D` removes the first match); then what is left must end the chain, in order,
 * as Felix keeps its appended rules after every other rule: otherwise each is moved (deleted
 * and appended again). Missing ones are appended.
 */
function diffAppends(family: Family, want: DesiredIptFamily, nat: SavedTable | null): JumpChange[] {
  const out: JumpChange[] = [];
  const kernelChains = new Set(want.appends.map((a) => a.chain));
  for (const chainName of kernelChains) {
    const live = nat?.chains.get(chainName)?.rules ?? [];
    const wanted = want.appends.filter((a) => a.chain === chainName);
    const byHash = new Map(wanted.map((a) => [a.hash, { a, body: restoreBody(a.line) }]));
    const deleted = new Set<number>();
    const copies = new Map<string, number[]>();
    live.forEach((r, i) => {
      if (r.hash === null) return;
      const w = byHash.get(r.hash);
      const line = savedLine(r.chain, r.spec);
      if (!w) {
        if (OWNED_JUMP_RE.test(r.spec)) {
          out.push({ kind: 'jump', family, chain: chainName, op: 'delete', line, reason: 'stale' });
          deleted.add(i);
        }
      } else if (iptablesBodyKey(r.spec) !== w.body) {
        out.push({ kind: 'jump', family, chain: chainName, op: 'delete', line, reason: 'altered' });
        deleted.add(i);
      } else {
        copies.set(r.hash, [...(copies.get(r.hash) ?? []), i]);
      }
    });
    const kept = new Map<string, number>();
    for (const a of wanted) {
      const idx = copies.get(a.hash) ?? [];
      for (let k = 0; k < idx.length - 1; k++) {
        out.push({ kind: 'jump', family, chain: chainName, op: 'delete', line: a.line, reason: 'duplicate' });
        deleted.add(idx[k]!);
      }
      if (idx.length) kept.set(a.hash, idx[idx.length - 1]!);
    }
    const remaining = live.map((_, i) => i).filter((i) => !deleted.has(i));
    const present = wanted.filter((a) => kept.has(a.hash));
    const tail = remaining.slice(remaining.length - present.length);
    const inPlace = tail.every((i, k) => i === kept.get(present[k]!.hash));
    for (const a of wanted) {
      const at = kept.get(a.hash);
      if (at === undefined) out.push({ kind: 'jump', family, chain: chainName, op: 'append', line: a.line });
      else if (!inPlace) {
        const r = live[at]!;
        out.push({ kind: 'jump', family, chain: chainName, op: 'move', line: a.line, saved: savedLine(r.chain, r.spec), position: at + 1, of: live.length });
      }
    }
  }
  return out;
}

/** planIptablesFamily lists the changes that bring one family's ipsets and nat chains to the desired state. */
export function planIptablesFamily(want: DesiredIptFamily, live: IptLiveFamily, conflicts: string[]): Change[] {
  const changes: Change[] = [];
  const ownChains = want.chains.map((c) => c.name);
  for (const s of want.sets) {
    const c = diffIpset(s, live, ownChains, conflicts);
    if (c) changes.push(c);
  }
  // a NAT set of another configuration (the other pool-set name, all-hosts-net no longer
  // used) is left over: destroyed once the rules no longer use it; so is a temporary set an
  // apply left when it was killed (no apply runs now: the caller holds the host lock)
  const wanted = new Set(want.sets.map((s) => s.name));
  for (const s of live.sets.values()) {
    if (!wanted.has(s.name) && setRole(s.name, want.family) !== null) {
      changes.push({ kind: 'set', family: want.family, name: s.name, op: 'delete', add: [], remove: memberTexts(s), reason: 'other-configuration' });
    } else if (isTempSet(s.name, want.family)) {
      changes.push({ kind: 'set', family: want.family, name: s.name, op: 'delete', add: [], remove: memberTexts(s), reason: 'temporary' });
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

/** nftRuleLine names a live nft rule in a diff: its text when poolctl can read it, else its comment and expressions. */
function nftRuleLine(r: NftRuleState, family: Family): string {
  const p = parseNftRule(r.expr, nftChainName(''));
  const comment = r.comment ? ` comment "${r.comment}"` : '';
  if (p.ok) return `${nftRuleText(p.value, family)}${comment}`;
  const expr = JSON.stringify(r.expr);
  return `rule${comment || ' without a cali: comment'} that poolctl does not write: ${expr.length > 200 ? `${expr.slice(0, 200)}...` : expr}`;
}

/** nftBody is ruleBodyKey of a live nft rule, or null when poolctl cannot read it. */
function nftBody(r: NftRuleState): string | null {
  const p = parseNftRule(r.expr, nftChainName(''));
  return p.ok ? ruleBodyKey(p.value) : null;
}

function diffNftChain(family: Family, want: DesiredNftChain, live: NftChainState | undefined): ChainChange | null {
  if (!live) return { kind: 'chain', family, name: want.name, op: 'create', add: want.lines, remove: [], reorder: false };
  const wantBase = baseText(want.base);
  const liveBase = baseText(live);
  const header = wantBase !== liveBase ? `${liveBase}, want ${wantBase}` : undefined;
  const d = diffRules(
    want.lines.map((line, i) => ({ hash: want.hashes[i]!, body: ruleBodyKey(want.rules[i]!), line })),
    live.rules.map((r) => ({ hash: r.hash, body: nftBody(r), line: nftRuleLine(r, family) })),
  );
  return chainChange(family, want.name, d, header);
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
        remove: c.rules.map((r) => nftRuleLine(r, f)),
        reorder: false,
      });
    }
  }
  return changes;
}
