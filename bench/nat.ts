import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildNatModel, DEFAULT_NAT_SETTINGS, type IPPool, type NatModel, type NatPool } from '../src/core/index.js';
import { openFileDatastore } from '../src/datastore/file.js';
import { createHostExec } from '../src/host/host-exec.js';
import { lockHost } from '../src/host/host-lock.js';
import { planHost, readHost } from '../src/host/nat-host.js';
import { renderIpset, renderIptables, renderNftables } from '../src/render/index.js';
import { BIN, childCpuMs, median, ROOT, row, section } from './harness.js';

/**
 * nat: render and apply with 100, 10,000 and 100,000 pools.
 *   render   buildNatModel + the iptables, ipset and nftables renderers, in process (target: 100k <= 0.5 s)
 *   load     the embedded store: list() (whole pools) and natPools() (what the NAT commands read)
 *   apply    `poolctl nat apply` (pools in an embedded store) on an empty kernel, against the bare tools loading
 *            the same content in the same run (ipset restore + iptables-restore per family;
 *            nft -f) (target <= 1.5x)
 *   no-op    a second apply ("no changes"), against poolctl's start-up (target <= start-up + 0.2 s)
 *   steps    the same apply and no-op in process, one step after the other (the CLI overlaps the
 *            kernel read with loading the pools and building the model): where the time goes
 * Wall times are medians; "cpu" is user + system time of the process and every tool it ran
 * (from /proc/self/stat), which a busy machine disturbs far less. The kernel parts run in
 * network namespaces the bench creates and deletes (root, iproute2, iptables, ipset, nftables
 * needed; POOLCTL_BENCH_SIZES=100,10000 picks sizes, POOLCTL_BENCH_RUNS the runs per figure).
 */

const SIZES = (process.env.POOLCTL_BENCH_SIZES ?? '100,10000,100000').split(',').map(Number);
const RUNS = process.env.POOLCTL_BENCH_RUNS ? Number(process.env.POOLCTL_BENCH_RUNS) : undefined;

/** pools makes n pools: 90% IPv4 /26s, 10% IPv6 /64s; half natOutgoing, every 7th disabled. */
function pools(n: number): NatPool[] {
  const out: NatPool[] = [];
  for (let i = 0; i < n; i++) {
    const cidr = i % 10 === 9 ? `fd00:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64` : `10.${i >> 10}.${(i >> 2) & 255}.${(i & 3) * 64}/26`;
    out.push({ name: `pool-${i}`, cidr, natOutgoing: i % 2 === 0, disabled: i % 7 === 0 });
  }
  return out;
}

/** fillStore writes the pools into an embedded store at path (one batch, as `poolctl create` does). */
async function fillStore(path: string, ps: readonly NatPool[]): Promise<void> {
  const ds = openFileDatastore(path);
  try {
    const items: IPPool[] = ps.map((p) => ({
      apiVersion: 'projectcalico.org/v3',
      kind: 'IPPool',
      metadata: { name: p.name },
      spec: { cidr: p.cidr, natOutgoing: p.natOutgoing, disabled: p.disabled },
    }));
    const out = await ds.batch(items, (txn) => (item) => txn.create(item));
    const failed = out.find((o) => !o.ok);
    if (failed && !failed.ok) throw failed.error;
  } finally {
    await ds.close();
  }
}

function model(ps: readonly NatPool[]): NatModel {
  const m = buildNatModel(ps, DEFAULT_NAT_SETTINGS);
  if (!m.ok) throw new Error(m.error.message);
  return m.value;
}

