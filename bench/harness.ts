import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ROOT is the project root; BIN the built CLI the benchmarks run: POOLCTL_BENCH_BIN (another
 * build, e.g. build/a/run.js, relative to the current directory or absolute), else bin/poolctl.js.
 */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = process.env.POOLCTL_BENCH_BIN ? resolve(process.env.POOLCTL_BENCH_BIN) : join(ROOT, 'bin', 'poolctl.js');

/** median returns the median of a list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** rng is a small deterministic generator (mulberry32), so that every run measures the same workload. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** nowMs is a monotonic clock in ms. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * compare measures two jobs alternately, run after run, so that machine noise hits both
 * alike: the best (least disturbed) wall time of each after a warm-up, and each job's result.
 */
export function compare(a: () => number, b: () => number, runs: number): { a: number; b: number; resultA: number; resultB: number } {
  let resultA = a();
  let resultB = b();
  let ta = Infinity;
  let tb = Infinity;
  for (let i = 0; i < runs; i++) {
    let t = nowMs();
    resultA = a();
    ta = Math.min(ta, nowMs() - t);
    t = nowMs();
    resultB = b();
    tb = Math.min(tb, nowMs() - t);
  }
  return { a: ta, b: tb, resultA, resultB };
}

/** row prints one result line: name, figure, and a ratio against a baseline when given. */
export function row(name: string, figure: string, ratio?: { value: number; against: string; target?: string }): void {
  const r = ratio ? `  ${ratio.value.toFixed(2)}x ${ratio.against}${ratio.target ? ` (target ${ratio.target})` : ''}` : '';
  console.log(`  ${name.padEnd(52)} ${figure.padStart(16)}${r}`);
}

/** section prints a heading. */
export function section(title: string): void {
  console.log(`\n## ${title}`);
}

/** childCpuMs is the CPU time of this process's finished children (cutime + cstime, Linux). */
export function childCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // fields after "(comm) ": state is field 3, cutime and cstime are fields 16 and 17
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
}
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;
