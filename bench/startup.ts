import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BIN, median, ROOT, row, section } from './harness.js';

/** RUNS is the number of cold starts per command (after one warm-up each). */
const RUNS = Number(process.env.POOLCTL_BENCH_RUNS ?? 21);

/**
 * BASELINE_BIN is another build's CLI (POOLCTL_BENCH_BASELINE_BIN, e.g. /tmp/old/bin/poolctl.js
 * of a checkout of main built there) whose poolctl cases run in the same rounds, so that a
 * change is measured against what it replaces under the same machine load.
 */
const BASELINE_BIN = process.env.POOLCTL_BENCH_BASELINE_BIN ? resolve(process.env.POOLCTL_BENCH_BASELINE_BIN) : undefined;


interface Case {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly target?: number;
}

function once(c: Case): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...c.args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...c.env }, cwd: ROOT });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr.toString().trim()}`);
  return ms;
}

/**
 * run: median wall time of cold starts of `node -e 0`, `poolctl version` and a single
 * `poolctl nat explain` (pools from a manifest, and from an embedded store), interleaved
 * round by round so that machine noise hits every case alike; ratios against `node -e 0`
 * with the targets (1.3x for version, 1.5x for explain); and the same for BASELINE_BIN when set.
 */
export async function run(): Promise<void> {
  section(`startup (${RUNS} cold starts each, median; CLI ${BIN})`);
  const store = mkdtempSync(join(tmpdir(), 'poolctl-bench-startup-'));
  try {
    const created = spawnSync(process.execPath, [BIN, 'create', '-f', 'examples/pools.yaml'], {
      cwd: ROOT,
      env: { ...process.env, POOLCTL_STORE: store },
    });
    if (created.status !== 0) throw new Error(`cannot fill the store: ${created.stderr.toString().trim()}`);
    const poolctl = (bin: string, tag: string): Case[] => [
      { name: `poolctl version${tag}`, args: [bin, 'version'], target: 1.3 },
      { name: `poolctl nat explain (-f examples/pools.yaml)${tag}`, args: [bin, 'nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', 'examples/pools.yaml'], target: 1.5 },
      { name: `poolctl nat explain (embedded store)${tag}`, args: [bin, 'nat', 'explain', '10.244.1.5', '1.1.1.1'], env: { POOLCTL_STORE: store }, target: 1.5 },
    ];
    const cases: Case[] = [{ name: 'node -e 0', args: ['-e', '0'] }, ...poolctl(BIN, ''), ...(BASELINE_BIN ? poolctl(BASELINE_BIN, ' [baseline]') : [])];
    if (BASELINE_BIN) console.log(`  [baseline]: ${BASELINE_BIN}`);
    const times = cases.map(() => [] as number[]);
    cases.forEach((c) => once(c));
    for (let i = 0; i < RUNS; i++) cases.forEach((c, k) => times[k]!.push(once(c)));
    const base = median(times[0]!);
    cases.forEach((c, k) => {
      const m = median(times[k]!);
      row(c.name, `${m.toFixed(1)} ms`, k === 0 ? undefined : { value: m / base, against: 'node -e 0', ...(c.target ? { target: `<= ${c.target}x` } : {}) });
    });
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}
