import {
  hashChainName,
  ruleHashes,
  RULE_HASH_PREFIX,
  type FamilyNatModel,
  type NatAction,
  type NatMatch,
  type NatModel,
  type NatRule,
} from '../core/index.js';

// iptables-restore text as Felix writes it: long forms (felix/iptables/match_builder.go,
// felix/iptables/actions.go), rule-hash comments (felix/iptables/renderer.go), spec/nat.md §4-§5.

/** iptablesMatchText renders one match: "-m set --match-set N src", "-m set ! --match-set N dst", "-p tcp", "--out-interface I". */
function iptablesMatchText(m: NatMatch): string {
  switch (m.kind) {
    case 'src-set':
      return `-m set --match-set ${m.set} src`;
    case 'not-dst-set':
      return `-m set ! --match-set ${m.set} dst`;
    case 'protocol':
      return `-p ${m.protocol}`;
    case 'out-interface':
      return `--out-interface ${m.iface}`;
  }
}

/**
 * iptablesActionText renders an action: "--jump MASQUERADE[ --to-ports A-B][ --random-fully]",
 * "--jump SNAT --to-source X[:A-B][ --random-fully]", "--jump RETURN", "--jump <chain>".
 */
function iptablesActionText(a: NatAction): string {
  switch (a.kind) {
    case 'masquerade':
      return `--jump MASQUERADE${a.toPorts ? ` --to-ports ${a.toPorts.min}-${a.toPorts.max}` : ''}${a.randomFully ? ' --random-fully' : ''}`;
    case 'snat':
      return `--jump SNAT --to-source ${a.toSource}${a.toPorts ? `:${a.toPorts.min}-${a.toPorts.max}` : ''}${a.randomFully ? ' --random-fully' : ''}`;
    case 'return':
      return '--jump RETURN';
    case 'jump':
      return `--jump ${a.target}`;
  }
}

/** iptablesRuleBody renders a rule's matches and action, single-spaced, as Felix does. */
function iptablesRuleBody(rule: NatRule): string {
  return [...rule.matches.map(iptablesMatchText), iptablesActionText(rule.action)].join(' ');
}

/**
 * iptablesRuleHashes returns the cali: hashes of a chain's rules: hash text
 * "-A <hashName> HASH <body>", chained from "<chain>" or, for rules appended to a kernel
 * chain, "<chain>*appends*" (spec/nat.md §5).
 */
export function iptablesRuleHashes(chain: string, appended: boolean, rules: readonly NatRule[]): string[] {
  const name = hashChainName(chain, appended);
  return ruleHashes(
    name,
    rules.map((r) => `-A ${name} HASH ${iptablesRuleBody(r)}`),
  );
}

/** formatIptablesRule renders one iptables-restore line: -A <chain> -m comment --comment "cali:<hash>" <body>. */
export function formatIptablesRule(chain: string, rule: NatRule, hash: string): string {
  return `-A ${chain} -m comment --comment "${RULE_HASH_PREFIX}${hash}" ${iptablesRuleBody(rule)}`;
}

/** IptablesChain is one chain's restore lines and their hashes. appended: rules appended to a kernel chain. */
export interface IptablesChain {
  readonly chain: string;
  readonly appended: boolean;
  readonly lines: readonly string[];
  readonly hashes: readonly string[];
}

/** iptablesChains renders a family's chains (Felix's order) and then its kernel-chain appends. */
export function iptablesChains(f: FamilyNatModel): IptablesChain[] {
  const chain = (name: string, appended: boolean, rules: readonly NatRule[]): IptablesChain => {
    const hashes = iptablesRuleHashes(name, appended, rules);
    return { chain: name, appended, hashes, lines: rules.map((r, i) => formatIptablesRule(name, r, hashes[i]!)) };
  };
  return [
    ...f.chains.map((c) => chain(c.name, false, c.rules)),
    ...f.kernelAppends.map((k) => chain(k.chain, true, k.rules)),
  ];
}

/**
 * renderIptables returns iptables-restore input for the nat table, per family in the model
 * (IPv4 for iptables-restore, IPv6 for ip6tables-restore, each headed by a comment): the chain
 * declarations (`:cali-POSTROUTING - [0:0]`, which create or flush the chain), the rules, the
 * hash-tagged append to POSTROUTING, and COMMIT. Meant for `--noflush`, so the kernel's other
 * nat rules stay; run twice, it appends the POSTROUTING jump twice.
 */
export function renderIptables(model: NatModel): string {
  const out: string[] = [];
  for (const f of model.families) {
    out.push(`# IPv${f.family} nat table: ${f.family === 4 ? 'iptables-restore' : 'ip6tables-restore'} --noflush`, '*nat');
    for (const c of f.chains) out.push(`:${c.name} - [0:0]`);
    for (const c of iptablesChains(f)) out.push(...c.lines);
    out.push('COMMIT');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
