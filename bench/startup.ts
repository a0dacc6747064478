import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { states, yaml } from './diff-states.js';
import { BIN, median, ROOT, row, section } from './harness.js';

/** RUNS is the number of cold starts per command (after one warm-up each). */
const RUNS = Number(process.env.POOLCTL_BENCH_RUNS ?? 21);

/**
 * BASELINE_BIN is another build's CLI (POOLCTL_BENCH_BASELINE_BIN, e.g. /tmp/old/bin/poolctl.js
 * of a checkout of main built there) whose poolctl cases run in the same rounds, so that a
 * change is measured against what it replaces under the same machine load.
 */
const BASELINE_BIN = process.env.POOLCTL_BENCH_BASELINE_BIN ? resolve(process.env.POOLCTL_BENCH_BASELINE_BIN) : undefined;

/** MARKS is the preload that reports when a run's work begins and ends (bench/run-marks.cjs). */
const MARKS = join(ROOT, 'bench', 'run-marks.cjs');

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly target?: number;
  /** ok are the exit statuses of success (nat diff: 1, changes found). */
  readonly ok?: readonly number[];
  /** input: the run's fixed costs are measured around its work, from the first open of this file to its last output. */
  readonly input?: string;
}

/** Run is one cold start: wall time, and with an input the fixed costs before its work (start) and after its last output (end), in ms. */
interface Run {
  readonly wall: number;
  readonly start?: number;
  readonly end?: number;
}

function once(c: Case): Run {
  const t = process.hrtime.bigint();
  const args = c.input ? ['-r', MARKS, ...c.args] : c.args;
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...c.env, POOLCTL_BENCH_INPUT: c.input ?? '' }, cwd: ROOT });
  const gone = process.hrtime.bigint();
  const wall = Number(gone - t) / 1e6;
  if (!(c.ok ?? [0]).includes(r.status ?? -1)) throw new Error(`${c.name} exited ${r.status}: ${r.stderr.toString().trim().slice(0, 500)}`);
  if (!c.input) return { wall };
  const marks = JSON.parse(/^MARKS (.*)$/m.exec(r.stderr.toString())?.[1] ?? 'null') as { open?: string; lastWrite?: string; exit: string } | null;
  if (!marks?.open || !marks.lastWrite) throw new Error(`${c.name}: no marks of its work (${r.stderr.toString().trim().slice(0, 300)})`);
  return { wall, start: Number(BigInt(marks.open) - t) / 1e6, end: Number(gone - BigInt(marks.lastWrite)) / 1e6 };
}

/**
 * run: median wall time of cold starts of `node -e 0`, `poolctl version` and a single
 * `poolctl nat explain` (pools from a manifest, and from an embedded store), interleaved
 * round by round so that machine noise hits every case alike; ratios against `node -e 0`
 * with the targets (1.3x for version, 1.5x for explain). Then nat diff's fixed costs on
 * bench/diff.ts's inputs (two 10,000-pool files, 100 pools differ): the time from the spawn to
 * the first read of an input (start) plus the time from its last output to the process being
 * gone (end), less the whole run of `node -e 0` (with the same marks preload) of the same round,
 * the median over the rounds, target <= 40 ms;
 * the same for nat explain -f. The same for BASELINE_BIN when set.
 */
export async function run(): Promise<void> {
  section(`startup (${RUNS} cold starts each, median; CLI ${BIN})`);
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-bench-startup-'));
  try {
    const store = join(dir, 'store');
    const created = spawnSync(process.execPath, [BIN, 'create', '-f', 'examples/pools.yaml'], {
      cwd: ROOT,
      env: { ...process.env, POOLCTL_STORE: store },
    });
    if (created.status !== 0) throw new Error(`cannot fill the store: ${created.stderr.toString().trim()}`);
    const { before, after } = states();
    writeFileSync(join(dir, 'before.yaml'), yaml(before));
    writeFileSync(join(dir, 'after.yaml'), yaml(after));
    const explainF = ['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', 'examples/pools.yaml'];
    const poolctl = (bin: string, tag: string): Case[] => [
      { name: `poolctl version${tag}`, args: [bin, 'version'], target: 1.3 },
      { name: `poolctl nat explain (-f examples/pools.yaml)${tag}`, args: [bin, ...explainF], target: 1.5 },
      { name: `poolctl nat explain (embedded store)${tag}`, args: [bin, 'nat', 'explain', '10.244.1.5', '1.1.1.1'], env: { POOLCTL_STORE: store }, target: 1.5 },
    ];
    const fixed = (bin: string, tag: string): Case[] => [
      { name: `poolctl nat diff --from before.yaml --to after.yaml${tag}`, args: [bin, 'nat', 'diff', '--from', join(dir, 'before.yaml'), '--to', join(dir, 'after.yaml')], ok: [1], input: 'before.yaml' },
      { name: `poolctl nat explain (-f examples/pools.yaml)${tag}`, args: [bin, ...explainF], input: 'pools.yaml' },
    ];
    const bins: [string, string][] = [[BIN, ''], ...(BASELINE_BIN ? [[BASELINE_BIN, ' [baseline]'] as [string, string]] : [])];
    if (BASELINE_BIN) console.log(`  [baseline]: ${BASELINE_BIN}`);
    const node: Case = { name: 'node -e 0', args: ['-e', '0'] };
    const marked: Case = { name: 'node -r run-marks.cjs -e 0', args: ['-r', MARKS, '-e', '0'] };
    const cases: Case[] = [node, ...bins.flatMap(([b, t]) => poolctl(b, t)), marked, ...bins.flatMap(([b, t]) => fixed(b, t))];
    const runs = cases.map(() => [] as Run[]);
    cases.forEach((c) => once(c));
    for (let i = 0; i < RUNS; i++) cases.forEach((c, k) => runs[k]!.push(once(c)));
    const walls = runs.map((r) => median(r.map((x) => x.wall)));
    const base = walls[0]!;
    cases.forEach((c, k) => {
      if (c.input || c === marked) return;
      row(c.name, `${walls[k]!.toFixed(1)} ms`, k === 0 ? undefined : { value: walls[k]! / base, against: 'node -e 0', ...(c.target ? { target: `<= ${c.target}x` } : {}) });
    });
    const markedRuns = runs[cases.indexOf(marked)]!;
    console.log(
      `  fixed costs: spawn to the first read of the input + last output to the process gone, less node -e 0 of the same round (median of the rounds; node -e 0 with the marks preload ${walls[cases.indexOf(marked)]!.toFixed(1)} ms)`,
    );
    cases.forEach((c, k) => {
      if (!c.input) return;
      const above = median(runs[k]!.map((x, i) => x.start! + x.end! - markedRuns[i]!.wall));
      const start = median(runs[k]!.map((x) => x.start!));
      const end = median(runs[k]!.map((x) => x.end!));
      row(c.name, `${above.toFixed(1)} ms`, c.ok?.includes(1) ? { value: above / 40, against: '40 ms', target: '<= 1x' } : undefined);
      row('  start / end / wall (medians)', `${start.toFixed(1)} / ${end.toFixed(1)} / ${walls[k]!.toFixed(1)} ms`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
