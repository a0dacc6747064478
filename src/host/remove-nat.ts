import type { Family } from '../core/index.js';
import { NFT_TABLE, nftFamily } from '../render/nftables.js';
import type { Backend } from './desired.js';
import { familyLabel } from './desired.js';
import { commandFailed, type HostExec } from './host-exec.js';
import type { IptablesTools } from './iptables-flavour.js';
import { readIptablesLive, readNftTable, restoreTool } from './live-state.js';
import { savedLine, setRole } from './plan.js';

/** OWNED_CHAINS are the nat chains poolctl programs (spec/nat.md §4.1): removed with their rules. */
const OWNED_CHAINS = ['cali-POSTROUTING', 'cali-fip-snat', 'cali-nat-outgoing'];

/** JUMP_RE matches a kernel-chain rule that jumps to a cali- chain. */
const JUMP_RE = /(?:^|\s)(?:-j|--jump)\s+cali-/;

/**
 * removeNat takes poolctl's NAT state out of the kernel (`nat agent --cleanup-on-exit`), read
 * from the kernel first so that only what is there is removed:
 *   - iptables: per family, one `iptables-restore --noflush` that deletes the cali: jumps to
 *     cali- chains from POSTROUTING, flushes the owned chains and deletes them; then one
 *     `ipset restore` destroying the NAT sets (masq, pool and host sets);
 *   - nftables: one `nft -f` deleting `table ip calico` and `table ip6 calico`.
 * Other rules, chains, sets and tables are left alone. tools are the iptables flavour's (the
 * one the agent wrote with).
 */
export async function removeNat(exec: HostExec, backend: Backend, families: readonly Family[], tools: IptablesTools | null): Promise<void> {
  if (backend === 'nftables') {
    const present: string[] = [];
    for (const f of families) if (await readNftTable(exec, f, NFT_TABLE)) present.push(`delete table ${nftFamily(f)} ${NFT_TABLE}`);
    if (!present.length) return;
    const r = await exec.run('nft', ['-f', '-'], { input: present.join('\n') + '\n' });
    if (r.code !== 0) throw commandFailed('nft', 'delete the calico tables', r);
    return;
  }
  if (!tools) throw new Error('removeNat: the iptables tools are needed');
  const live = await readIptablesLive(exec, tools, families, () => false);
  for (const f of families) {
    const nat = live.nat.get(f);
    if (!nat) continue;
    const lines: string[] = [];
    for (const r of nat.chains.get('POSTROUTING')?.rules ?? []) {
      if (r.hash !== null && JUMP_RE.test(r.spec)) lines.push(savedLine('POSTROUTING', r.spec).replace(/^-A /, '-D '));
    }
    const owned = OWNED_CHAINS.filter((c) => nat.chains.has(c));
    if (!lines.length && !owned.length) continue;
    const input = ['*nat', ...owned.map((c) => `:${c} - [0:0]`), ...lines, ...owned.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
    const tool = restoreTool(live, f);
    const r = await exec.run(tool, ['--noflush'], { input });
    if (r.code !== 0) throw commandFailed(tool, `remove the ${familyLabel(f)} nat chains`, r);
  }
  const sets = [...live.sets.keys()].filter((n) => families.some((f) => setRole(n, f) !== null));
  if (!sets.length) return;
  const r = await exec.run('ipset', ['restore', '-exist'], { input: sets.map((n) => `destroy ${n}`).join('\n') + '\n' });
  if (r.code !== 0) throw commandFailed('ipset', 'destroy the NAT sets', r);
}
