import { formatPrefix, type FamilyNatModel, type NatModel, type NatRule } from '../core/index.js';
import { iptablesRuleHashes } from './iptables.js';
import { nftRuleHashes } from './nftables.js';

function rulesJson(f: FamilyNatModel, chain: string, appended: boolean, rules: readonly NatRule[]): unknown[] {
  const ipt = iptablesRuleHashes(chain, appended, rules);
  const nft = nftRuleHashes(f.family, chain, appended, rules);
  return rules.map((r, i) => ({ matches: r.matches, action: r.action, hashes: { iptables: ipt[i], nftables: nft[i] } }));
}

/**
 * natModelJson returns the target-neutral model as plain JSON data: settings; per family the
 * sets with their members as CIDR strings, the chains and kernel appends with each rule's
 * matches, action and cali: hashes (iptables and nftables), and the pools as Felix sees them;
 * then the warnings.
 */
function natModelJson(model: NatModel): unknown {
  return {
    settings: model.settings,
    families: model.families.map((f) => ({
      family: f.family,
      active: f.active,
      sets: f.sets.map((s) => ({ role: s.role, id: s.id, name: s.name, members: s.members.map(formatPrefix) })),
      chains: f.chains.map((c) => ({ name: c.name, rules: rulesJson(f, c.name, false, c.rules) })),
      kernelAppends: f.kernelAppends.map((k) => ({ chain: k.chain, rules: rulesJson(f, k.chain, true, k.rules) })),
      ...(f.pools
        ? {
            pools: f.pools.map((p) => ({
              name: p.name,
              cidr: p.cidr,
              natOutgoing: p.natOutgoing,
              disabled: p.disabled,
              ...(p.allowedUses ? { allowedUses: p.allowedUses } : {}),
              inPoolSet: p.inPoolSet,
            })),
          }
        : {}),
    })),
    warnings: model.warnings,
  };
}

/** renderJson returns the model as indented JSON text (natModelJson). */
export function renderJson(model: NatModel): string {
  return `${JSON.stringify(natModelJson(model), null, 2)}\n`;
}
