import {
  formatPrefix,
  hashChainName,
  PrefixSetBuilder,
  type PrefixSet,
  ruleHashes,
  RULE_HASH_PREFIX,
  type Family,
  type FamilyNatModel,
  type NatAction,
  type NatMatch,
  type NatModel,
  type NatRule,
  type NatSetModel,
} from '../core/index.js';
import { chunk, TextBuffer } from './text-buffer.js';

// nft -f text as Felix's nftables mode writes it (felix/nftables/{match_builder,actions,
// renderer,table}.go, spec/nat.md §6): one table per family, namespaced chains, interval sets.

/** NFT_TABLE is Felix's table name, in families ip and ip6. */
export const NFT_TABLE = 'calico';

/** nftFamily returns the nft table family: ip or ip6. */
export function nftFamily(family: Family): 'ip' | 'ip6' {
  return family === 4 ? 'ip' : 'ip6';
}

/** nftChainName namespaces a chain as Felix does for its nat table: nat-<chain>. */
export function nftChainName(chain: string): string {
  return `nat-${chain}`;
}

/** NFT_BASE_CHAINS maps the kernel chains Felix hooks to their base-chain spec (felix/nftables/table.go baseChains). */
const NFT_BASE_CHAINS: Readonly<Record<string, string>> = {
  POSTROUTING: 'type nat hook postrouting priority srcnat + 10; policy accept;',
};

/** nftMatchText renders one match: "ip saddr @S", "ip daddr != @S" (ip6 for IPv6), "meta l4proto tcp", "oifname I". */
function nftMatchText(m: NatMatch, family: Family): string {
  const ip = nftFamily(family);
  switch (m.kind) {
    case 'src-set':
      return `${ip} saddr @${m.set}`;
    case 'not-dst-set':
      return `${ip} daddr != @${m.set}`;
    case 'protocol':
      return `meta l4proto ${m.protocol}`;
    case 'out-interface':
      // Verbatim, as Felix renders it: the iptables "+" wildcard is not turned into nft's "*" (spec/nat.md §6.5).
      return `oifname ${m.iface}`;
  }
}

/** NFT_BARE_WORD is what nft parses as an unquoted name (checked with nft 1.0.6: eth0, cali-123, a_b, eth0.100). */
const NFT_BARE_WORD = /^[a-zA-Z_][a-zA-Z0-9_.-]*$/;

/**
 * nftInterfaceFilterProblem says why Felix's nftables mode cannot program an interface
 * filter, or returns null. Felix writes the value verbatim as `oifname <value>` (spec/nat.md
 * §6.5), and nft rejects that as a syntax error when the value is not a bare word: the
 * iptables wildcard "eth+", names with ":" or starting with a digit (checked with nft 1.0.6).
 */
export function nftInterfaceFilterProblem(iface: string): string | null {
  if (NFT_BARE_WORD.test(iface)) return null;
  const wildcard = iface.endsWith('+') ? ` (nft's wildcard would be "${iface.slice(0, -1)}*")` : '';
  return (
    `interface filter ${iface}: Felix's nftables mode writes "oifname ${iface}", which nft rejects as a syntax error${wildcard}; ` +
    'Felix cannot program this filter with nftables'
  );
}

/** nftActionText renders an action: masquerade[ to :A-B][ fully-random], snat to X[:A-B][ fully-random], return, jump nat-<chain>. */
function nftActionText(a: NatAction): string {
  switch (a.kind) {
    case 'masquerade':
      return `masquerade${a.toPorts ? ` to :${a.toPorts.min}-${a.toPorts.max}` : ''}${a.randomFully ? ' fully-random' : ''}`;
    case 'snat':
      return `snat to ${a.toSource}${a.toPorts ? `:${a.toPorts.min}-${a.toPorts.max}` : ''}${a.randomFully ? ' fully-random' : ''}`;
    case 'return':
      return 'return';
    case 'jump':
      return `jump ${nftChainName(a.target)}`;
  }
}

/** nftRuleText renders a rule without its comment: the matches, "counter", the action. It is also the rule's hash text. */
export function nftRuleText(rule: NatRule, family: Family): string {
  return [...rule.matches.map((m) => nftMatchText(m, family)), 'counter', nftActionText(rule.action)].join(' ');
}

/** formatNftRule renders a rule line as in a chain body: <rule> comment "cali:<hash>;". */
function formatNftRule(text: string, hash: string): string {
  return `${text} comment "${RULE_HASH_PREFIX}${hash};"`;
}

/** NftChain is one namespaced chain: its base-chain spec (for hooked chains), rule lines and hashes. */
export interface NftChain {
  readonly name: string;
  readonly base?: string;
  readonly rules: readonly string[];
  readonly hashes: readonly string[];
}

