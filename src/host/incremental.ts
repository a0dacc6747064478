import { comparePrefix, formatPrefix, rangeCidrs, type Family, type NatModel, type Prefix } from '../core/index.js';
import type { Backend, DesiredIptFamily, DesiredNftFamily } from './desired.js';
import { desiredIptables, desiredNftables } from './desired-from-model.js';
import type { ChainChange, SetChange } from './plan.js';

/**
 * The incremental path of `nat agent`: once a full plan (plan.ts, against the live kernel)
 * has been applied, the kernel holds the desired state of that model. A later model is
 * written as the difference between the two desired states, both made by the same code as
 * `nat apply` (desired-from-model.ts, from the renderers): set members added and removed,
 * and a chain replaced only when its rules (cali: hashes) changed. Anything else (a set or
 * table of another name, a kernel-chain jump that differs) cannot be written this way, and
 * planIncremental returns null: the caller then plans against the live kernel.
 */

/** Programmed is the desired state of one backend for a model: what the kernel holds after it was written. */
export type Programmed =
  | { readonly backend: 'iptables'; readonly families: readonly DesiredIptFamily[] }
  | { readonly backend: 'nftables'; readonly families: readonly DesiredNftFamily[] };

/** programmedOf returns the desired state of the model for the backend (as nat apply makes it). */
export function programmedOf(backend: Backend, model: NatModel): Programmed {
  return backend === 'iptables' ? { backend, families: desiredIptables(model) } : { backend, families: desiredNftables(model) };
}

/** SetMembers is the number of members (ipset) or elements (nft) of one set: the agent's gauge. */
export interface SetMembers {
  readonly family: Family;
  readonly set: string;
  readonly members: number;
}

/** setMembers counts the members of every set of a programmed state (nft: its interval elements). */
export function setMembers(p: Programmed): SetMembers[] {
  if (p.backend === 'iptables') return p.families.flatMap((f) => f.sets.map((s) => ({ family: f.family, set: s.name, members: s.members.length })));
  return p.families.flatMap((f) => f.sets.map((s) => ({ family: f.family, set: s.name, members: elementsOf(s).length })));
}

/** IncrementalPlan is what turns one programmed state into the next: set member changes and chains to replace. */
export interface IncrementalPlan {
  readonly backend: Backend;
  /** sets: op 'update', with the members (ipset) or elements (nft) to add and remove, as text */
  readonly sets: readonly SetChange[];
  /** chains: op 'rewrite' (add / remove are the rule lines that appear and go) */
  readonly chains: readonly ChainChange[];
  /** next is the state the kernel holds once the plan is written */
  readonly next: Programmed;
}

