import { PoolctlError } from '../base/errors.js';
import type { DesiredNftFamily } from './desired.js';
import { commandFailed, type HostExec } from './host-exec.js';
import { addedCount, type Change } from './plan.js';

/**
 * nftScript is the nft -f input that replaces the tables of the changed families in one
 * transaction: `add table` (so that the delete cannot fail on a missing table), `delete table`,
 * then the rendered table. Families without changes are not touched (their counters stay).
 */
export function nftScript(desired: readonly DesiredNftFamily[], changes: readonly Change[], check = false): string {
  const changed = new Set(changes.map((c) => c.family));
  const out: string[] = [];
  for (const d of desired) {
    if (!changed.has(d.family)) continue;
    const table = check ? d.checkScript() : d.script();
    out.push(`add table ${d.tableFamily} ${d.tableName}`, `delete table ${d.tableFamily} ${d.tableName}`, table.trimEnd());
  }
  return out.join('\n') + '\n';
}

/**
 * applyNftables checks the tables with `nft -c` (a real check on this backend, unlike
 * `iptables-restore --test`): chains, rules and set types, with the sets left empty, because
 * checking 150,000 elements costs as much as loading them and the elements (canonical,
 * merged prefixes) are checked by the load anyway. The full script is rendered while nft
 * checks. Then one `nft -f` loads everything, an atomic transaction: when either fails the
 * previous tables are in place.
 */
export async function applyNftables(exec: HostExec, desired: readonly DesiredNftFamily[], changes: readonly Change[]): Promise<void> {
  const checking = exec.run('nft', ['-c', '-f', '-'], { input: nftScript(desired, changes, true) });
  const script = nftScript(desired, changes); // rendered while nft checks
  const check = await checking;
  if (check.code !== 0) throw unchanged(commandFailed('nft', 'check the nftables ruleset (nft -c)', check));
  const loading = exec.run('nft', ['-f', '-'], { input: script });
  // new sets' member counts, for the summary, are worked out while nft loads
  for (const c of changes) if (c.kind === 'set') addedCount(c);
  const load = await loading;
  if (load.code !== 0) throw unchanged(commandFailed('nft', 'load the nftables ruleset', load));
}

function unchanged(e: PoolctlError): PoolctlError {
  return new PoolctlError(e.code, `${e.message}\nthe transaction was not committed: the previous ruleset is in place`);
}
