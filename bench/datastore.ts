import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd } from '../test/support/etcd.js';
import { BIN, median, row, section } from './harness.js';

// Datastore benchmark (issue 4): `poolctl create -f` of 10,000 pools from one file, `get`
// (list) of them and `get` of one, on the embedded store and on etcd v3 (started here), net of
// start-up: each figure minus the median of `poolctl get ippool <missing>` on the same backend
// (process start, datastore selection, connect), run just before each. The 1,000-pool create beside the 10,000 one
// shows how the create path (rules + overlap checks against every pool) scales: n log n gives
// ~13x for 10x the pools, a linear scan per pool ~100x.
// POOLCTL_BENCH_BIN runs another build (e.g. build/c/run.js); default bin/poolctl.js.

const RUNS = Number(process.env.POOLCTL_BENCH_RUNS ?? 3);

function manifest(dir: string, n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(
      `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pool-${String(i).padStart(5, '0')}\nspec:\n  cidr: 10.${i >> 8}.${i & 255}.0/24\n  blockSize: 26\n  natOutgoing: ${i % 2 === 0}\n  nodeSelector: all()\n`,
    );
  }
  const path = join(dir, `pools-${n}.yaml`);
  writeFileSync(path, docs.join('---\n'));
  return path;
}

/** time runs poolctl once and returns its wall time in ms; it must succeed. */
function time(args: readonly string[], env: NodeJS.ProcessEnv, expectCode = 0): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== expectCode) throw new Error(`poolctl ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return ms;
}

interface Backend {
  readonly name: string;
  env(): NodeJS.ProcessEnv;
  reset(): Promise<void>;
}

async function measure(b: Backend, files: { k1: string; k10: string }): Promise<void> {
  section(`datastore: ${b.name} (${BIN.replace(`${process.cwd()}/`, '')}, median of ${RUNS})`);
  await b.reset();
  time(['get', 'ippools'], b.env()); // warm-up: disk cache, etcd connection paths
  // Each figure is paired with a baseline run right before it, so load changes on a shared
  // machine cancel out.
  const baseline = (): number => time(['get', 'ippool', 'missing'], b.env(), 1);
  const bases: number[] = [];
  const net = async (args: readonly string[], reset: boolean): Promise<number> => {
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      if (reset) await b.reset();
      const base = baseline();
      bases.push(base);
      runs.push(time(args, b.env()) - base);
    }
    return median(runs);
  };
  const c1 = await net(['create', '-f', files.k1], true);
  const c10 = await net(['create', '-f', files.k10], true);
  const list = await net(['get', 'ippools'], false);
  const json = await net(['get', 'ippools', '-o', 'json'], false);
  // One pool costs about what the baseline costs (both are one key read), so its net is noise
  // around zero: shown whole, next to the baseline, instead.
  const one = median(Array.from({ length: RUNS }, () => time(['get', 'ippool', 'pool-04242', '-o', 'yaml'], b.env())));
  const target = b.name === 'etcd' ? 1500 : 1000;
  row('start-up baseline (get ippool <missing>)', `${median(bases).toFixed(0)} ms`);
  row('create 1,000 pools from one file, net', `${c1.toFixed(0)} ms`);
  row('create 10,000 pools from one file, net', `${c10.toFixed(0)} ms`, { value: c10 / target, against: `${target} ms`, target: '<= 1.00x' });
  row('  10k / 1k (n log n ~13x, n^2 ~100x)', `${(c10 / c1).toFixed(1)}x`);
  row('get ippools (list 10,000, table), net', `${list.toFixed(0)} ms`, { value: list / 500, against: '500 ms', target: '<= 1.00x' });
  row('get ippools -o json (10,000), net', `${json.toFixed(0)} ms`);
  row('get one pool of 10,000 (-o yaml), whole command', `${one.toFixed(0)} ms`, { value: one / median(bases), against: 'the baseline' });
}

/** run benchmarks the embedded store and etcd v3. */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-bench-ds-'));
  const clean = { ...process.env, DATASTORE_TYPE: '', CALICO_DATASTORE_TYPE: '', ETCD_ENDPOINTS: '', POOLCTL_CONFIG: '', NO_COLOR: '1' };
  try {
    const files = { k1: manifest(dir, 1000), k10: manifest(dir, 10_000) };
    let n = 0;
    let store = '';
    await measure(
      {
        name: 'embedded store',
        env: () => ({ ...clean, POOLCTL_STORE: store }),
        reset: async () => {
          store = join(dir, `store-${++n}`);
        },
      },
      files,
    );
    const etcd = await startEtcd();
    const { Etcd3 } = await import('etcd3');
    const raw = new Etcd3({ hosts: etcd.endpoint });
    try {
      await measure(
        {
          name: 'etcd',
          env: () => ({ ...clean, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd.endpoint }),
          reset: async () => {
            await raw.delete().prefix('/calico/');
          },
        },
        files,
      );
    } finally {
      raw.close();
      await etcd.destroy();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
