import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildNatModel,
  compileNatModel,
  DEFAULT_NAT_SETTINGS,
  diffNat,
  FlowQuery,
  regionContains,
  type CompiledNat,
  type NatPool,
} from '../src/core/index.js';
import { N, states, yaml } from './diff-states.js';
import { BIN, childCpuMs, compare, median, nowMs, rng, ROOT, row, section } from './harness.js';

/**
 * diff: `poolctl nat diff` between two 10,000-pool sets that differ in 100 pools (34 with
 * natOutgoing turned around, 33 removed, 33 added), end to end (target <= 0.3 s), against
 * `node -e 0` measured in the same rounds; both states from files (--from/--to) and the
 * datastore against a file (-f). In process, the exact diff (diffNat) against a naive
 * sampling approach that decides random flows in both models: its time for as many flows as
 * the exact diff's time allows, and how many of the changed regions its flows find.
 * POOLCTL_BENCH_RUNS sets the cold runs per figure (default 11).
 */

const RUNS = Number(process.env.POOLCTL_BENCH_RUNS ?? 11);

function compiled(pools: readonly NatPool[]): CompiledNat {
  const m = buildNatModel(pools, DEFAULT_NAT_SETTINGS);
  if (!m.ok) throw new Error(m.error.message);
  return compileNatModel(m.value);
}

