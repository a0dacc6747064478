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
 * any step leaves the previous ruleset in place (few processes: each spawn costs ~10 ms). The
 * caller holds the host lock (host-lock.ts), so no other apply creates temporary sets meanwhile.
 *
 *   1. sets     one `ipset restore`, its input streamed as it is made: a set that does not
 *               exist yet is created and filled under its own name (no rule uses it yet); an
 *               existing set is built complete as a temporary set (cali4t<n>/cali6t<n>, like
 *               Felix) and swapped with it, the temporary keeping the old members. ipset stops
 *               at the first failing line ("Error in line N"): a failure while filling
 *               touched no set in use (the new ones are destroyed); a failure among the swaps
 *               undoes the swaps before it.
 *      1b.      a set of ours that exists with another type (no swap can change a type) is
 *               replaced without a moment without NAT: its new content is filled as a
 *               temporary set (in step 1), poolctl's chains that use the set are pointed at the
 *               temporary (one iptables-restore per family), the old set, now unused, is
 *               destroyed and created again with the right type and members, and step 2 points
 *               the chains back. The plan allows this only when no other rule uses the set.
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
  const setChanges = changes.filter((c): c is SetChange => c.kind === 'set' && (c.op === 'create' || c.op === 'update'));
  const replaced = changes.filter((c): c is SetChange => c.kind === 'set' && c.op === 'replace');
  const stale = changes.filter((c): c is SetChange => c.kind === 'set' && c.op === 'delete').map((c) => c.name);
  const wantSets = new Map(desired.flatMap((d) => d.sets.map((s) => [s.name, s] as const)));

  // 1. sets
  const temps = new Map<string, string>(); // main -> temp, for the sets that exist
  const bridges = new Map<string, string>(); // main -> temp holding its new content, for the sets replaced
  const used = new Set(live.sets.keys());
  const tempFor = (family: Family): string => {
    let n = 0;
    while (used.has(ipsetTempName(family, n))) n++;
    used.add(ipsetTempName(family, n));
    return ipsetTempName(family, n);
  };
  for (const c of setChanges) if (live.sets.has(c.name)) temps.set(c.name, tempFor(c.family));
  for (const c of replaced) bridges.set(c.name, tempFor(c.family));
  const swapped: string[] = [];
  const created: string[] = [];
  if (setChanges.length || replaced.length) {
    // what each line does, to know what happened before a failing one
    const steps: { line: number; created?: string; swapped?: string }[] = [];
    let line = 0;
    for (const c of setChanges) {
      if (!temps.has(c.name)) steps.push({ line: line + 1, created: c.name });
      line += 1 + wantSets.get(c.name)!.members.length;
    }
    for (const c of replaced) line += 1 + wantSets.get(c.name)!.members.length;
    const filled = line;
    for (const main of temps.keys()) steps.push({ line: ++line, swapped: main });
    const r = await exec.run('ipset', ['restore'], { input: setInput([...setChanges, ...replaced], wantSets, new Map([...temps, ...bridges]), temps) });
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
        await destroySets(exec, [...created, ...temps.values(), ...bridges.values()]);
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
    problems.push(...(await destroySets(exec, [...created, ...temps.values(), ...bridges.values()])));
    return problems;
  }

  // 1b. sets replaced: our chains onto the temporaries, then the sets destroyed and made again
  const bridged = new Map<Family, string[]>(); // family -> our chains pointed at a temporary
  const rulesRestored = async (families: Iterable<Family>): Promise<string[]> => {
    const problems: string[] = [];
    for (const f of families) problems.push(...(await restoreRules(exec, f, live, changes, bridged.get(f) ?? [])));
    return problems;
  };
  if (replaced.length) {
    for (const d of desired) {
      const names = replaced.filter((c) => c.family === d.family).map((c) => c.name);
      const nat = live.nat.get(d.family) ?? null;
      const chains = d.chains.filter((ch) => nat?.chains.get(ch.name)?.rules.some((r) => names.some((n) => r.spec.includes(`--match-set ${n} `))));
      if (!chains.length) continue;
      const input = ['*nat', ...chains.map((ch) => `:${ch.name} - [0:0]`), ...chains.flatMap((ch) => ch.lines.map((l) => bridgeLine(l, bridges))), 'COMMIT', ''];
      const tool = restoreTool(live, d.family);
      const r = await exec.run(tool, ['--noflush'], { input: input.join('\n') });
      if (r.code !== 0) {
        const problems = [...(await rulesRestored(bridged.keys())), ...(await undoSets())];
        throw withRollback(commandFailed(tool, `move the ${familyLabel(d.family)} nat rules off the ipsets to replace`, r), problems);
      }
      bridged.set(d.family, chains.map((ch) => ch.name));
    }
    for (const c of replaced) {
      const s = wantSets.get(c.name)!;
      const r = await exec.run('ipset', ['restore'], { input: replaceInput(s) });
      if (r.code !== 0) {
        const problems = [...(await rulesRestored(bridged.keys())), ...(await undoSets())];
        const failed = Number(/Error in line (\d+)/.exec(r.stderr)?.[1] ?? 0);
        if (failed !== 1) problems.push(`ipset ${c.name} was destroyed and may not hold all its members: run 'poolctl nat apply' again`);
        throw withRollback(commandFailed('ipset', `replace ipset ${c.name} with a ${s.type} set (is a rule poolctl does not own using it?)`, r), problems);
      }
    }
  }

  // 2. rules
  const written: Family[] = [];
  for (const d of desired) {
    const input = rulesInput(d, changes, bridged.get(d.family));
    if (!input) continue;
    const tool = restoreTool(live, d.family);
    const r = await exec.run(tool, ['--noflush'], { input });
    if (r.code !== 0) {
      const problems = await rulesRestored(new Set([...written.reverse(), ...bridged.keys()]));
      problems.push(...(await undoSets()));
      throw withRollback(commandFailed(tool, `load the ${familyLabel(d.family)} nat rules`, r), problems);
    }
    written.push(d.family);
  }

  // 3. cleanup (sets of another configuration and temporaries left by a killed apply go now
  // that no rule of ours uses them)
  const left = await destroySets(exec, [...temps.values(), ...bridges.values(), ...stale]);
  if (left.length) throw new PoolctlError('HOST_COMMAND_FAILED', `the ruleset is in place, but ${left.join('; ')}`);
}

