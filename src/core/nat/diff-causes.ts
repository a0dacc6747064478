import type { NatDiffRegion, NatDiffSide, NatVerdict } from './diff.js';
import type { ModelPool, NatSettings } from './model.js';

/**
 * DiffCause is one reason a region's verdict changed: a pool added, removed or changed, or a
 * Felix setting changed. `pool` names the pool (in the state that has it) so reports can point
 * at its definition; `setting` the NatSettings field.
 */
export interface DiffCause {
  readonly text: string;
  /** pool: the pool, the state that has it, and the JSON pointer of what changed in it ('' for the whole pool). */
  readonly pool?: { readonly name: string; readonly state: 'before' | 'after'; readonly path: string };
  readonly setting?: keyof NatSettings;
}

/** PoolsByName are one state's pools of a family, by name. */
export type PoolsByName = ReadonlyMap<string, ModelPool>;

/**
 * poolsByName indexes a family's model pools by name (of two with one name, the later), or
 * only those named in `only`: regionCauses looks up just the names of changed pools
 * (changedPoolNames), so a diff of 10,000 pools indexes the few it reports.
 */
export function poolsByName(pools: readonly ModelPool[], only?: ReadonlySet<string>): PoolsByName {
  if (!only) return new Map(pools.map((p) => [p.name, p]));
  const out = new Map<string, ModelPool>();
  if (only.size === 0) return out;
  for (let i = 0; i < pools.length; i++) {
    const p = pools[i]!;
    if (only.has(p.name)) out.set(p.name, p);
  }
  return out;
}

/** changedPoolNames are the names of the changed pools on the regions' sides: every name regionCauses looks up. */
export function changedPoolNames(regions: readonly NatDiffRegion[]): Set<string> {
  const out = new Set<string>();
  for (const r of regions) {
    for (const side of [r.src, r.dst]) {
      for (const c of side.changed) {
        if (c.before) out.add(c.before.name);
        if (c.after) out.add(c.after.name);
      }
    }
  }
  return out;
}

/** traits lists what matters about a pool for NAT: ", natOutgoing, disabled, LoadBalancer-only" (empty for a plain pool). */
function traits(p: ModelPool): string {
  const t = [...(p.natOutgoing ? ['natOutgoing'] : []), ...(p.disabled ? ['disabled'] : []), ...(p.inPoolSet ? [] : ['LoadBalancer-only'])];
  return t.map((x) => `, ${x}`).join('');
}

/** poolChange says how one pool differs between the states, or null when it does not (for NAT). */
function poolChange(name: string, before: PoolsByName, after: PoolsByName): DiffCause | null {
  const a = before.get(name);
  const b = after.get(name);
  if (!a && b) return { text: `new pool ${name}${traits(b)}`, pool: { name, state: 'after', path: '' } };
  if (a && !b) return { text: `pool ${name} removed`, pool: { name, state: 'before', path: '' } };
  if (!a || !b) return null;
  const parts: string[] = [];
  let path = '';
  const part = (text: string, at: string): void => {
    parts.push(text);
    path ||= at;
  };
  if (a.cidr !== b.cidr) part(`CIDR ${a.cidr} → ${b.cidr}`, '/spec/cidr');
  if (a.natOutgoing !== b.natOutgoing) part(`natOutgoing ${a.natOutgoing} → ${b.natOutgoing}`, '/spec/natOutgoing');
  if (a.inPoolSet !== b.inPoolSet) part(b.inPoolSet ? 'back in the pool set (no longer LoadBalancer-only)' : 'LoadBalancer-only now, so out of the pool set', '/spec/allowedUses');
  return parts.length === 0 ? null : { text: `${name}: ${parts.join(', ')}`, pool: { name, state: 'after', path } };
}

function settingText<K extends keyof NatSettings>(key: K, a: NatSettings, b: NatSettings, show: (v: NatSettings[K]) => string): DiffCause | null {
  const x = show(a[key]);
  const y = show(b[key]);
  return x === y ? null : { text: `${key} ${x} → ${y}`, setting: key };
}

