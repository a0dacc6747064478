import type { Family } from '../core/index.js';
import type { Backend } from './desired.js';
import { toolMissing, type HostExec } from './host-exec.js';
import { listNftTables } from './live-state.js';
import type { NftChainEntry } from './nft-json.js';

/** BackendChoice is the backend used and why (printed by apply and status). */
export interface BackendChoice {
  readonly backend: Backend;
  readonly why: string;
}

/** toolsFor lists the tools a backend needs for the given families. */
export function toolsFor(backend: Backend, families: readonly Family[]): string[] {
  if (backend === 'nftables') return ['nft'];
  const tools = ['ipset'];
  for (const f of families) {
    const p = f === 4 ? 'iptables' : 'ip6tables';
    tools.push(`${p}-save`, `${p}-restore`);
  }
  return tools;
}


/**
 * listNftChains runs `nft -j list chains`, which stays cheap with 150,000 set elements (unlike
 * `nft list tables` and every listing with rules, which load all elements); null when nft is
 * not installed, fails or prints what is not JSON.
 */
export async function listNftChains(exec: HostExec): Promise<NftChainEntry[] | null> {
  if (!exec.has('nft')) return null;
  const r = await exec.run('nft', ['-j', 'list', 'chains']);
  if (r.code !== 0) return null;
  try {
    return (JSON.parse(r.stdout).nftables as Record<string, any>[]).flatMap((i) => (i.chain ? [i.chain as NftChainEntry] : []));
  } catch {
    return null;
  }
}

const isIpFamily = (c: NftChainEntry): boolean => c.family === 'ip' || c.family === 'ip6';

/**
 * calicoTables returns the calico nft tables ("ip calico", "ip6 calico"): those with chains
 * from the chain list, else (no chain list, or no calico chain: a table may be empty) from
 * `nft list tables`.
 */
async function calicoTables(exec: HostExec, chains: readonly NftChainEntry[] | null): Promise<string[]> {
  const withChains = [...new Set((chains ?? []).filter((c) => isIpFamily(c) && c.table === 'calico').map((c) => `${c.family} calico`))].sort();
  if (withChains.length) return withChains;
  return (await listNftTables(exec)).filter((t) => t === 'ip calico' || t === 'ip6 calico');
}

/**
 * requireTools throws HOST_TOOL_MISSING (naming the package) unless the tools of the
 * requested backend are installed; for auto, those of iptables or nft. It spawns nothing, so
 * it runs before the host lock is taken.
 */
export function requireTools(exec: HostExec, requested: Backend | 'auto', families: readonly Family[]): void {
  if (requested !== 'auto') {
    const missing = toolsFor(requested, families).find((t) => !exec.has(t));
    if (missing) throw toolMissing(missing);
    return;
  }
  const missing = toolsFor('iptables', families).find((t) => !exec.has(t));
  if (missing && !exec.has('nft')) throw toolMissing(missing);
}

/** RequestedBackend is a backend asked for and, for an explicit one, why (absent: --backend). */
export interface RequestedBackend {
  readonly backend: Backend | 'auto';
  readonly why?: string;
}

/**
 * resolveBackend picks the backend. An explicit choice must have its tools (else HOST_TOOL_MISSING,
 * naming the package). `auto`, in order:
 *   1. nft is installed and `table ip calico` or `table ip6 calico` exists -> nftables
 *      (Felix in nftables mode, or an earlier `nat apply --backend nftables`);
 *   2. ipset, iptables-save and iptables-restore (ip6tables-* for IPv6) are installed -> iptables
 *      (Felix's default dataplane);
 *   3. nft is installed -> nftables;
 *   4. otherwise HOST_TOOL_MISSING: install the iptables and ipset packages (or nftables).
 * `chains` is the listNftChains result when the caller has it (undefined: read it here); `why`
 * says what requested an explicit backend (--backend, or a FelixConfiguration's nftablesMode).
 */
export async function resolveBackend(
  exec: HostExec,
  requested: Backend | 'auto',
  families: readonly Family[],
  chains?: readonly NftChainEntry[] | null,
  why = 'chosen with --backend',
): Promise<BackendChoice> {
  if (requested !== 'auto') {
    requireTools(exec, requested, families);
    return { backend: requested, why };
  }
  if (exec.has('nft')) {
    const found = await calicoTables(exec, chains === undefined ? await listNftChains(exec) : chains);
    if (found.length) return { backend: 'nftables', why: `auto: nftables table ${found.join(', ')} exists` };
  }
  const missing = toolsFor('iptables', families).filter((t) => !exec.has(t));
  if (!missing.length) return { backend: 'iptables', why: 'auto: iptables and ipset are installed and no calico nftables table exists' };
  if (exec.has('nft')) return { backend: 'nftables', why: `auto: ${missing.join(', ')} not installed, nft is` };
  throw toolMissing(missing[0]!);
}

/**
 * otherBackendWarning says when the backend not chosen also holds NAT state of poolctl or
 * Felix, whose rules would run as well: cali-POSTROUTING in an iptables nat table (iptables-nft
 * from the chain list, iptables-legacy from `legacyCali`, the families whose legacy tables hold
 * cali- chains) when programming nftables, or a calico nft table when programming iptables.
 * Null when there is no such state.
 */
export function otherBackendWarning(chains: readonly NftChainEntry[] | null, backend: Backend, legacyCali: readonly Family[] = []): string | null {
  if (backend === 'nftables') {
    const nft = [...new Set((chains ?? []).filter((c) => isIpFamily(c) && c.table === 'nat' && c.name === 'cali-POSTROUTING').map((c) => c.family))];
    const legacy = legacyCali.map((f) => (f === 4 ? 'ip' : 'ip6'));
    const where = [...(nft.length ? [`iptables-nft (${nft.join(', ')})`] : []), ...(legacy.length ? [`iptables-legacy (${legacy.join(', ')})`] : [])];
    return where.length
      ? `the iptables nat table of ${where.join(' and ')} also holds cali-POSTROUTING from an iptables apply or Felix: its rules run before table ip calico; ` +
          'remove them, or keep using --backend iptables'
      : null;
  }
  if (!chains) return null;
  const tables = [...new Set(chains.filter((c) => isIpFamily(c) && c.table === 'calico').map((c) => `${c.family} calico`))];
  return tables.length
    ? `table ${tables.join(', table ')} (nftables) also holds NAT chains from an nftables apply or Felix, and they run too; ` +
        `remove ${tables.length === 1 ? 'it' : 'them'} (nft delete table ...), or keep using --backend nftables`
    : null;
}
