import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Etcd3 } from 'etcd3';
import type { IPPool } from '../src/core/index.js';
import { encodeEtcdValue, toStoredPool } from '../src/datastore/codec.js';
import { openEtcdDatastore, PREFIX } from '../src/datastore/etcd.js';
import { findOnPath } from '../src/host/host-exec.js';
import { bridgeEtcd } from '../test/support/etcd-bridge.js';
import { etcdMissing, startEtcd } from '../test/support/etcd.js';
import { BIN, median, ROOT, row, section } from './harness.js';

/**
 * agent: `poolctl nat agent` on a node namespace, following a real etcd (bridged into the
 * namespace) with 10,000 pools (iptables backend):
 *   latency   200 pool writes, one at a time: from etcd's acknowledgement of the put to the
 *             end of the kernel write that holds it (the agent logs that moment, doneMs, on the
 *             same clock); p50 <= 10 ms, p99 <= 30 ms. Baseline, same run, same etcd, bridge and
 *             namespace: a bare watch that runs `ipset add` per event (its own prefix and set).
 *   idle cpu  the agent's user + system time over 20 s without changes (< 1% of a core)
 *   rss       the agent's resident memory with 100,000 pools, after its first sync (<= 120 MB)
 *   ratio     an incremental write (median of the 200) against the full write of the same
 *             state (the agent's first sync of the 10,000 pools), measured in this run
 * Needs root, iproute2, iptables, ipset and etcd; the namespace, etcd and every process are
 * removed at the end. POOLCTL_BENCH_AGENT_CHANGES sets the number of changes, POOLCTL_BENCH_AGENT_BIG=0
 * leaves out the 100,000-pool run; POOLCTL_BENCH_AGENT_ENV
 * ("K=V K=V") adds to the agent's environment (e.g. NODE_OPTIONS, MALLOC_ARENA_MAX).
 */

const CHANGES = Number(process.env.POOLCTL_BENCH_AGENT_CHANGES ?? 200);
/** BIG: 0 (POOLCTL_BENCH_AGENT_BIG=0) leaves out the 100,000-pool memory run */
const BIG = process.env.POOLCTL_BENCH_AGENT_BIG !== '0';
const IP = findOnPath('ip', process.env) ?? 'ip';
const now = (): number => performance.timeOrigin + performance.now();
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

function pool(name: string, cidr: string, natOutgoing: boolean): IPPool {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, natOutgoing } } as IPPool;
}

/** fill creates pools from index `from` to `to` in batches (a listed batch: few transactions). */
async function fill(endpoint: string, from: number, to: number): Promise<void> {
  const ds = await openEtcdDatastore({ endpoints: [endpoint], timeoutMs: 120_000 });
  try {
    for (let i = from; i < to; i += 20_000) {
      const items: IPPool[] = [];
      for (let k = i; k < Math.min(to, i + 20_000); k++) items.push(pool(`pool-${k}`, `10.${k >> 10}.${(k >> 2) & 255}.${(k & 3) * 64}/26`, k % 2 === 0));
      const out = await ds.batch(items, async (txn) => {
        await txn.list();
        return (p) => txn.create(p);
      });
      const bad = out.find((o) => !o.ok);
      if (bad && !bad.ok) throw bad.error;
    }
  } finally {
    await ds.close();
  }
}

