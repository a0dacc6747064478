import type { DesiredIptFamily } from './desired.js';
import { familyLabel } from './desired.js';
import { commandFailed, type HostExec } from './host-exec.js';
import { rulesInput } from './apply-iptables.js';
import type { IncrementalPlan } from './incremental.js';
import type { IptablesTools } from './iptables-flavour.js';
import { NFT_TABLE, nftFamily } from '../render/nftables.js';

/** NFT_ELEMENTS_PER_LINE bounds one add/delete element statement (nft reads a long one fine; this keeps lines short). */
const NFT_ELEMENTS_PER_LINE = 1000;

/**
 * applyIncremental writes an incremental plan (incremental.ts):
 *   - iptables: one `ipset restore -exist` with a `del` / `add` line per member that goes or
 *     comes (-exist: a member already there, or already gone, is no error, so that a write
 *     repeated after a crash still applies), then, only when a chain's rules changed, one
 *     `iptables-restore --noflush` per family that redeclares (flushes) and refills exactly
 *     those chains, one transaction each (the same input as nat apply: rulesInput), with the
 *     iptables-restore of the flavour the last full sync used (tools);
 *   - nftables: one `nft -f` transaction with `delete element` / `add element` statements and,
 *     for a chain whose rules changed, `flush chain` and its rules: all or nothing.
 * A failure throws (HOST_COMMAND_FAILED); the kernel may then hold part of an iptables write,
 * and the caller plans against the live kernel to put it right.
 */
export async function applyIncremental(exec: HostExec, plan: IncrementalPlan, tools: IptablesTools | null): Promise<void> {
  if (plan.next.backend === 'nftables') {
    if (!plan.sets.length && !plan.chains.length) return;
    const r = await exec.run('nft', ['-f', '-'], { input: nftInput(plan) });
    if (r.code !== 0) throw commandFailed('nft', 'load the changes (nothing was changed)', r);
    return;
  }
  if (plan.sets.length) {
    const r = await exec.run('ipset', ['restore', '-exist'], { input: ipsetInput(plan) });
    if (r.code !== 0) throw commandFailed('ipset', 'change the set members', r);
  }
  for (const d of plan.next.families as readonly DesiredIptFamily[]) {
    const input = rulesInput(d, plan.chains.filter((c) => c.family === d.family));
    if (!input) continue;
    const tool = tools?.restore.get(d.family);
    if (tool === undefined) throw new Error(`applyIncremental: no iptables-restore for IPv${d.family}`);
    const r = await exec.run(tool, ['--noflush'], { input });
    if (r.code !== 0) throw commandFailed(tool, `replace the ${familyLabel(d.family)} nat chains`, r);
  }
}

/** ipsetInput is the `ipset restore` input of the member changes: removals first, per set. */
function* ipsetInput(plan: IncrementalPlan): Generator<string> {
  for (const s of plan.sets) {
    let out = '';
    for (const m of s.remove) out += `del ${s.name} ${m}\n`;
    for (const m of s.add) out += `add ${s.name} ${m}\n`;
    yield out;
  }
}

/** nftStatements writes `<verb> element <fam> calico <set> { ... }` lines for the elements, NFT_ELEMENTS_PER_LINE at a time. */
function nftStatements(out: string[], verb: 'add' | 'delete', table: string, set: string, elements: readonly string[]): void {
  for (let i = 0; i < elements.length; i += NFT_ELEMENTS_PER_LINE) {
    out.push(`${verb} element ${table} ${set} { ${elements.slice(i, i + NFT_ELEMENTS_PER_LINE).join(', ')} }`);
  }
}

/** nftInput is the nft -f script of the plan: element deletions, additions, then the chains to replace. */
export function nftInput(plan: IncrementalPlan): string {
  const out: string[] = [];
  const table = (f: 4 | 6): string => `${nftFamily(f)} ${NFT_TABLE}`;
  for (const s of plan.sets) nftStatements(out, 'delete', table(s.family), s.name, s.remove);
  for (const s of plan.sets) nftStatements(out, 'add', table(s.family), s.name, s.add);
  for (const c of plan.chains) {
    const fam = plan.next.families.find((f) => f.family === c.family);
    const want = fam && 'tableName' in fam ? fam.chains.find((x) => x.name === c.name) : undefined;
    if (!want) throw new Error(`nftInput: no desired chain ${c.name}`);
    out.push(`flush chain ${table(c.family)} ${c.name}`);
    for (const line of want.lines) out.push(`add rule ${table(c.family)} ${c.name} ${line}`);
  }
  return out.join('\n') + '\n';
}
