import type { Family } from '../net/addr.js';
import { comparePrefix, formatPrefix, type Prefix } from '../net/prefix.js';
import { rangeCidrs, rangesOf, subtractRanges } from '../net/range-list.js';
import type { FamilyNatModel, ModelPool, NatAction, NatModel, NatRule, NatSetModel } from './model.js';
import { CHAIN_NAT_OUTGOING, CHAIN_POSTROUTING } from './nat.js';

/**
 * Drift between what the pools and Felix settings make Felix program (a model built from
 * them) and what a kernel holds (a model read back from it, host/live-model.ts): set members
 * missing or extra, sets or rules that differ. `nat explain --live` says so before it
 * explains from the kernel; livePools names the kernel's set members after the pools.
 */

/** DriftItem is one difference, for one family, said for people. */
export interface DriftItem {
  readonly family: Family;
  readonly text: string;
}

/** MAX_NAMED caps the members a drift line lists. */
const MAX_NAMED = 5;

function listed(items: readonly string[]): string {
  return items.length <= MAX_NAMED ? items.join(', ') : `${items.slice(0, MAX_NAMED).join(', ')} and ${items.length - MAX_NAMED} more`;
}

/** memberNames writes members with the IPPools that have their CIDRs: "172.16.0.0/12 (IPPool no-nat)". */
function memberNames(cidrs: readonly string[], byCidr: ReadonlyMap<string, string>): string {
  return listed(cidrs.map((c) => (byCidr.has(c) ? `${c} (IPPool ${byCidr.get(c)})` : c)));
}

function actionText(a: NatAction): string {
  const ports = 'toPorts' in a && a.toPorts ? ` ports ${a.toPorts.min}-${a.toPorts.max}` : '';
  switch (a.kind) {
    case 'masquerade':
      return `MASQUERADE${ports}`;
    case 'snat':
      return `SNAT to ${a.toSource}${ports}`;
    case 'return':
      return 'RETURN';
    case 'jump':
      return `jump ${a.target}`;
  }
}

/** rulesText summarises a chain's rules: "empty", or "2 rules: MASQUERADE, ..." (actions of the rules). */
function rulesText(rules: readonly NatRule[]): string {
  if (rules.length === 0) return 'empty';
  return `${rules.length} rule${rules.length === 1 ? '' : 's'} (${listed(rules.map((r) => actionText(r.action)))})`;
}

const sameRules = (a: readonly NatRule[], b: readonly NatRule[]): boolean => JSON.stringify(a) === JSON.stringify(b);

/** setDrift compares one desired set with the kernel's set of the same role. */
function setDrift(family: Family, want: NatSetModel, have: NatSetModel | undefined, byCidr: ReadonlyMap<string, string>, out: DriftItem[]): void {
  if (!have) {
    out.push({ family, text: `set ${want.name} is not in the kernel` });
    return;
  }
  if (have.name !== want.name) out.push({ family, text: `the kernel's set is ${have.name}, the pools' Felix uses ${want.name}` });
  const w = rangesOf(family, want.members);
  const h = rangesOf(family, have.members);
  const missing = rangeCidrs(subtractRanges(w, h));
  const extra = rangeCidrs(subtractRanges(h, w));
  if (missing.length) out.push({ family, text: `${have.name} lacks ${memberNames(missing, byCidr)}` });
  if (extra.length) out.push({ family, text: `${have.name} has ${listed(extra)}, which no IPPool ${extra.length === 1 ? 'has' : 'have'} there` });
}

/**
 * modelDrift lists how the kernel's model differs from the desired one, per family of the
 * desired model: its sets (by role) and their members, cali-nat-outgoing's rules and the
 * POSTROUTING jump. Empty when the kernel holds what the pools ask for.
 */
export function modelDrift(desired: NatModel, live: NatModel): DriftItem[] {
  const out: DriftItem[] = [];
  for (const want of desired.families) {
    const family = want.family;
    const have = live.families.find((f) => f.family === family);
    const byCidr = new Map((want.pools ?? []).map((p) => [p.cidr, p.name]));
    if (!have) {
      if (want.active) out.push({ family, text: `the kernel has no IPv${family} NAT ruleset` });
      continue;
    }
    for (const s of want.sets) setDrift(family, s, have.sets.find((x) => x.role === s.role), byCidr, out);
    for (const s of have.sets) {
      if (!want.sets.some((x) => x.role === s.role)) out.push({ family, text: `the kernel has set ${s.name}, which the pools' settings do not use` });
    }
    const rules = (m: FamilyNatModel): readonly NatRule[] => m.chains.find((c) => c.name === CHAIN_NAT_OUTGOING)?.rules ?? [];
    if (!sameRules(rules(want), rules(have))) {
      out.push({ family, text: `${CHAIN_NAT_OUTGOING}: the kernel has ${rulesText(rules(have))}, the pools' settings give ${rulesText(rules(want))}` });
    }
    const jumps = (m: FamilyNatModel): number => m.kernelAppends.filter((k) => k.chain === CHAIN_POSTROUTING).flatMap((k) => k.rules).length;
    if (want.active && jumps(want) > 0 && jumps(have) === 0) out.push({ family, text: `${CHAIN_POSTROUTING} does not jump to cali-POSTROUTING: no NAT rule of poolctl or Felix runs` });
  }
  return out;
}

/**
 * livePools gives a kernel's model pools named after the desired model's: every member of its
 * masq and pool sets, with natOutgoing and inPoolSet as the kernel's sets say (not as the
 * pools do), named after the IPPool with that CIDR; a member no IPPool has keeps an empty name
 * and `orphan` set, so explanations never put a pool where the kernel has none, nor miss one it has.
 */
export function livePools(live: FamilyNatModel, desired: FamilyNatModel | undefined): ModelPool[] {
  const byCidr = new Map((desired?.pools ?? []).map((p) => [p.cidr, p]));
  const members = (role: NatSetModel['role']): readonly Prefix[] => live.sets.find((s) => s.role === role)?.members ?? [];
  const masq = new Set(members('masq').map(formatPrefix));
  const inSet = new Set(members('pools').map(formatPrefix));
  const all = [...members('masq'), ...members('pools')].sort(comparePrefix);
  const out: ModelPool[] = [];
  for (let i = 0; i < all.length; i++) {
    const prefix = all[i]!;
    const cidr = formatPrefix(prefix);
    if (i > 0 && formatPrefix(all[i - 1]!) === cidr) continue;
    const p = byCidr.get(cidr);
    out.push({
      name: p?.name ?? '',
      cidr,
      natOutgoing: masq.has(cidr),
      disabled: p?.disabled ?? false,
      prefix,
      inPoolSet: inSet.has(cidr),
      ...(p ? {} : { orphan: true }),
    });
  }
  return out;
}
