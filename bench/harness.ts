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

/** row prints one result line: name, figure, and a ratio against a baseline when given. */
export function row(name: string, figure: string, ratio?: { value: number; against: string; target?: string }): void {
  const r = ratio ? `  ${ratio.value.toFixed(2)}x ${ratio.against}${ratio.target ? ` (target ${ratio.target})` : ''}` : '';
  console.log(`  ${name.padEnd(52)} ${figure.padStart(16)}${r}`);
}

/** section prints a heading. */
export function section(title: string): void {
  console.log(`\n## ${title}`);
}