/**
 * nftRuleHashes returns the cali: hashes of a chain's rules in nftables mode: each rule's text
 * without comment, chained from the namespaced chain name ("nat-POSTROUTING*appends*" for the
 * base-chain append; spec/nat.md §5).
 */
export function nftRuleHashes(family: Family, chain: string, appended: boolean, rules: readonly NatRule[]): string[] {
  return nftTextHashes(
    chain,
    appended,
    rules.map((r) => nftRuleText(r, family)),
  );
}

/** nftTextHashes hashes rule texts already rendered by nftRuleText (see nftRuleHashes). */
function nftTextHashes(chain: string, appended: boolean, texts: readonly string[]): string[] {
  return ruleHashes(hashChainName(nftChainName(chain), appended), texts);
}

function nftChain(f: FamilyNatModel, chain: string, appended: boolean, rules: readonly NatRule[]): NftChain {
  const name = nftChainName(chain);
  const texts = rules.map((r) => nftRuleText(r, f.family));
  const hashes = nftTextHashes(chain, appended, texts);
  const base = appended ? NFT_BASE_CHAINS[chain] : undefined;
  if (appended && base === undefined) throw new Error(`no nft base chain for kernel chain ${chain}`);
  return { name, ...(base ? { base } : {}), rules: texts.map((t, i) => formatNftRule(t, hashes[i]!)), hashes };
}

/** nftChains renders a family's chains: the base chains (kernel appends) first, then Felix's chains in order. */
export function nftChains(f: FamilyNatModel): NftChain[] {
  return [
    ...f.kernelAppends.map((k) => nftChain(f, k.chain, true, k.rules)),
    ...f.chains.map((c) => nftChain(f, c.name, false, c.rules)),
  ];
}

/**
 * nftSetElements returns a set's members as nft interval-set elements: overlapping and
 * adjacent members merged into the minimal prefix list (PrefixSet), which matches the same
 * addresses as the hash:net set and never makes nft reject the load (poolctl decision 5).
 */
export function nftSetElements(set: NatSetModel): string[] {
  return mergedSet(set).toPrefixes().map(formatPrefix);
}

/** mergedSet returns a set's members as one PrefixSet: overlapping and adjacent members merged. */
function mergedSet(set: NatSetModel): PrefixSet {
  const b = new PrefixSetBuilder();
  for (const m of set.members) b.add(m);
  return b.build();
}

const ELEMENT_SEPARATOR = chunk(',\n\t\t\t');

/** nftSetType returns a set's nft type: ipv4_addr or ipv6_addr (hash:net sets get flags interval). */
export function nftSetType(family: Family): string {
  return family === 4 ? 'ipv4_addr' : 'ipv6_addr';
}

/**
 * renderNftables returns `nft -f` input that creates or replaces poolctl's sets and chains in
 * `table ip calico` / `table ip6 calico`, as one transaction: declare them (created when
 * missing), flush them, then fill them. Other chains and sets in the tables are untouched, and
 * applying it twice gives the same ruleset.
 */
export function renderNftables(model: NatModel): string {
  let members = 0;
  for (const f of model.families) for (const set of f.sets) members += set.members.length;
  const out = new TextBuffer(members * 50 + 4096);
  for (const f of model.families) {
    const table = `${nftFamily(f.family)} ${NFT_TABLE}`;
    const type = nftSetType(f.family);
    const chains = nftChains(f);
    out.line(`# IPv${f.family}: nft -f input; creates or replaces poolctl's sets and chains in table ${table}`);
    out.line(`table ${table} {`);
    for (const s of f.sets) out.line(`\tset ${s.name} { type ${type}; flags interval; }`);
    for (const c of chains) out.line(`\tchain ${c.name} {${c.base ? ` ${c.base}` : ''} }`);
    out.line('}');
    for (const s of f.sets) out.line(`flush set ${table} ${s.name}`);
    for (const c of chains) out.line(`flush chain ${table} ${c.name}`);
    out.line(`table ${table} {`);
    for (const s of f.sets) {
      out.line(`\tset ${s.name} {`).line(`\t\ttype ${type}`).line('\t\tflags interval');
      const elements = mergedSet(s);
      if (!elements.isEmpty) {
        out.text('\t\telements = {\n\t\t\t');
        let first = true;
        elements.forEachPrefix((family, value, bits) => {
          if (!first) out.chunk(ELEMENT_SEPARATOR);
          first = false;
          out.prefixOf(family, value, bits);
        });
        out.line('\n\t\t}');
      }
      out.line('\t}');
    }
    for (const c of chains) {
      out.line(`\tchain ${c.name} {`);
      if (c.base) out.line(`\t\t${c.base}`);
      for (const r of c.rules) out.line(`\t\t${r}`);
      out.line('\t}');
    }
    out.line('}');
  }
  return out.toString();
}
