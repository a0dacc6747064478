import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  containsAddr,
  formatIPv6Value,
  parseAddr,
  parsePrefix,
  type Addr,
  type Prefix,
} from '../src/core/index.js';
import { BIN, rng, row, section } from './harness.js';

const POOLS = 10_000;
const FLOWS = Number(process.env.POOLCTL_BENCH_FLOWS ?? 1_000_000);
/** BASELINE_SAMPLE is how many flows the naive linear scan decides. */
const BASELINE_SAMPLE = 2_000;

interface Workload {
  readonly cidrs: string[];
  readonly nat: boolean[];
  readonly flows: string[];
}

/**
 * workload4: 10,000 IPv4 /24 pools inside 10.0.0.0/8 (every other one natOutgoing), and flows
 * from pool addresses to the internet, to other pools and from outside any pool.
 */
function workload4(): Workload {
  const r = rng(4);
  const cidrs: string[] = [];
  const nat: boolean[] = [];
  for (let i = 0; i < POOLS; i++) {
    cidrs.push(`10.${(i >> 8) & 255}.${i & 255}.0/24`);
    nat.push(i % 2 === 0);
  }
  const pod = (): string => {
    const i = Math.floor(r() * POOLS);
    return `10.${(i >> 8) & 255}.${i & 255}.${1 + Math.floor(r() * 254)}`;
  };
  const any = (): string => `${1 + Math.floor(r() * 222)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
  const flows: string[] = [];
  for (let i = 0; i < FLOWS; i++) flows.push(`${r() < 0.9 ? pod() : any()} ${r() < 0.5 ? any() : pod()}`);
  return { cidrs, nat, flows };
}

/** workload6: the same shape for IPv6: 10,000 /64 pools inside fd00:10::/32. */
function workload6(): Workload {
  const r = rng(6);
  const cidrs: string[] = [];
  const nat: boolean[] = [];
  for (let i = 0; i < POOLS; i++) {
    cidrs.push(`fd00:10:${i.toString(16)}::/64`);
    nat.push(i % 2 === 0);
  }
  const hex = (): string => Math.floor(r() * 65536).toString(16);
  const pod = (): string => `fd00:10:${Math.floor(r() * POOLS).toString(16)}::${hex()}:${hex()}`;
  const any = (): string => formatIPv6Value((0x2001n << 112n) | (BigInt(Math.floor(r() * 2 ** 48)) << 64n) | BigInt(Math.floor(r() * 2 ** 32)));
  const flows: string[] = [];
  for (let i = 0; i < FLOWS; i++) flows.push(`${r() < 0.9 ? pod() : any()} ${r() < 0.5 ? any() : pod()}`);
  return { cidrs, nat, flows };
}

function poolsYaml(w: Workload, family: 4 | 6): string {
  return w.cidrs
    .map(
      (cidr, i) =>
        `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pool-v${family}-${i}\nspec:\n  cidr: ${cidr}\n  blockSize: ${family === 4 ? 26 : 122}\n  natOutgoing: ${w.nat[i]}\n`,
    )
    .join('---\n');
}

/**
 * naiveDecide is the baseline: Felix's predicate as a linear scan over the pools with the
 * bigint value types (what a straightforward implementation does per flow).
 */
function naiveDecide(pools: readonly { prefix: Prefix; nat: boolean }[], src: Addr, dst: Addr): boolean {
  const srcMasq = pools.some((p) => p.nat && containsAddr(p.prefix, src));
  return srcMasq && !pools.some((p) => containsAddr(p.prefix, dst));
}

function baselineFlowsPerSecond(w: Workload): number {
  const pools = w.cidrs.map((c, i) => {
    const p = parsePrefix(c);
    if (!p.ok) throw new Error(c);
    return { prefix: p.value.prefix, nat: w.nat[i]! };
  });
  const t = process.hrtime.bigint();
  let n = 0;
  for (const line of w.flows.slice(0, BASELINE_SAMPLE)) {
    const [s, d] = line.split(' ');
    const src = parseAddr(s!);
    const dst = parseAddr(d!);
    if (!src.ok || !dst.ok) throw new Error(line);
    if (naiveDecide(pools, src.value, dst.value)) n++;
  }
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  return (BASELINE_SAMPLE / secs) * (n >= 0 ? 1 : 0);
}

/**
 * calibration returns bare binary searches per second over 10,000 sorted Uint32 values: a
 * figure to compare with notes/measurements.md (~50M/s on this machine kind when idle), so a
 * loaded machine shows in the results.
 */
function calibration(): number {
  const n = 10_000;
  const a = Uint32Array.from({ length: n }, (_, i) => i * 1000);
  const r = rng(1);
  const qs = Uint32Array.from({ length: 2_000_000 }, () => Math.floor(r() * n * 1000));
  const t = process.hrtime.bigint();
  let x = 0;
  for (const v of qs) {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (a[m]! < v) lo = m + 1;
      else hi = m;
    }
    x += lo;
  }
  return (qs.length / (Number(process.hrtime.bigint() - t) / 1e9)) * (x >= 0 ? 1 : 0);
}

function runCli(dir: string, family: 4 | 6, flows = `flows${family}.txt`): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, 'nat', 'explain', '--flows', join(dir, flows), '-f', join(dir, `pools${family}.yaml`), '-o', 'csv'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`nat explain exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
  return secs;
}

