import { CHAIN_CALI_POSTROUTING, CHAIN_FIP_SNAT, CHAIN_NAT_OUTGOING, CHAIN_POSTROUTING, type Family } from '../core/index.js';
import { NFT_TABLE, nftChainName } from '../render/nftables.js';
import type { NftChainEntry } from './nft-json.js';
import type { HostExec } from './host-exec.js';
import type { SavedTable } from './iptables-save.js';

/**
 * Signs that Felix manages this host's (this network namespace's) NAT, which `nat apply`
 * must not fight: Felix rewrites its chains and sets on its own schedule, so poolctl's writes
 * would be undone or would undo Felix's. poolctl owns three chains of the nat table
 * (cali-POSTROUTING, cali-fip-snat, cali-nat-outgoing; nft: their nat- names in table calico);
 * Felix always programs more (felix/rules/static.go: cali-PREROUTING, cali-OUTPUT and
 * cali-fip-dnat in nat, its filter, mangle and raw chains), and runs as calico-node (or
 * calico-felix) in the host's network namespace.
 */

/** OWNED_CHAINS are the iptables chains poolctl programs (nat table). */
const OWNED_CHAINS: ReadonlySet<string> = new Set([CHAIN_CALI_POSTROUTING, CHAIN_FIP_SNAT, CHAIN_NAT_OUTGOING]);
/** OWNED_NFT_CHAINS are their names in table calico, with the base chain. */
const OWNED_NFT_CHAINS: ReadonlySet<string> = new Set([CHAIN_POSTROUTING, ...OWNED_CHAINS].map(nftChainName));
/** IPTABLES_TABLES are the tables iptables-nft keeps as nft tables of the same name. */
const IPTABLES_TABLES: ReadonlySet<string> = new Set(['nat', 'filter', 'mangle', 'raw']);
/** FELIX_PROCESSES are the process names (comm) Felix runs as. */
const FELIX_PROCESSES: ReadonlySet<string> = new Set(['calico-node', 'calico-felix']);

/** MAX_SIGNS caps the chains named. */
const MAX_SIGNS = 3;

/**
 * felixChainSigns lists the chains that are Felix's and not poolctl's: from the nft chain list
 * (listNftChains: iptables-nft's tables and table calico) and from the iptables-save nat tables
 * read for a plan (iptables-legacy shows only there). At most MAX_SIGNS, then a count.
 */
export function felixChainSigns(chains: readonly NftChainEntry[] | null, nat: ReadonlyMap<Family, SavedTable | null> = new Map()): string[] {
  const found: string[] = [];
  for (const c of chains ?? []) {
    if ((c.family !== 'ip' && c.family !== 'ip6') || c.name === undefined) continue;
    if (c.table === NFT_TABLE && !OWNED_NFT_CHAINS.has(c.name)) found.push(`chain ${c.name} in table ${c.family} ${NFT_TABLE}`);
    else if (IPTABLES_TABLES.has(c.table ?? '') && c.name.startsWith('cali-') && !(c.table === 'nat' && OWNED_CHAINS.has(c.name))) {
      found.push(`iptables chain ${c.name} in the ${c.family === 'ip' ? 'IPv4' : 'IPv6'} ${c.table} table`);
    }
  }
  for (const [family, table] of nat) {
    for (const name of table?.chains.keys() ?? []) {
      const sign = `iptables chain ${name} in the IPv${family} nat table`;
      if (name.startsWith('cali-') && !OWNED_CHAINS.has(name) && !found.includes(sign)) found.push(sign);
    }
  }
  if (found.length <= MAX_SIGNS) return found;
  return [...found.slice(0, MAX_SIGNS), `and ${found.length - MAX_SIGNS} more cali- chains`];
}

/**
 * readFelixProcesses lists the Felix processes (calico-node, calico-felix) in the network
 * namespace the tools run in: `readlink /proc/self/ns/net` names that namespace (readlink's
 * own, which is the tools'), `ps -e -o pid=,netns=,comm=` every process's. Without ps, or when
 * either fails, it finds none (the chains still tell).
 */
export async function readFelixProcesses(exec: HostExec): Promise<string[]> {
  if (!exec.has('ps') || !exec.has('readlink')) return [];
  const [self, ps] = await Promise.all([exec.run('readlink', ['/proc/self/ns/net']), exec.run('ps', ['-e', '-o', 'pid=,netns=,comm='])]);
  const ns = /\[(\d+)\]/.exec(self.stdout)?.[1];
  if (self.code !== 0 || ps.code !== 0 || ns === undefined) return [];
  const found: string[] = [];
  for (const line of ps.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)\s+(.+?)\s*$/.exec(line);
    if (m && m[2] === ns && FELIX_PROCESSES.has(m[3]!)) found.push(`process ${m[3]} (pid ${m[1]}) in this network namespace`);
  }
  return found;
}
