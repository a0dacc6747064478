import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildNatModel, DEFAULT_NAT_SETTINGS, type IPPool, type NatModel, type NatPool } from '../src/core/index.js';
import { openFileDatastore } from '../src/datastore/file.js';
import { createHostExec } from '../src/host/host-exec.js';
import { planHost } from '../src/host/nat-host.js';
import { renderIpset, renderIptables, renderNftables } from '../src/render/index.js';
import { BIN, median, ROOT, row, section } from './harness.js';

/**
 * nat: render and apply with 100, 10,000 and 100,000 pools.
 *   render   buildNatModel + the iptables, ipset and nftables renderers, in process (target: 100k <= 0.5 s)
 *   apply    `poolctl nat apply` (pools in an embedded store) on an empty kernel, against the bare tools loading
 *            the same content in the same run (ipset restore + iptables-restore per family;
 *            nft -f) (target <= 1.5x)
 *   no-op    a second apply ("no changes"), against poolctl's start-up (target <= start-up + 0.2 s)
 * The kernel parts run in network namespaces the bench creates and deletes (root, iproute2,
 * iptables, ipset, nftables needed; POOLCTL_BENCH_SIZES=100,10000 picks sizes).
 */

/** the CLI under test: POOLCTL_BENCH_BIN (e.g. build/d/run.js), else bin/poolctl.js. */
const CLI = process.env.POOLCTL_BENCH_BIN ? resolve(process.env.POOLCTL_BENCH_BIN) : BIN;
const SIZES = (process.env.POOLCTL_BENCH_SIZES ?? '100,10000,100000').split(',').map(Number);

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

/** sh runs a command with stdin; throws on failure; returns wall ms. */
function sh(cmd: string, args: readonly string[], input = ''): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, [...args], { input, stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT, maxBuffer: 1 << 30 });
  const took = ms(t);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().trim().slice(0, 500)}`);
  return took;
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

const inNs = (ns: string, cmd: string, args: readonly string[], input = ''): number => sh('ip', ['netns', 'exec', ns, cmd, ...args], input);

/** bare loads the rendered content with the tools alone, as a script would (no diff, no temp sets). */
function bare(ns: string, backend: 'iptables' | 'nftables', m: NatModel): number {
  if (backend === 'nftables') return inNs(ns, 'nft', ['-f', '-'], renderNftables(m));
  let t = inNs(ns, 'ipset', ['restore'], renderIpset(m));
  for (const f of m.families) {
    t += inNs(ns, f.family === 4 ? 'iptables-restore' : 'ip6tables-restore', ['--noflush'], renderIptables({ ...m, families: [f] }));
  }
  return t;
}

function cli(ns: string, args: readonly string[], store?: string): { ms: number; out: string } {
  const t = process.hrtime.bigint();
  const env = { ...process.env, NO_COLOR: '1', ...(store ? { POOLCTL_STORE: store } : {}) };
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, env });
  const took = ms(t);
  if (r.status !== 0) throw new Error(`poolctl ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().trim().slice(0, 500)}`);
  return { ms: took, out: r.stdout.toString() };
}

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
      await fillStore(store, pools(n));
      const t = process.hrtime.bigint();
      const ds = openFileDatastore(store);
      const { items } = await ds.list();
      await ds.close();
      const list = ms(t);
      const t2 = process.hrtime.bigint();
      model(items.map((p) => ({ name: p.metadata.name, cidr: p.spec.cidr, natOutgoing: p.spec.natOutgoing === true, disabled: p.spec.disabled === true })));
      row(`list ${n} pools from the embedded store / build the model`, `${list.toFixed(1)} / ${ms(t2).toFixed(1)} ms`);
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
    const startup = median(
      Array.from({ length: 7 }, () => withNs((ns) => cli(ns, ['version']).ms)),
    );
    section(`nat apply in a network namespace (CLI ${CLI}; poolctl start-up ${startup.toFixed(1)} ms)`);
    for (const n of SIZES) {
      const ps = pools(n);
      const m = model(ps);
      const store = join(dir, `store-${n}`);
      await fillStore(store, ps);
      const runs = n >= 100_000 ? 3 : 5;
      for (const backend of ['iptables', 'nftables'] as const) {
        const bareMs: number[] = [];
        const applyMs: number[] = [];
        const noopMs: number[] = [];
        const compareMs: number[] = [];
        for (let i = 0; i < runs; i++) {
          bareMs.push(withNs((ns) => bare(ns, backend, m)));
          await withNsAsync(async (ns) => {
            applyMs.push(cli(ns, ['nat', 'apply', '--backend', backend], store).ms);
            const again = cli(ns, ['nat', 'apply', '--backend', backend], store);
            if (!again.out.startsWith('no changes')) throw new Error(`re-apply of ${n} pools changed something:\n${again.out.slice(0, 500)}`);
            noopMs.push(again.ms);
            // the host part of the no-op alone: read the live state and compare (in process)
            const t = process.hrtime.bigint();
            const plan = await planHost(createHostExec({ env: process.env, netns: ns }), m, backend);
            compareMs.push(ms(t));
            if (plan.changes.length) throw new Error('in-process plan found changes after apply');
          });
        }
        const b = median(bareMs);
        const a = median(applyMs);
        const z = median(noopMs);
        row(`${backend} ${n} pools: bare tools`, `${b.toFixed(1)} ms`);
        row(`${backend} ${n} pools: poolctl nat apply`, `${a.toFixed(1)} ms`, { value: a / b, against: 'bare', target: '<= 1.5x' });
        row(`${backend} ${n} pools: no-op re-apply`, `${z.toFixed(1)} ms`, {
          value: (z - startup) / 200,
          against: 'of 0.2 s over start-up',
          target: '<= 1x',
        });
        row(`${backend} ${n} pools:   of which read live + compare`, `${median(compareMs).toFixed(1)} ms`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