/**
 * run: `nat explain --flows FILE -o csv > /dev/null` over 1,000,000 flows with 10,000 pools,
 * IPv4 and IPv6, end to end (start-up and reading the pools included); flows/s against the
 * targets (1,000,000/s IPv4, 300,000/s IPv6) and against a naive linear scan over the pools
 * measured in this run on a sample. The same command on an empty flow list splits the time
 * into start-up with the pools, and the flows.
 */
export async function run(): Promise<void> {
  section(`explain (--flows, ${FLOWS.toLocaleString('en')} flows, ${POOLS.toLocaleString('en')} pools, -o csv > /dev/null; CLI ${BIN})`);
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-bench-explain-'));
  const searches = Math.max(calibration(), calibration());
  row('machine: bare binary search, 10,000 ranges', `${(searches / 1e6).toFixed(1)} M/s`, {
    value: searches / 50e6,
    against: '~50M/s idle (notes/measurements.md)',
  });
  try {
    for (const [family, target, make] of [
      [4, 1_000_000, workload4],
      [6, 300_000, workload6],
    ] as const) {
      const w = make();
      writeFileSync(join(dir, `pools${family}.yaml`), poolsYaml(w, family));
      writeFileSync(join(dir, `flows${family}.txt`), `${w.flows.join('\n')}\n`);
      writeFileSync(join(dir, 'empty.txt'), '');
      const secs = Math.min(runCli(dir, family), runCli(dir, family));
      const fixed = Math.min(runCli(dir, family, 'empty.txt'), runCli(dir, family, 'empty.txt'));
      const rate = FLOWS / secs;
      const naive = baselineFlowsPerSecond(w);
      row(`IPv${family}: naive linear scan (sample of ${BASELINE_SAMPLE})`, `${Math.round(naive).toLocaleString('en')} flows/s`);
      row(`IPv${family}: poolctl nat explain --flows, end to end`, `${Math.round(rate).toLocaleString('en')} flows/s`, {
        value: rate / naive,
        against: 'naive',
      });
      row(`IPv${family}:   of which start-up and pools (no flows)`, `${fixed.toFixed(2)} s`);
      row(`IPv${family}:   flows alone`, `${Math.round(FLOWS / Math.max(secs - fixed, 1e-3)).toLocaleString('en')} flows/s`);
      row(`IPv${family}: against the target`, `${secs.toFixed(2)} s`, {
        value: rate / target,
        against: `${target.toLocaleString('en')} flows/s`,
        target: '>= 1x',
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