/** bridgeLine points a rule line at the temporaries standing in for sets being replaced. */
function bridgeLine(line: string, bridges: ReadonlyMap<string, string>): string {
  let out = line;
  for (const [main, temp] of bridges) out = out.split(`--match-set ${main} `).join(`--match-set ${temp} `);
  return out;
}

/** replaceInput is the ipset restore input that destroys a set (no rule may use it) and creates it again, filled. */
function replaceInput(s: DesiredIpset): Iterable<Uint8Array> {
  const out = new TextBuffer(1 << 16);
  out.line(`destroy ${s.name}`).line(s.create);
  const lead = chunk(`add ${s.name} `);
  for (const m of s.members) out.chunk(lead).prefix(m).byte(10);
  return [out.take()];
}

/**
 * setInput yields step 1's restore input in chunks of about 64 KiB: per changed set, its create
 * line (under the main name for a new set, the temporary's in `targets` for an existing or
 * replaced one) and its members; then the swaps (of `swaps`). Members are written as bytes
 * straight from the desired set (no string each), each chunk made while ipset works through
 * the ones before.
 */
function* setInput(
  setChanges: readonly SetChange[],
  wantSets: ReadonlyMap<string, DesiredIpset>,
  targets: ReadonlyMap<string, string>,
  swaps: ReadonlyMap<string, string>,
): Generator<Uint8Array> {
  const CHUNK = 1 << 16;
  const out = new TextBuffer(CHUNK + 256);
  for (const c of setChanges) {
    const s = wantSets.get(c.name)!;
    const target = targets.get(c.name) ?? c.name;
    out.line(target === c.name ? s.create : ipsetCreateLine(target, c.family));
    const lead = chunk(`add ${target} `);
    for (const m of s.members) {
      out.chunk(lead).prefix(m).byte(10);
      if (out.length >= CHUNK) yield out.take();
    }
  }
  for (const [main, temp] of swaps) out.line(`swap ${main} ${temp}`);
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

/** insertLine turns an `-A CHAIN spec` line into the `-I CHAIN n spec` that puts the rule back at position n. */
function insertLine(line: string, n: number): string {
  return line.replace(/^-A (\S+)/, `-I $1 ${n}`);
}

/**
 * rulesInput is the iptables-restore --noflush input for one family's chain and jump changes,
 * or null when the family has none. Declaring a chain flushes it; other chains are untouched.
 * Jumps: deletes (and the old place of moved ones) first, then appends in the wanted order.
 * `also` names chains to rewrite besides the changed ones (those step 1b pointed elsewhere).
 */
export function rulesInput(desired: DesiredIptFamily, changes: readonly Change[], also: readonly string[] = []): string | null {
  const family = desired.family;
  const changed = changes.filter((c): c is ChainChange => c.kind === 'chain' && c.family === family && c.op !== 'delete').map((c) => c.name);
  const chains = [...new Set([...changed, ...also])];
  const jumps = changes.filter((c): c is JumpChange => c.kind === 'jump' && c.family === family);
  if (!chains.length && !jumps.length) return null;
  const out = ['*nat'];
  for (const c of chains) out.push(`:${c} - [0:0]`);
  for (const c of chains) out.push(...(desired.chains.find((d) => d.name === c)?.lines ?? []));
  for (const j of jumps) if (j.op === 'delete') out.push(deleteLine(j.line));
  for (const j of jumps) if (j.op === 'move') out.push(deleteLine(j.saved ?? j.line));
  for (const j of jumps) if (j.op === 'append' || j.op === 'move') out.push(j.line);
  out.push('COMMIT', '');
  return out.join('\n');
}

/** restoreRules puts one family's changed chains (and `also`) and jumps back as iptables-save showed them. */
async function restoreRules(exec: HostExec, family: Family, live: IptablesLive, changes: readonly Change[], also: readonly string[] = []): Promise<string[]> {
  const nat = live.nat.get(family) ?? null;
  const chains = [...new Set([...changes.filter((c): c is ChainChange => c.kind === 'chain' && c.family === family).map((c) => c.name), ...also])];
  const jumps = changes.filter((c): c is JumpChange => c.kind === 'jump' && c.family === family);
  const out = ['*nat'];
  for (const c of chains) out.push(`:${c} - [0:0]`);
  for (const j of jumps) if (j.op === 'append' || j.op === 'move') out.push(deleteLine(j.line));
  for (const j of jumps) if (j.op === 'delete') out.push(j.line);
  for (const j of jumps) if (j.op === 'move') out.push(insertLine(j.saved ?? j.line, j.position ?? 1));
  for (const c of chains) {
    const old = nat?.chains.get(c);
    if (old) for (const r of old.rules) out.push(savedLine(c, r.spec));
  }
  for (const c of chains) if (!nat?.chains.has(c)) out.push(`-X ${c}`);
  out.push('COMMIT', '');
  const tool = restoreTool(live, family);
  const r = await exec.run(tool, ['--noflush'], { input: out.join('\n') });
  return r.code === 0 ? [] : [`restore the ${familyLabel(family)} nat chains: ${r.stderr.trim()}`];
}