/** Agent is a running agent process with its JSON log lines. */
interface Agent {
  readonly child: ChildProcess;
  readonly logs: Record<string, any>[];
  wait(pred: (l: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  stop(): Promise<void>;
}

function startAgent(ns: string, endpoint: string): Agent {
  const child = spawn(IP, ['netns', 'exec', ns, process.execPath, BIN, 'nat', 'agent', '--backend', 'iptables', '--log-format', 'json', '--resync-interval', '3600'], {
    cwd: ROOT,
    env: { ...process.env, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: endpoint, ...(process.env.POOLCTL_BENCH_AGENT_ENV ? Object.fromEntries(process.env.POOLCTL_BENCH_AGENT_ENV.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) : {}) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: Record<string, any>[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stderr! }).on('line', (l) => {
    try {
      logs.push(JSON.parse(l));
    } catch {
      logs.push({ msg: l });
    }
    for (const w of waiters) w();
  });
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  return {
    child,
    logs,
    wait(pred, timeoutMs = 300_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = (): void => {
          for (; seen < logs.length; seen++) {
            if (pred(logs[seen]!)) {
              done();
              return resolve(logs[seen]!);
            }
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`agent: no such log line in ${timeoutMs} ms: ${logs.slice(-5).map((l) => JSON.stringify(l)).join(' | ')}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      process.removeListener('exit', kill);
    },
  };
}

// The baseline: a bare watch in the namespace that runs `ipset add SET CIDR -exist` per put
// event and prints the revision and the moment ipset finished (the value is the CIDR).
const BARE_WATCH = `
const { Etcd3 } = require(process.argv[1]);
const { spawn } = require('node:child_process');
const c = new Etcd3({ hosts: process.argv[2] });
c.watch().prefix('/bench-baseline/').create().then((w) => {
  w.on('put', (kv) => {
    const rev = kv.mod_revision;
    spawn('ipset', ['add', 'bench-baseline', kv.value.toString(), '-exist'], { stdio: 'ignore' }).on('exit', () =>
      process.stdout.write(JSON.stringify({ revision: rev, doneMs: performance.timeOrigin + performance.now() }) + '\\n'));
  });
  process.stdout.write('ready\\n');
});
`;

/** percentile of sorted values (nearest rank). */
function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function memKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function prereqs(): string | null {
  if (typeof process.geteuid === 'function' && process.geteuid() !== 0) return 'not root';
  for (const t of ['ip', 'ipset', 'iptables-restore', 'flock']) if (!findOnPath(t, process.env)) return `${t} not installed`;
  return etcdMissing();
}

export async function run(): Promise<void> {
  section('agent: nat agent following etcd (10,000 pools, iptables), in a network namespace');
  const missing = prereqs();
  if (missing) {
    console.log(`  skipped: ${missing}`);
    return;
  }
  const ns = `pcbench${process.pid.toString(36)}agent`;
  spawnSync(IP, ['netns', 'add', ns]);
  spawnSync(IP, ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  const etcd = await startEtcd();
  const cleanups: (() => Promise<void> | void)[] = [() => etcd.destroy(), () => void spawnSync(IP, ['netns', 'del', ns])];
  try {
    const bridge = await bridgeEtcd(ns, etcd.endpoint);
    cleanups.unshift(() => bridge.close());
    const raw = new Etcd3({ hosts: etcd.endpoint });
    cleanups.unshift(() => raw.close());
    await fill(etcd.endpoint, 0, 10_000);

    // the agent's first sync: a full write of the 10,000 pools
    let agent = startAgent(ns, bridge.endpoint);
    cleanups.unshift(() => agent.stop());
    const full = await agent.wait((l) => l.msg === 'kernel write' && l.mode === 'full');
    await agent.wait((l) => l.msg === 'following the datastore');

    // latency: one pool at a time, acknowledged by etcd, until the agent's write holds it
    const put = async (key: string, value: string): Promise<{ rev: number; ackMs: number }> => {
      const r = await raw.put(key).value(value).exec();
      return { rev: Number(r.header.revision), ackMs: now() };
    };
    const agentLat: number[] = [];
    const agentWriteMs: number[] = [];
    // where each change's time went: etcd -> agent (watch) and waiting for the writer; the model
    // of every pool; the desired state and its difference; ipset (the spawned tool)
    const stages = { before: [] as number[], model: [] as number[], plan: [] as number[], tool: [] as number[] };
    for (let i = 0; i < CHANGES; i++) {
      const p = pool(`lat-${i}`, `172.${16 + (i >> 8)}.${i & 255}.0/24`, true);
      const stored = toStoredPool(p, { resourceVersion: '', uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, creationTimestamp: new Date().toISOString() });
      const { rev, ackMs } = await put(PREFIX + p.metadata.name, encodeEtcdValue(stored));
      const w = await agent.wait((l) => l.msg === 'kernel write' && Number(l.revision) >= rev, 30_000);
      agentLat.push(w.doneMs - ackMs);
      agentWriteMs.push(w.ms);
      stages.before.push(w.doneMs - ackMs - w.ms - w.modelMs);
      stages.model.push(w.modelMs);
      stages.plan.push(w.planMs);
      stages.tool.push(w.toolMs);
      await new Promise((r) => setTimeout(r, 5));
    }

    // the baseline in the same namespace, against the same etcd and bridge
    spawnSync(IP, ['netns', 'exec', ns, 'ipset', 'create', 'bench-baseline', 'hash:net', 'family', 'inet', 'maxelem', '1048576']);
    const bare = spawn(IP, ['netns', 'exec', ns, process.execPath, '-e', BARE_WATCH, require_resolve('etcd3'), bridge.endpoint], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.unshift(() => void bare.kill('SIGKILL'));
    const bareLines: Record<string, number>[] = [];
    const bareWaiters = new Set<() => void>();
    await new Promise<void>((resolve) =>
      createInterface({ input: bare.stdout! }).on('line', (l) => {
        if (l === 'ready') return resolve();
        bareLines.push(JSON.parse(l));
        for (const w of bareWaiters) w();
      }),
    );
    const bareLat: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const { rev, ackMs } = await put(`/bench-baseline/${i}`, `172.${16 + (i >> 8)}.${i & 255}.0/24`);
      const hit = await new Promise<Record<string, number>>((resolve) => {
        const check = (): void => {
          const h = bareLines.find((b) => Number(b.revision) === rev);
          if (h) {
            bareWaiters.delete(check);
            resolve(h);
          }
        };
        bareWaiters.add(check);
        check();
      });
      bareLat.push(hit.doneMs! - ackMs);
      await new Promise((r) => setTimeout(r, 5));
    }
    bare.kill('SIGKILL');

    const a = [...agentLat].sort((x, y) => x - y);
    const b = [...bareLat].sort((x, y) => x - y);
    row('baseline: bare watch + ipset add, p50 / p99', `${pct(b, 50).toFixed(1)} / ${pct(b, 99).toFixed(1)} ms`);
    row('agent: write ack -> kernel, p50', `${pct(a, 50).toFixed(1)} ms`, { value: pct(a, 50) / pct(b, 50), against: 'baseline p50', target: '<= 10 ms' });
    row('agent: write ack -> kernel, p99', `${pct(a, 99).toFixed(1)} ms`, { value: pct(a, 99) / pct(b, 99), against: 'baseline p99', target: '<= 30 ms' });

    row(
      'agent: where a change goes (medians)',
      `watch+queue ${median(stages.before).toFixed(1)}, model ${median(stages.model).toFixed(1)}, plan ${median(stages.plan).toFixed(1)}, ipset ${median(stages.tool).toFixed(1)} ms`,
    );
    const inc = median(agentWriteMs);
    row('incremental write (median of the changes)', `${inc.toFixed(2)} ms`);
    row('full write of the same state (first sync, 10,000 pools)', `${Number(full.ms).toFixed(1)} ms`, { value: Number(full.ms) / inc, against: 'incremental' });

    // idle CPU: 20 s without changes
    const pid = agent.child.pid!;
    const t0 = cpuTicks(pid);
    const w0 = Date.now();
    await new Promise((r) => setTimeout(r, 20_000));
    const cpu = ((cpuTicks(pid) - t0) / CLK_TCK / ((Date.now() - w0) / 1000)) * 100;
    row('idle CPU over 20 s (10,000 pools)', `${cpu.toFixed(2)} % of a core`, { value: cpu, against: '%', target: '< 1%' });
    row('RSS with 10,000 pools', `${(memKb(pid, 'VmRSS') / 1024).toFixed(1)} MB`);
    await agent.stop();

    // 100,000 pools: a new agent's memory once it has synced them
    if (!BIG) return;
    await fill(etcd.endpoint, 10_000, 100_000);
    agent = startAgent(ns, bridge.endpoint);
    const big = await agent.wait((l) => l.msg === 'kernel write' && l.mode === 'full', 600_000);
    await agent.wait((l) => l.msg === 'following the datastore', 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    const rss = memKb(agent.child.pid!, 'VmRSS') / 1024;
    row('first sync of 100,000 pools (full write)', `${(Number(big.ms) / 1000).toFixed(2)} s`);
    row('RSS with 100,000 pools (after the first sync)', `${rss.toFixed(1)} MB`, { value: rss / 120, against: 'of the target', target: '<= 120 MB' });
    row('peak RSS with 100,000 pools (VmHWM)', `${(memKb(agent.child.pid!, 'VmHWM') / 1024).toFixed(1)} MB`);
  } finally {
    for (const c of cleanups) {
      try {
        await c();
      } catch {
        // best effort
      }
    }
  }
}

/** require_resolve finds a package's entry for the child script (CommonJS require in the namespace). */
function require_resolve(name: string): string {
  return spawnSync(process.execPath, ['-p', `require.resolve(${JSON.stringify(name)})`], { cwd: ROOT }).stdout.toString().trim();
}
