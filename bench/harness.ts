import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ROOT is the project root; BIN the built CLI the benchmarks run. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(ROOT, 'bin', 'poolctl.js');

/** median returns the median of a list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** timeSpawn runs a command `runs` times (after one warm-up) and returns each wall time in ms. */
export function timeSpawn(cmd: string, args: readonly string[], runs: number, opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): number[] {
  spawnSync(cmd, [...args], { stdio: ['pipe', 'ignore', 'ignore'], input: opts.input ?? '', env: opts.env ?? process.env });
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    spawnSync(cmd, [...args], { stdio: ['pipe', 'ignore', 'ignore'], input: opts.input ?? '', env: opts.env ?? process.env });
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

/** timeIt returns the wall time of fn in ms. */
export async function timeIt(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
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
