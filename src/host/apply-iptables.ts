import { PoolctlError } from '../base/errors.js';
import type { Family } from '../core/index.js';
import { ipsetCreateLine, ipsetTempName } from '../render/ipset.js';
import { chunk, TextBuffer } from '../render/text-buffer.js';
import { familyLabel, type DesiredIptFamily, type DesiredIpset } from './desired.js';
import { commandFailed, type HostExec } from './host-exec.js';
import { restoreTool, type IptablesLive } from './live-state.js';
import { savedLine, type Change, type ChainChange, type JumpChange, type SetChange } from './plan.js';

/**
 * applyIptables makes the planned changes with ipset and iptables-restore so that a failure at
 * any step leaves the previous ruleset in place (few processes: each spawn costs ~10 ms):
 *
 *   1. sets     one `ipset restore`, its input streamed as it is made: a set that does not
 *               exist yet is created and filled under its own name (no rule uses it yet); an
 *               existing set is built complete as a temporary set (cali4t<n>/cali6t<n>, like
 *               Felix) and swapped with it, the temporary keeping the old members. ipset stops
 *               at the first failing line ("Error in line N"): a failure while filling
 *               touched no set in use (the new ones are destroyed); a failure among the swaps
 *               undoes the swaps before it.
 *   2. rules    one `iptables-restore --noflush` per family, one transaction each, that
 *               redeclares (flushes) and refills only the changed cali- chains and appends the
 *               POSTROUTING jump only when it is not already there (iptables-restore would
 *               append a second copy: notes/measurements.md). Failure: restore the saved
 *               chains of families already written, swap the sets back, destroy the sets
 *               step 1 created.
 *   3. cleanup  one `ipset restore` destroying the temporaries and left-over NAT sets of
 *               another configuration (e.g. the other pool-set name); none when every changed
 *               set was new and nothing is left over.
 */
export async function applyIptables(
  exec: HostExec,
  desired: readonly DesiredIptFamily[],
  live: IptablesLive,
  changes: readonly Change[],
): Promise<void> {
  const setChanges = changes.filter((c): c is SetChange => c.kind === 'set' && c.op !== 'delete');
  const stale = changes.filter((c): c is SetChange => c.kind === 'set' && c.op === 'delete').map((c) => c.name);
  const wantSets = new Map(desired.flatMap((d) => d.sets.map((s) => [s.name, s] as const)));

  // 1. sets
  const temps = new Map<string, string>(); // main -> temp, for the sets that exist
  const used = new Set(live.sets.keys());
  for (const c of setChanges) {
    if (!live.sets.has(c.name)) continue;
    let n = 0;
    while (used.has(ipsetTempName(c.family, n))) n++;
    used.add(ipsetTempName(c.family, n));
    temps.set(c.name, ipsetTempName(c.family, n));
  }
  const swapped: string[] = [];
  const created: string[] = [];
  if (setChanges.length) {
    // what each line does, to know what happened before a failing one
    const steps: { line: number; created?: string; swapped?: string }[] = [];
    let line = 0;
    for (const c of setChanges) {
      if (!temps.has(c.name)) steps.push({ line: line + 1, created: c.name });
      line += 1 + wantSets.get(c.name)!.members.length;
    }
    const filled = line;
    for (const main of temps.keys()) steps.push({ line: ++line, swapped: main });
    const r = await exec.run('ipset', ['restore'], { input: setInput(setChanges, wantSets, temps) });
    const done = (failed: number): void => {
      for (const st of steps) {
        if (failed > 0 && st.line >= failed) break;
        if (st.created) created.push(st.created);
        if (st.swapped) swapped.push(st.swapped);
      }
    };
    if (r.code !== 0) {
      const failed = Number(/Error in line (\d+)/.exec(r.stderr)?.[1] ?? 0);
      if (failed > 0 && failed <= filled) {
        done(failed);
        await destroySets(exec, [...created, ...temps.values()]);
        throw commandFailed('ipset', 'fill the new ipsets (nothing was changed)', r);
      }
      if (failed > 0) done(failed);
      const problems = failed === 0 ? ['ipset did not say which line failed; some sets may hold the new members'] : [];
      throw withRollback(commandFailed('ipset', 'swap the new ipsets into place', r), [...problems, ...(await undoSets())]);
    }
    done(0);
  }

  /** undoSets swaps the swapped sets back and destroys created sets and the temporaries. */
  async function undoSets(): Promise<string[]> {
    const lines = [...swapped].reverse().map((main) => `swap ${main} ${temps.get(main)!}`);
    const problems: string[] = [];
    if (lines.length) {
      const r = await exec.run('ipset', ['restore'], { input: lines.join('\n') + '\n' });
      if (r.code !== 0) problems.push(`swap the ipsets back: ${r.stderr.trim()}`);
    }
    problems.push(...(await destroySets(exec, [...created, ...temps.values()])));
    return problems;
  }

  // 2. rules
  const written: Family[] = [];
  for (const d of desired) {
    const input = rulesInput(d, changes);
    if (!input) continue;
    const tool = restoreTool(d.family);
    const r = await exec.run(tool, ['--noflush'], { input });
    if (r.code !== 0) {
      const problems: string[] = [];
      for (const f of written.reverse()) problems.push(...(await restoreRules(exec, f, live, changes)));
      problems.push(...(await undoSets()));
      throw withRollback(commandFailed(tool, `load the ${familyLabel(d.family)} nat rules`, r), problems);
    }
    written.push(d.family);
  }

  // 3. cleanup (sets of another configuration go now that no rule of ours uses them)
  const left = await destroySets(exec, [...temps.values(), ...stale]);
  if (left.length) throw new PoolctlError('HOST_COMMAND_FAILED', `the ruleset is in place, but ${left.join('; ')}`);
}