/** sortedDiff returns what is in `next` and not in `prev` (add) and the reverse (remove), for two sorted lists. */
function sortedDiff<T>(prev: readonly T[], next: readonly T[], compare: (a: T, b: T) => number): { add: T[]; remove: T[] } {
  const add: T[] = [];
  const remove: T[] = [];
  let i = 0;
  let j = 0;
  while (i < prev.length || j < next.length) {
    const c = i >= prev.length ? 1 : j >= next.length ? -1 : compare(prev[i]!, next[j]!);
    if (c < 0) remove.push(prev[i++]!);
    else if (c > 0) add.push(next[j++]!);
    else {
      i++;
      j++;
    }
  }
  return { add, remove };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// the sorted element texts of an nft set, made once per desired set (the previous state's are
// needed again for the next change)
const ELEMENTS = new WeakMap<DesiredNftFamily['sets'][number], string[]>();

/** elementsOf returns an nft set's elements (the minimal prefixes of its merged ranges) sorted as text. */
function elementsOf(s: DesiredNftFamily['sets'][number]): string[] {
  let e = ELEMENTS.get(s);
  if (!e) {
    e = rangeCidrs(s.ranges).sort(compareText);
    ELEMENTS.set(s, e);
  }
  return e;
}

/** sameList reports whether two lists hold the same items in the same order. */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** chainChanges compares chains by name: a chain whose cali: hashes differ is replaced whole. */
function chainChanges(
  family: Family,
  prev: readonly { name: string; lines: readonly string[]; hashes: readonly string[] }[],
  next: readonly { name: string; lines: readonly string[]; hashes: readonly string[] }[],
): ChainChange[] | null {
  if (!sameList(prev.map((c) => c.name), next.map((c) => c.name))) return null;
  const out: ChainChange[] = [];
  next.forEach((c, i) => {
    const old = prev[i]!;
    if (sameList(old.hashes, c.hashes) && sameList(old.lines, c.lines)) return;
    const before = new Set(old.lines);
    const after = new Set(c.lines);
    out.push({
      kind: 'chain',
      family,
      name: c.name,
      op: 'rewrite',
      add: c.lines.filter((l) => !before.has(l)),
      remove: old.lines.filter((l) => !after.has(l)),
      reorder: false,
    });
  });
  return out;
}

function planIptables(prev: readonly DesiredIptFamily[], next: readonly DesiredIptFamily[]): Omit<IncrementalPlan, 'backend' | 'next'> | null {
  const sets: SetChange[] = [];
  const chains: ChainChange[] = [];
  for (let k = 0; k < next.length; k++) {
    const p = prev[k];
    const n = next[k]!;
    if (!p || p.family !== n.family || !sameList(p.sets.map((s) => s.name), n.sets.map((s) => s.name))) return null;
    if (!sameList(p.appends.map((a) => a.hash), n.appends.map((a) => a.hash))) return null;
    n.sets.forEach((s, i) => {
      const d = sortedDiff<Prefix>(p.sets[i]!.members, s.members, comparePrefix);
      if (d.add.length || d.remove.length) {
        sets.push({ kind: 'set', family: n.family, name: s.name, op: 'update', add: d.add.map(formatPrefix), remove: d.remove.map(formatPrefix) });
      }
    });
    const c = chainChanges(n.family, p.chains, n.chains);
    if (!c) return null;
    chains.push(...c);
  }
  return prev.length === next.length ? { sets, chains } : null;
}

function planNftables(prev: readonly DesiredNftFamily[], next: readonly DesiredNftFamily[]): Omit<IncrementalPlan, 'backend' | 'next'> | null {
  const sets: SetChange[] = [];
  const chains: ChainChange[] = [];
  for (let k = 0; k < next.length; k++) {
    const p = prev[k];
    const n = next[k]!;
    if (!p || p.family !== n.family || p.tableFamily !== n.tableFamily || p.tableName !== n.tableName) return null;
    if (!sameList(p.sets.map((s) => `${s.name} ${s.type} ${s.flags.join(',')}`), n.sets.map((s) => `${s.name} ${s.type} ${s.flags.join(',')}`))) return null;
    n.sets.forEach((s, i) => {
      // element for element: the kernel holds exactly the elements the previous write made
      // (the minimal prefixes of the merged ranges), and deletes must name them
      const d = sortedDiff(elementsOf(p.sets[i]!), elementsOf(s), compareText);
      if (d.add.length || d.remove.length) sets.push({ kind: 'set', family: n.family, name: s.name, op: 'update', add: d.add, remove: d.remove });
    });
    const base = (cs: DesiredNftFamily['chains']): string[] => cs.map((c) => (c.base ? `${c.name} ${c.base.type} ${c.base.hook} ${c.base.prio} ${c.base.policy}` : c.name));
    if (!sameList(base(p.chains), base(n.chains))) return null;
    const c = chainChanges(n.family, p.chains, n.chains);
    if (!c) return null;
    chains.push(...c);
  }
  return prev.length === next.length ? { sets, chains } : null;
}

/**
 * planIncremental returns the changes that turn the kernel from `prev` (what it holds) into
 * `next`, or null when they are not only set members and chain rules (then plan against the
 * live kernel). An empty plan (no sets, no chains) means nothing to write.
 */
export function planIncremental(prev: Programmed, next: Programmed): IncrementalPlan | null {
  if (prev.backend !== next.backend) return null;
  const d = next.backend === 'iptables' ? planIptables(prev.families as DesiredIptFamily[], next.families) : planNftables(prev.families as DesiredNftFamily[], next.families);
  return d ? { backend: next.backend, ...d, next } : null;
}