/** once runs a command cold and returns its wall time and CPU time (user + system) in ms; exit 1 is nat diff's "changes found". */
function once(args: readonly string[], env: NodeJS.ProcessEnv = {}, ok: readonly number[] = [0]): { ms: number; cpu: number } {
  const cpu = childCpuMs();
  const t = nowMs();
  const r = spawnSync(process.execPath, [...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env }, cwd: ROOT });
  const took = nowMs() - t;
  if (!ok.includes(r.status ?? -1)) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.toString().trim().slice(0, 500)}`);
  return { ms: took, cpu: childCpuMs() - cpu };
}

/** changedPools counts the pools that differ by name, CIDR or natOutgoing between two lists. */
function changedPools(a: readonly NatPool[], b: readonly NatPool[]): number {
  const key = (p: NatPool): string => `${p.cidr} ${p.natOutgoing}`;
  const ma = new Map(a.map((p) => [p.name, key(p)]));
  const mb = new Map(b.map((p) => [p.name, key(p)]));
  let n = 0;
  for (const [name, k] of ma) if (mb.get(name) !== k) n++;
  for (const name of mb.keys()) if (!ma.has(name)) n++;
  return n;
}

export async function run(): Promise<void> {
  const { before, after } = states();
  section(`diff (nat diff, ${N.toLocaleString('en-US')} pools, ${changedPools(before, after)} pools differ; ${RUNS} cold runs each, median; CLI ${BIN})`);
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-bench-diff-'));
  try {
    const a = join(dir, 'before.yaml');
    const b = join(dir, 'after.yaml');
    writeFileSync(a, yaml(before));
    writeFileSync(b, yaml(after));
    const store = join(dir, 'store');
    const created = spawnSync(process.execPath, [BIN, 'create', '-f', a], { cwd: ROOT, env: { ...process.env, POOLCTL_STORE: store } });
    if (created.status !== 0) throw new Error(`cannot fill the store: ${created.stderr.toString().trim()}`);

    const cases = [
      { name: 'node -e 0', args: ['-e', '0'], env: {}, ok: [0] },
      { name: 'poolctl nat diff --from before.yaml --to after.yaml', args: [BIN, 'nat', 'diff', '--from', a, '--to', b], env: {}, ok: [1] },
      { name: 'poolctl nat diff -f after.yaml (store before)', args: [BIN, 'nat', 'diff', '-f', b], env: { POOLCTL_STORE: store }, ok: [1] },
    ];
    const times = cases.map(() => [] as number[]);
    const cpus = cases.map(() => [] as number[]);
    cases.forEach((c) => once(c.args, c.env, c.ok));
    for (let i = 0; i < RUNS; i++) {
      cases.forEach((c, k) => {
        const r = once(c.args, c.env, c.ok);
        times[k]!.push(r.ms);
        cpus[k]!.push(r.cpu);
      });
    }
    const base = median(times[0]!);
    const baseCpu = median(cpus[0]!);
    cases.forEach((c, k) => {
      const m = median(times[k]!);
      const cpu = median(cpus[k]!);
      row(c.name, `${m.toFixed(1)} ms`, k === 0 ? undefined : { value: m / base, against: 'node -e 0' });
      // CPU time: what a busy shared machine disturbs least (wall time there includes waiting for a core)
      row('  cpu (user + system)', `${cpu.toFixed(0)} ms`, k === 0 ? undefined : { value: cpu / baseCpu, against: 'node -e 0 cpu' });
      if (k > 0) row('  against the target', `${(m / 1000).toFixed(2)} s`, { value: m / 300, against: '0.3 s', target: '<= 1x' });
    });

    // After loading, cold: models + diff + causes + text, each run in a fresh process (diff-compute.ts).
    const phases = { report: [] as number[], print: [] as number[], total: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'diff-compute.ts')], { cwd: ROOT, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`diff-compute exited ${r.status}: ${r.stderr.trim().slice(0, 500)}`);
      const p = JSON.parse(r.stdout) as Record<keyof typeof phases, number>;
      for (const k of Object.keys(phases) as (keyof typeof phases)[]) phases[k].push(p[k]);
    }
    row('after loading, cold (fresh process, median): models + diff + causes', `${median(phases.report).toFixed(1)} ms`);
    row('  text report', `${median(phases.print).toFixed(1)} ms`);
    row('  together', `${median(phases.total).toFixed(1)} ms`, { value: median(phases.total) / 50, against: '50 ms', target: '<= 1x' });

    // In process: the exact diff against sampling random flows in both models.
    const cb = compiled(before);
    const ca = compiled(after);
    const regions = diffNat(cb, ca);
    const random = rng(42);
    const q = new FlowQuery();
    /** differs decides q in both models (batch explain's evaluate) and compares the NAT action and target. */
    const differs = (): boolean => {
      cb.evaluate(q);
      const x = q.rule;
      ca.evaluate(q);
      const y = q.rule;
      return x === null || y === null ? x !== y : x.actionName !== y.actionName || x.toSource !== y.toSource;
    };
    // Sampled flows: a source in one of the pools (a random /26 or /64 start plus an offset), any destination.
    const v4Pools = before.filter((p) => !p.cidr.includes(':'));
    let sampled = 0;
    let changedFlows: number[] = [];
    const sample = (flows: number): number => {
      let changed = 0;
      changedFlows = [];
      for (let i = 0; i < flows; i++) {
        const p = v4Pools[Math.floor(random() * v4Pools.length)]!;
        const [o1, o2, o3, o4] = p.cidr.split('/')[0]!.split('.').map(Number) as [number, number, number, number];
        const src = ((o1 << 24) | (o2 << 16) | (o3 << 8) | o4) >>> 0;
        q.srcFamily = 4;
        q.dstFamily = 4;
        q.src4 = src + Math.floor(random() * 64);
        q.dst4 = random() < 0.5 ? Math.floor(random() * 2 ** 32) : ((10 << 24) | Math.floor(random() * 2 ** 24)) >>> 0;
        q.protocol = undefined;
        q.outInterface = undefined;
        if (differs()) {
          changed++;
          changedFlows.push(q.src4, q.dst4);
        }
      }
      sampled = flows;
      return changed;
    };
    const exact = (): number => diffNat(cb, ca).length;
    const t0 = nowMs();
    exact();
    const exactMs = nowMs() - t0;
    // As many sampled flows as the exact diff's time lets the sampler decide (at least 100,000).
    const t1 = nowMs();
    sample(100_000);
    const perFlow = (nowMs() - t1) / 100_000;
    const flows = Math.max(100_000, Math.round(exactMs / perFlow));
    const r = compare(exact, () => sample(flows), 3);
    row('in process: exact diff (diffNat), both families', `${r.a.toFixed(1)} ms`);
    row(`  regions found (every changed flow is in one)`, `${r.resultA}`);
    row(`in process: sampling ${sampled.toLocaleString('en-US')} IPv4 flows, both models`, `${r.b.toFixed(1)} ms`, { value: r.a / r.b, against: 'sampling (exact / sampling)' });
    // Which exact regions the sampled changed flows fall in (after timing).
    const foundRegions = new Set<number>();
    for (let i = 0; i < changedFlows.length; i += 2) {
      const s = { family: 4 as const, value: BigInt(changedFlows[i]!) };
      const d = { family: 4 as const, value: BigInt(changedFlows[i + 1]!) };
      foundRegions.add(regions.findIndex((r) => regionContains(r, s, d)));
    }
    const v4Regions = regions.filter((x) => x.family === 4).length;
    row('  IPv4 regions the sampled flows fall in', `${foundRegions.size} of ${v4Regions}`, { value: foundRegions.size / v4Regions, against: 'the exact IPv4 regions' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