function ms(t: bigint): number {
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Cost is a wall time and the CPU time (user + system) of the processes run, in ms. */
interface Cost {
  readonly ms: number;
  readonly cpu: number;
}

const add = (a: Cost, b: Cost): Cost => ({ ms: a.ms + b.ms, cpu: a.cpu + b.cpu });
const medianCost = (cs: readonly Cost[]): Cost => ({ ms: median(cs.map((c) => c.ms)), cpu: median(cs.map((c) => c.cpu)) });
const fmt = (c: Cost): string => `${c.ms.toFixed(1)} ms, cpu ${c.cpu.toFixed(0)}`;

/** sh runs a command with stdin; throws on failure; returns its cost. */
function sh(cmd: string, args: readonly string[], input = ''): Cost {
  const t = process.hrtime.bigint();
  const cpu = childCpuMs();
  const r = spawnSync(cmd, [...args], { input, stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT, maxBuffer: 1 << 30 });
  const took = ms(t);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().trim().slice(0, 500)}`);
  return { ms: took, cpu: childCpuMs() - cpu };
}

let nsCount = 0;
/** withNs runs fn in a fresh namespace that is deleted afterwards. */
function withNs<T>(fn: (ns: string) => T): T {
  const ns = `pcbench${process.pid.toString(36)}n${nsCount++}`;
  sh('ip', ['netns', 'add', ns]);
  try {
    return fn(ns);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

/** withNsAsync is withNs for an async body. */
async function withNsAsync<T>(fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = `pcbench${process.pid.toString(36)}n${nsCount++}`;
  sh('ip', ['netns', 'add', ns]);
  try {
    return await fn(ns);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

const inNs = (ns: string, cmd: string, args: readonly string[], input = ''): Cost => sh('ip', ['netns', 'exec', ns, cmd, ...args], input);

/** bare loads the rendered content with the tools alone, as a script would (no diff, no temp sets). */
function bare(ns: string, backend: 'iptables' | 'nftables', m: NatModel): Cost {
  if (backend === 'nftables') return inNs(ns, 'nft', ['-f', '-'], renderNftables(m));
  let t = inNs(ns, 'ipset', ['restore'], renderIpset(m));
  for (const f of m.families) {
    t = add(t, inNs(ns, f.family === 4 ? 'iptables-restore' : 'ip6tables-restore', ['--noflush'], renderIptables({ ...m, families: [f] })));
  }
  return t;
}

function cli(ns: string, args: readonly string[], store?: string): Cost & { out: string } {
  const t = process.hrtime.bigint();
  const cpu = childCpuMs();
  const env = { ...process.env, NO_COLOR: '1', ...(store ? { POOLCTL_STORE: store } : {}) };
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, env });
  const took = ms(t);
  if (r.status !== 0) throw new Error(`poolctl ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().trim().slice(0, 500)}`);
  return { ms: took, cpu: childCpuMs() - cpu, out: r.stdout.toString() };
}

/** Steps are the wall times of one apply done in process, step by step. */
interface Steps {
  readonly load: number;
  readonly model: number;
  readonly lock: number;
  readonly read: number;
  readonly compare: number;
  readonly write: number;
}

/**
 * steps runs what `nat apply` does, in process and one step after the other: natPools from the
 * store, the model, the host lock (taken and, after the writes, released), the kernel read
 * (the tools and parsing their output), the comparison (desired state and diff), and the
 * writes (none for a no-op).
 */
async function steps(ns: string, store: string, backend: 'iptables' | 'nftables'): Promise<Steps & { changes: number }> {
  let t = process.hrtime.bigint();
  const ds = openFileDatastore(store);
  const ps = await ds.natPools();
  await ds.close();
  const load = ms(t);
  t = process.hrtime.bigint();
  const m = model(ps);
  const modelMs = ms(t);
  const exec = createHostExec({ env: process.env, netns: ns });
  t = process.hrtime.bigint();
  const lock = await lockHost(exec, { what: 'bench', timeoutMs: 0 });
  const lockMs = ms(t);
  try {
    t = process.hrtime.bigint();
    const read = readHost(exec, backend, [4, 6]);
    await read.live;
    await read.chains;
    const readMs = ms(t);
    t = process.hrtime.bigint();
    const plan = await planHost(m, read);
    const compare = ms(t);
    t = process.hrtime.bigint();
    await plan.apply();
    return { load, model: modelMs, lock: lockMs, read: readMs, compare, write: ms(t), changes: plan.changes.length };
  } finally {
    await lock.release();
  }
}

function medianSteps(ss: readonly Steps[]): Steps {
  const pick = (k: keyof Steps): number => median(ss.map((x) => x[k]));
  return { load: pick('load'), model: pick('model'), lock: pick('lock'), read: pick('read'), compare: pick('compare'), write: pick('write') };
}

const stepsText = (x: Steps): string =>
  `load ${x.load.toFixed(0)} + model ${x.model.toFixed(0)} + lock ${x.lock.toFixed(0)} + read ${x.read.toFixed(0)} + compare ${x.compare.toFixed(0)} + write ${x.write.toFixed(0)} ms`;

function hasKernel(): string | null {
  if (typeof process.geteuid === 'function' && process.geteuid() !== 0) return 'not root';
  for (const t of ['ip', 'ipset', 'iptables-restore', 'ip6tables-restore', 'nft']) {
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `${t} not installed`;
  }
  return null;
}

export async function run(): Promise<void> {
  section(`nat render (in process: model + iptables + ipset + nftables text), and loading the pools`);
  for (const n of SIZES) {
    const ps = pools(n);
    model(ps);
    const times: number[] = [];
    for (let i = 0; i < (n >= 100_000 ? 3 : 5); i++) {
      const t = process.hrtime.bigint();
      const m = model(ps);
      renderIptables(m);
      renderIpset(m);
      renderNftables(m);
      times.push(ms(t));
    }
    const med = median(times);
    row(`render ${n} pools`, `${med.toFixed(1)} ms`, n === 100_000 ? { value: med / 500, against: '0.5 s', target: '<= 1x' } : undefined);
  }
  const loadDir = mkdtempSync(join(tmpdir(), 'poolctl-bench-load-'));
  try {
    for (const n of SIZES) {
      const store = join(loadDir, String(n));
      let t = process.hrtime.bigint();
      await fillStore(store, pools(n));
      const fill = ms(t);
      t = process.hrtime.bigint();
      const ds = openFileDatastore(store);
      const { items } = await ds.list();
      const list = ms(t);
      t = process.hrtime.bigint();
      const nat = await ds.natPools();
      const natMs = ms(t);
      await ds.close();
      if (nat.length !== items.length) throw new Error('natPools and list disagree');
      t = process.hrtime.bigint();
      model(nat);
      row(`store ${n} pools: create (one batch) / list / natPools / model`, `${fill.toFixed(0)} / ${list.toFixed(1)} / ${natMs.toFixed(1)} / ${ms(t).toFixed(1)} ms`);
    }
  } finally {
    rmSync(loadDir, { recursive: true, force: true });
  }

  const missing = hasKernel();
  if (missing) {
    section(`nat apply: skipped (${missing})`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-bench-nat-'));
  try {
    const startup = medianCost(Array.from({ length: 7 }, () => withNs((ns) => cli(ns, ['version']))));
    section(`nat apply in a network namespace (CLI ${BIN}; poolctl start-up ${fmt(startup)})`);
    for (const n of SIZES) {
      const ps = pools(n);
      const m = model(ps);
      const store = join(dir, `store-${n}`);
      await fillStore(store, ps);
      const runs = RUNS ?? (n >= 100_000 ? 3 : 5);
      for (const backend of ['iptables', 'nftables'] as const) {
        const bareCost: Cost[] = [];
        const applyCost: Cost[] = [];
        const noopCost: Cost[] = [];
        const applySteps: Steps[] = [];
        const noopSteps: Steps[] = [];
        for (let i = 0; i < runs; i++) {
          bareCost.push(withNs((ns) => bare(ns, backend, m)));
          await withNsAsync(async (ns) => {
            applyCost.push(cli(ns, ['nat', 'apply', '--backend', backend], store));
            const again = cli(ns, ['nat', 'apply', '--backend', backend], store);
            if (!again.out.startsWith('no changes')) throw new Error(`re-apply of ${n} pools changed something:\n${again.out.slice(0, 500)}`);
            noopCost.push(again);
          });
          await withNsAsync(async (ns) => {
            applySteps.push(await steps(ns, store, backend));
            const again = await steps(ns, store, backend);
            if (again.changes) throw new Error('in-process plan found changes after apply');
            noopSteps.push(again);
          });
        }
        const b = medianCost(bareCost);
        const a = medianCost(applyCost);
        const z = medianCost(noopCost);
        row(`${backend} ${n} pools: bare tools`, fmt(b));
        row(`${backend} ${n} pools: poolctl nat apply`, fmt(a), { value: a.ms / b.ms, against: `bare (cpu ${(a.cpu / b.cpu).toFixed(2)}x)`, target: '<= 1.5x' });
        row(`${backend} ${n} pools: no-op re-apply`, fmt(z), {
          value: (z.ms - startup.ms) / 200,
          against: 'of 0.2 s over start-up',
          target: '<= 1x',
        });
        row(`${backend} ${n} pools:   apply, step by step`, stepsText(medianSteps(applySteps)));
        row(`${backend} ${n} pools:   no-op, step by step`, stepsText(medianSteps(noopSteps)));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
