import type { NatDiffRegion, NatVerdict } from './diff.js';
import type { ModelPool, NatSettings } from './model.js';

/**
 * DiffCause is one reason a region's verdict changed: a pool added, removed or changed, or a
 * Felix setting changed. `pool` names the pool (in the state that has it) so reports can point
 * at its definition; `setting` the NatSettings field.
 */
export interface DiffCause {
  readonly text: string;
  readonly pool?: { readonly name: string; readonly state: 'before' | 'after' };
  readonly setting?: keyof NatSettings;
}

/** PoolsByName are one state's pools of a family, by name. */
export type PoolsByName = ReadonlyMap<string, ModelPool>;

/** poolsByName indexes a family's model pools by name. */
export function poolsByName(pools: readonly ModelPool[]): PoolsByName {
  return new Map(pools.map((p) => [p.name, p]));
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
  if (!a && b) return { text: `new pool ${name}${traits(b)}`, pool: { name, state: 'after' } };
  if (a && !b) return { text: `pool ${name} removed`, pool: { name, state: 'before' } };
  if (!a || !b) return null;
  const parts: string[] = [];
  if (a.cidr !== b.cidr) parts.push(`CIDR ${a.cidr} → ${b.cidr}`);
  if (a.natOutgoing !== b.natOutgoing) parts.push(`natOutgoing ${a.natOutgoing} → ${b.natOutgoing}`);
  if (a.inPoolSet !== b.inPoolSet) parts.push(b.inPoolSet ? 'back in the pool set (no longer LoadBalancer-only)' : 'LoadBalancer-only now, so out of the pool set');
  return parts.length === 0 ? null : { text: `${name}: ${parts.join(', ')}`, pool: { name, state: 'after' } };
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

/**
 * regionCauses explains a region: the pools that differ on its src or dst side (a side whose
 * pools are the same in both states is not a cause), then the Felix settings that differ where
 * the verdicts differ (SNAT target, ports, interface filter, host exclusions, pool-set name).
 */
export function regionCauses(r: NatDiffRegion, before: PoolsByName, after: PoolsByName, settings: { readonly before: NatSettings; readonly after: NatSettings }): DiffCause[] {
  const out: DiffCause[] = [];
  const seen = new Set<string>();
  for (const side of [r.srcPools, r.dstPools]) {
    const names = [...new Set([...side.before.map((p) => p.name), ...side.after.map((p) => p.name)])];
    const same = side.before.length === side.after.length && side.before.every((p, i) => p === side.after[i] || (p.name === side.after[i]!.name && poolChange(p.name, before, after) === null));
    if (same) continue;
    for (const name of names) {
      if (seen.has(name)) continue;
      seen.add(name);
      const c = poolChange(name, before, after);
      if (c) out.push(c);
    }
  }
  const { before: s1, after: s2 } = settings;
  const x = r.before;
  const y = r.after;
  const add = (c: DiffCause | null): void => {
    if (c) out.push(c);
  };
  if (x.nat && y.nat && x.toSource !== y.toSource) add(settingText('natOutgoingAddress', s1, s2, showValue));
  if (x.nat && y.nat && showValue(x.tcpPorts ?? undefined) !== showValue(y.tcpPorts ?? undefined)) add(settingText('natPortRange', s1, s2, showValue));
  if (x.outInterface !== y.outInterface) add(settingText('interfaceFilter', s1, s2, showValue));
  if (touchesHosts(x, y)) {
    add(settingText('natOutgoingExclusions', s1, s2, showValue));
    add(settingText('hostIPs', s1, s2, showValue));
  }
  add(settingText('poolSetName', s1, s2, showValue));
  return out;
}
