import type { Family } from '../core/index.js';
import type { Backend } from './desired.js';
import { toolMissing, type HostExec } from './host-exec.js';
import { listNftTables } from './live-state.js';

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
 * resolveBackend picks the backend. An explicit choice must have its tools (else exit 3,
 * naming the package). `auto`, in order:
 *   1. nft is installed and `table ip calico` or `table ip6 calico` exists -> nftables
 *      (Felix in nftables mode, or an earlier `nat apply --backend nftables`);
 *   2. ipset, iptables-save and iptables-restore (ip6tables-* for IPv6) are installed -> iptables
 *      (Felix's default dataplane);
 *   3. nft is installed -> nftables;
 *   4. otherwise exit 3: install the iptables and ipset packages (or nftables).
 */
export async function resolveBackend(exec: HostExec, requested: Backend | 'auto', families: readonly Family[]): Promise<BackendChoice> {
  if (requested !== 'auto') {
    const missing = toolsFor(requested, families).find((t) => !exec.has(t));
    if (missing) throw toolMissing(missing);
    return { backend: requested, why: 'chosen with --backend' };
  }
  if (exec.has('nft')) {
    const tables = await listNftTables(exec);
    const found = tables.filter((t) => t === 'ip calico' || t === 'ip6 calico');
    if (found.length) return { backend: 'nftables', why: `auto: nftables table ${found.join(', ')} exists` };
  }
  const missing = toolsFor('iptables', families).filter((t) => !exec.has(t));
  if (!missing.length) return { backend: 'iptables', why: 'auto: iptables and ipset are installed and no calico nftables table exists' };
  if (exec.has('nft')) return { backend: 'nftables', why: `auto: ${missing.join(', ')} not installed, nft is` };
  throw toolMissing(missing[0]!);
}

/**
 * otherBackendWarning says when the backend not chosen also holds NAT state of poolctl or
 * Felix, whose rules would run as well: cali-POSTROUTING in the iptables (nf_tables) nat table
 * when programming nftables, or a calico nft table when programming iptables. Read from
 * `nft -j list chains`, which lists chain names only; null when nft is missing or finds none.
 */
export async function otherBackendWarning(exec: HostExec, backend: Backend): Promise<string | null> {
  if (!exec.has('nft')) return null;
  const r = await exec.run('nft', ['-j', 'list', 'chains']);
  if (r.code !== 0) return null;
  let chains: { family?: string; table?: string; name?: string }[];
  try {
    chains = (JSON.parse(r.stdout).nftables as Record<string, any>[]).flatMap((i) => (i.chain ? [i.chain] : []));
  } catch {
    return null;
  }
  const ip = (c: { family?: string }): boolean => c.family === 'ip' || c.family === 'ip6';
  if (backend === 'nftables') {
    const fams = [...new Set(chains.filter((c) => ip(c) && c.table === 'nat' && c.name === 'cali-POSTROUTING').map((c) => c.family))];
    return fams.length
      ? `the iptables nat table (${fams.join(', ')}) also holds cali-POSTROUTING from an iptables apply or Felix: its rules run before table ip calico; ` +
          "remove them, or keep using --backend iptables"
      : null;
  }
  const tables = [...new Set(chains.filter((c) => ip(c) && c.table === 'calico').map((c) => `${c.family} calico`))];
  return tables.length
    ? `table ${tables.join(', table ')} (nftables) also holds NAT chains from an nftables apply or Felix, and they run too; ` +
        `remove ${tables.length === 1 ? 'it' : 'them'} (nft delete table ...), or keep using --backend nftables`
    : null;
}