/**
 * setInput yields step 1's restore input in chunks of about 64 KiB: per changed set, its create
 * line (under the main name for a new set, the temporary's for an existing one) and its
 * members; then the swaps. Members are written as bytes straight from the desired set (no
 * string each), each chunk made while ipset works through the ones before.
 */
function* setInput(setChanges: readonly SetChange[], wantSets: ReadonlyMap<string, DesiredIpset>, temps: ReadonlyMap<string, string>): Generator<Uint8Array> {
  const CHUNK = 1 << 16;
  const out = new TextBuffer(CHUNK + 256);
  for (const c of setChanges) {
    const s = wantSets.get(c.name)!;
    const target = temps.get(c.name) ?? c.name;
    out.line(target === c.name ? s.create : ipsetCreateLine(target, c.family));
    const lead = chunk(`add ${target} `);
    for (const m of s.members) {
      out.chunk(lead).prefix(m).byte(10);
      if (out.length >= CHUNK) yield out.take();
    }
  }
  for (const [main, temp] of temps) out.line(`swap ${main} ${temp}`);
  if (out.length) yield out.take();
}

/** destroySets destroys sets in one `ipset restore`, going on past sets that do not exist. */
async function destroySets(exec: HostExec, names: readonly string[]): Promise<string[]> {
  if (!names.length) return [];
  const r = await exec.run('ipset', ['restore', '-exist'], { input: names.map((n) => `destroy ${n}`).join('\n') + '\n' });
  return r.code === 0 ? [] : [`destroy ${names.join(', ')}: ${r.stderr.trim()}`];
}

function withRollback(e: unknown, problems: readonly string[]): unknown {
  if (!(e instanceof PoolctlError)) return e;
  const tail = problems.length
    ? `\nrolling back was incomplete, check with 'poolctl nat status':\n  ${problems.join('\n  ')}`
    : '\nthe previous ruleset is in place';
  return new PoolctlError(e.code, `${e.message}${tail}`);
}

/** deleteLine turns an `-A CHAIN spec` line into the `-D CHAIN spec` that removes that rule. */
function deleteLine(line: string): string {
  return line.replace(/^-A /, '-D ');
}

/**
 * rulesInput is the iptables-restore --noflush input for one family's chain and jump changes,
 * or null when the family has none. Declaring a chain flushes it; other chains are untouched.
 */
export function rulesInput(desired: DesiredIptFamily, changes: readonly Change[]): string | null {
  const family = desired.family;
  const chains = changes.filter((c): c is ChainChange => c.kind === 'chain' && c.family === family && c.op !== 'delete');
  const jumps = changes.filter((c): c is JumpChange => c.kind === 'jump' && c.family === family);
  if (!chains.length && !jumps.length) return null;
  const out = ['*nat'];
  for (const c of chains) out.push(`:${c.name} - [0:0]`);
  for (const c of chains) out.push(...(desired.chains.find((d) => d.name === c.name)?.lines ?? []));
  for (const j of jumps) if (j.op === 'delete') out.push(deleteLine(j.line));
  for (const j of jumps) if (j.op === 'append') out.push(j.line);
  out.push('COMMIT', '');
  return out.join('\n');
}

/** restoreRules puts one family's changed chains and jumps back as iptables-save showed them. */
async function restoreRules(exec: HostExec, family: Family, live: IptablesLive, changes: readonly Change[]): Promise<string[]> {
  const nat = live.nat.get(family) ?? null;
  const chains = changes.filter((c): c is ChainChange => c.kind === 'chain' && c.family === family);
  const jumps = changes.filter((c): c is JumpChange => c.kind === 'jump' && c.family === family);
  const out = ['*nat'];
  for (const c of chains) out.push(`:${c.name} - [0:0]`);
  for (const j of jumps) out.push(j.op === 'append' ? deleteLine(j.line) : j.line);
  for (const c of chains) {
    const old = nat?.chains.get(c.name);
    if (old) for (const r of old.rules) out.push(savedLine(c.name, r.spec));
  }
  for (const c of chains) if (!nat?.chains.has(c.name)) out.push(`-X ${c.name}`);
  out.push('COMMIT', '');
  const tool = restoreTool(family);
  const r = await exec.run(tool, ['--noflush'], { input: out.join('\n') });
  return r.code === 0 ? [] : [`restore the ${familyLabel(family)} nat chains: ${r.stderr.trim()}`];
}
