import { rangesOf, type NatModel, type RangeList } from '../core/index.js';
import { IPSET_MAXELEM, ipsetCreateLine, ipsetFamily } from '../render/ipset.js';
import { iptablesChains } from '../render/iptables.js';
import { NFT_TABLE, nftChains, nftFamily, nftSetType, renderNftables } from '../render/nftables.js';
import type { BaseChainSpec, DesiredIptFamily, DesiredNftFamily } from './desired.js';

/**
 * The desired state of each backend, taken from the model and the renderers (render/*), so
 * that apply writes and status expects exactly what `nat render` prints: no rule text or
 * hash is made here.
 */

/** desiredIptables returns, per family of the model, the ipsets, owned chains and POSTROUTING appends. */
export function desiredIptables(model: NatModel): DesiredIptFamily[] {
  return model.families.map((f) => {
    const chains = iptablesChains(f);
    return {
      family: f.family,
      sets: f.sets.map((s) => {
        const create = ipsetCreateLine(s.name, f.family);
        return {
          name: s.name,
          ipsetFamily: ipsetFamily(f.family),
          type: create.split(' ')[2]!,
          maxelem: IPSET_MAXELEM,
          members: s.members,
          create,
        };
      }),
      chains: chains.filter((c) => !c.appended).map((c) => ({ name: c.chain, lines: c.lines, hashes: c.hashes })),
      appends: chains
        .filter((c) => c.appended)
        .flatMap((c) => c.lines.map((line, i) => ({ chain: c.chain, line, hash: c.hashes[i]! }))),
    };
  });
}

// nft's named chain priorities (nft(8) "CHAINS"), to compare the rendered base-chain spec
// ("priority srcnat + 10") with the number `nft -j` lists (110).
const NFT_PRIORITY: Readonly<Record<string, number>> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };

/** parseBaseChain reads a rendered base-chain spec "type nat hook postrouting priority srcnat + 10; policy accept;". */
export function parseBaseChain(spec: string): BaseChainSpec {
  const m = /type (\S+) hook (\S+) priority ([^;]+); policy (\S+);/.exec(spec);
  if (!m) throw new Error(`unexpected base chain spec "${spec}"`);
  const p = /^(-?\d+)$|^([a-z]+)(?:\s*([+-])\s*(\d+))?$/.exec(m[3]!.trim());
  if (!p || (p[2] !== undefined && NFT_PRIORITY[p[2]] === undefined)) throw new Error(`unexpected priority "${m[3]}"`);
  const prio = p[1] !== undefined ? Number(p[1]) : NFT_PRIORITY[p[2]!]! + (p[3] === '-' ? -1 : 1) * Number(p[4] ?? 0);
  return { type: m[1]!, hook: m[2]!, prio, policy: m[4]! };
}

/** desiredNftables returns, per family of the model, the `table ip|ip6 calico` to load: its text, sets and chains. */
export function desiredNftables(model: NatModel): DesiredNftFamily[] {
  return model.families.map((f) => ({
    family: f.family,
    tableFamily: nftFamily(f.family),
    tableName: NFT_TABLE,
    script: () => renderNftables({ ...model, families: [f] }),
    // the family without its pools (made only when read) and with empty sets
    checkScript: () =>
      renderNftables({
        ...model,
        families: [{ family: f.family, sets: f.sets.map((s) => ({ ...s, members: [] })), chains: f.chains, kernelAppends: f.kernelAppends, active: f.active }],
      }),
    sets: f.sets.map((s) => {
      let ranges: RangeList | undefined;
      return {
        name: s.name,
        type: nftSetType(f.family),
        flags: ['interval'],
        // merged when first read: comparing with a live set, or counting a new set's members
        get ranges(): RangeList {
          return (ranges ??= rangesOf(f.family, s.members));
        },
      };
    }),
    chains: nftChains(f).map((c, i) => ({
      name: c.name,
      ...(c.base ? { base: parseBaseChain(c.base) } : {}),
      lines: c.rules,
      hashes: c.hashes,
      // nftChains lists the kernel appends first, then the chains (render/nftables.ts)
      rules: [...f.kernelAppends, ...f.chains][i]!.rules,
    })),
  }));
}