/** showValue writes a setting's value for a cause: unset, MIN:MAX, a list, or the value. */
function showValue(v: unknown): string {
  if (v === undefined) return 'unset';
  if (Array.isArray(v)) return v.length ? v.join(',') : 'none';
  if (typeof v === 'object' && v !== null) {
    const r = v as { min?: number; max?: number };
    return `${r.min}:${r.max}`;
  }
  return String(v);
}

/** touches reports whether a verdict pair involves host exclusion (a DST_IS_HOST on either side). */
function touchesHosts(x: NatVerdict, y: NatVerdict): boolean {
  return x.reason === 'DST_IS_HOST' || y.reason === 'DST_IS_HOST';
}

/** SideCauses are a side's changed pools' names, each once in order (before, then after, per change), and each name's cause (null: none). */
interface SideCauses {
  readonly names: ReadonlySet<string>;
  readonly causes: readonly (DiffCause | null)[];
}

/**
 * PoolCauses remembers, for one diff, each pool's cause by name and each side's causes, so
 * the regions that share a changed pool or a side (a big diff's 234 regions name its ~100
 * changed pools ~3,000 times) make them once: the same objects for every region.
 */
export class PoolCauses {
  readonly #byName = new Map<string, DiffCause | null>();
  readonly #bySide = new WeakMap<NatDiffSide, SideCauses>();

  /** side returns the causes of a side's changed pools, by name in each state. */
  side(side: NatDiffSide, before: PoolsByName, after: PoolsByName): SideCauses {
    let out = this.#bySide.get(side);
    if (out) return out;
    const names = new Set<string>();
    const causes: (DiffCause | null)[] = [];
    const add = (p: ModelPool | undefined): void => {
      if (!p || names.has(p.name)) return;
      names.add(p.name);
      let c = this.#byName.get(p.name);
      if (c === undefined) this.#byName.set(p.name, (c = poolChange(p.name, before, after)));
      causes.push(c);
    };
    const changed = side.changed;
    for (let i = 0; i < changed.length; i++) {
      add(changed[i]!.before);
      add(changed[i]!.after);
    }
    this.#bySide.set(side, (out = { names, causes }));
    return out;
  }
}

/**
 * regionCauses explains a region: the pools that differ on its src or dst side (NatDiffSide's
 * changed pools, by name in each state; a pool on both sides once), then the Felix settings
 * that differ where the verdicts differ (SNAT target, ports, interface filter, host
 * exclusions, pool-set name). `known` is the diff's PoolCauses, shared by its regions.
 */
export function regionCauses(
  r: NatDiffRegion,
  before: PoolsByName,
  after: PoolsByName,
  settings: { readonly before: NatSettings; readonly after: NatSettings },
  known: PoolCauses = new PoolCauses(),
): DiffCause[] {
  const out: DiffCause[] = [];
  const src = known.side(r.src, before, after);
  const dst = known.side(r.dst, before, after);
  for (const c of src.causes) if (c) out.push(c);
  let k = 0;
  for (const name of dst.names) {
    const c = dst.causes[k++]!;
    if (c && !src.names.has(name)) out.push(c);
  }
  const { before: s1, after: s2 } = settings;
  const x = r.before;
  const y = r.after;
  const setting = (c: DiffCause | null): void => {
    if (c) out.push(c);
  };
  if (x.nat && y.nat && x.toSource !== y.toSource) setting(settingText('natOutgoingAddress', s1, s2, showValue));
  if (x.nat && y.nat && showValue(x.tcpPorts ?? undefined) !== showValue(y.tcpPorts ?? undefined)) setting(settingText('natPortRange', s1, s2, showValue));
  if (x.outInterface !== y.outInterface) setting(settingText('interfaceFilter', s1, s2, showValue));
  if (touchesHosts(x, y)) {
    setting(settingText('natOutgoingExclusions', s1, s2, showValue));
    setting(settingText('hostIPs', s1, s2, showValue));
  }
  setting(settingText('poolSetName', s1, s2, showValue));
  return out;
}
