import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { startAgent, until } from '../../support/agent.js';
import { inNs, kernelDescribe, TOPO, useTopology, type Flow } from '../../support/netns.js';
import {
  BASE_POOLS,
  createPools,
  createWithCli,
  expectFlows,
  ippool,
  openStore,
  patchPool,
  readBack,
  runAgent,
  settled,
  status,
  wipeNat,
  writeYaml,
  type Agent,
  type Backend,
  type Store,
  type StoreKind,
} from './nat-agent-support.js';

/**
 * `poolctl nat agent` on one node (issue 14, part 1), run as a process in the node namespace
 * as a real deployment runs it, against a real etcd (bridged into the namespace) and against
 * the embedded store, with both backends: the pools it programs are checked with real TCP
 * and UDP packets from the pod namespace, with `nat status`, and against a fresh `nat apply`.
 */

// agents start, resync and reconnect with backoff: generous limits on a busy 2-core machine
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const v4 = TOPO.v4;
const v6 = TOPO.v6;

/** FLOWS are one TCP and one UDP flow per family from a NAT pod and a plain pod to the far end outside every pool. */
function baseFlows(natV4: boolean, natV6: boolean): (Flow & { nat: boolean })[] {
  return [
    { src: v4.natPods[0]!, dst: v4.ext, proto: 'tcp', nat: natV4 },
    { src: v4.natPods[1]!, dst: v4.ext, proto: 'udp', nat: natV4 },
    { src: v4.plainPods[0]!, dst: v4.ext, proto: 'tcp', nat: false },
    { src: v6.natPods[0]!, dst: v6.ext, proto: 'tcp', nat: natV6 },
    { src: v6.natPods[1]!, dst: v6.ext, proto: 'udp', nat: natV6 },
    { src: v6.plainPods[0]!, dst: v6.ext, proto: 'udp', nat: false },
  ];
}

for (const [kind, backend] of [
  ['etcd', 'iptables'],
  ['etcd', 'nftables'],
  ['file', 'iptables'],
  ['file', 'nftables'],
] as [StoreKind, Backend][]) {
  kernelDescribe(`nat agent (${kind} store, ${backend}): pools to the kernel, incrementally`, () => {
    const topo = useTopology(`a${kind[0]}${backend[0]}`);
    let store: Store;
    let agent: Agent | null = null;
    let dir = '';

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'poolctl-agent-test-'));
      store = await openStore(kind, topo().node);
      await createPools(store.ds, BASE_POOLS);
    }, 60_000);
    afterAll(async () => {
      await agent?.stop();
      await store?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('programs the pools at start: ready, NAT on both families, nat status in sync', async () => {
      agent = await runAgent(topo(), store, backend, ['--resync-interval', '3600']);
      expect((await agent.http.get('/livez')).status).toBe(200);
      expect(await agent.http.metric('poolctl_agent_pools')).toBe(BASE_POOLS.length);
      expect(await agent.http.metric('poolctl_agent_resyncs_total', { reason: 'start' })).toBe(1);
      expect(await agent.http.metric('poolctl_agent_kernel_writes_total', { mode: 'full' })).toBe(1);
      expect(await agent.http.metric('poolctl_agent_set_members', { family: '4', set: 'cali40masq-ipam-pools' })).toBe(1);
      await expectFlows(topo(), baseFlows(true, true));
      const s = await status(topo(), store, backend);
      expect(s.stdout).toMatch(/in sync/);
      expect(s.code).toBe(0);
    });

    it('follows create, patch (natOutgoing off / on) and delete; real packets show it; one incremental write each', async () => {
      const a = agent!;
      const writes = () => a.http.metric('poolctl_agent_kernel_writes_total', { mode: 'incremental' });
      const before = await writes();
      const toNoNat: Flow[] = [
        { src: v4.natPods[2]!, dst: '198.51.100.7', proto: 'tcp' },
        { src: v4.natPods[3]!, dst: '198.51.100.7', proto: 'udp' },
      ];
      // a disabled pool covering 198.51.100.0/24 makes it a no-NAT destination
      await createPools(store.ds, [ippool('no-nat-ext', '198.51.100.0/24', { disabled: true })]);
      await settled(a, store);
      await expectFlows(topo(), toNoNat.map((f) => ({ ...f, nat: false })));
      // natOutgoing off on the IPv4 NAT pool: its pods are no longer NATed; IPv6 still is
      await patchPool(store.ds, 'nat-v4', { natOutgoing: false });
      await settled(a, store);
      await expectFlows(topo(), baseFlows(false, true));
      // and on again
      await patchPool(store.ds, 'nat-v4', { natOutgoing: true });
      await settled(a, store);
      await expectFlows(topo(), baseFlows(true, true));
      // the no-NAT pool deleted: its destination is NATed again
      await store.ds.delete('no-nat-ext');
      await settled(a, store);
      await expectFlows(topo(), toNoNat.map((f) => ({ ...f, nat: true })));
      // the IPv6 NAT pool deleted (the IPv6 chain goes inactive), then created again
      await store.ds.delete('nat-v6');
      await settled(a, store);
      await expectFlows(topo(), baseFlows(true, false));
      await createPools(store.ds, [ippool('nat-v6', v6.natPool, { natOutgoing: true })]);
      await settled(a, store);
      await expectFlows(topo(), baseFlows(true, true));
      expect(await writes()).toBe(before + 6);
      expect(await a.http.metric('poolctl_agent_kernel_writes_total', { mode: 'full' })).toBe(1);
      expect((await status(topo(), store, backend)).code).toBe(0);
      // every revision was timed from the datastore to the kernel
      expect(await a.http.metric('poolctl_agent_revision_to_kernel_seconds_count')).toBeGreaterThanOrEqual(7);
    });

    it('a burst of 1,000 pools created in one transaction is one kernel write', async () => {
      const a = agent!;
      const total = () => a.http.metric('poolctl_agent_kernel_writes_total');
      const before = await total();
      const fromLog = a.proc.logs.length;
      const pools = Array.from({ length: 1000 }, (_, i) => ippool(`burst-${String(i).padStart(4, '0')}`, `10.${100 + (i >> 8)}.${i & 255}.0/24`, { natOutgoing: i % 2 === 0 }));
      await createWithCli(store, writeYaml(dir, 'burst.yaml', pools));
      if (store.etcd) {
        // one transaction: every key has the same mod_revision
        const r = await store.etcd.raw().getAll().prefix('/calico/resources/v3/projectcalico.org/ippools/burst-').exec();
        expect(r.kvs.length).toBe(1000);
        expect(new Set(r.kvs.map((kv) => kv.mod_revision)).size).toBe(1);
      }
      await settled(a, store);
      expect(a.proc.logs.slice(fromLog).filter((l) => l.msg === 'kernel write' || l.level !== 'info')).toEqual([expect.objectContaining({ msg: 'kernel write', mode: 'incremental' })]);
      expect(await total()).toBe(before + 1);
      expect(await a.http.metric('poolctl_agent_pools')).toBe(BASE_POOLS.length + 1000);
      expect((await status(topo(), store, backend)).code).toBe(0);
      // and their removal
      const out = await store.ds.batch(
        pools.map((p) => p.metadata.name),
        async (txn) => {
          await txn.list();
          return (n) => txn.delete(n);
        },
      );
      expect(out.every((o) => o.ok)).toBe(true);
      await settled(a, store);
      expect(await a.http.metric('poolctl_agent_pools')).toBe(BASE_POOLS.length);
      expect((await status(topo(), store, backend)).code).toBe(0);
    });

    it('SIGHUP resyncs: a member and a rule removed by hand are repaired and counted', async () => {
      const a = agent!;
      const repairs = await a.http.metric('poolctl_agent_drift_repairs_total');
      const ns = topo().node;
      if (backend === 'iptables') {
        await inNs(ns, 'ipset', ['del', 'cali40masq-ipam-pools', v4.natPool]);
        await inNs(ns, 'iptables', ['-t', 'nat', '-F', 'cali-nat-outgoing']);
      } else {
        await inNs(ns, 'nft', ['delete', 'element', 'ip', 'calico', 'cali40masq-ipam-pools', `{ ${v4.natPool} }`]);
        await inNs(ns, 'nft', ['flush', 'chain', 'ip', 'calico', 'nat-cali-nat-outgoing']);
      }
      await expectFlows(topo(), baseFlows(false, true));
      expect((await status(topo(), store, backend)).code).toBe(1);
      a.proc.signal('SIGHUP');
      await until('the drift repaired', async () => (await a.http.metric('poolctl_agent_drift_repairs_total')) >= repairs + 2, 15_000);
      expect(await a.http.metric('poolctl_agent_resyncs_total', { reason: 'sighup' })).toBe(1);
      await expectFlows(topo(), baseFlows(true, true));
      expect((await status(topo(), store, backend)).code).toBe(0);
    });

    it('after 40 random changes the kernel is exactly what a fresh nat apply writes', async () => {
      const a = agent!;
      let seed = backend === 'iptables' ? 7 : 11;
      const rnd = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      // small ranges, so that pools nest, touch and merge (nft elements change shape)
      const cidr = (i: number): string => (i % 3 === 2 ? `fd20:${rnd(4)}::/${64 + rnd(3)}` : `10.200.${rnd(4) * 2}.0/${23 + rnd(3)}`);
      const names: string[] = [];
      for (let i = 0; i < 40; i++) {
        const op = names.length === 0 ? 0 : rnd(3);
        if (op === 0) {
          const name = `rnd-${i}`;
          await createPools(store.ds, [ippool(name, cidr(i), { natOutgoing: rnd(2) === 0, disabled: rnd(4) === 0 })]);
          names.push(name);
        } else if (op === 1) {
          const name = names[rnd(names.length)]!;
          await patchPool(store.ds, name, { natOutgoing: rnd(2) === 0 });
        } else {
          const name = names.splice(rnd(names.length), 1)[0]!;
          await store.ds.delete(name);
        }
        if (rnd(3) === 0) await settled(a, store);
      }
      await settled(a, store);
      expect(await a.http.metric('poolctl_agent_kernel_write_errors_total')).toBe(0);
      const incremental = await readBack(topo().node, backend);
      expect((await status(topo(), store, backend)).code).toBe(0);
      // the agent stops and leaves the rules; a fresh nat apply on a wiped namespace writes the same
      const stopped = await a.stop();
      agent = null;
      expect(stopped.code).toBe(0);
      expect(await readBack(topo().node, backend)).toBe(incremental);
      await wipeNat(topo().node);
      const apply = await topo().cli(['nat', 'apply', '--backend', backend], { env: store.nsEnv });
      expect(apply.stderr).not.toMatch(/error/i);
      expect(apply.code).toBe(0);
      expect(await readBack(topo().node, backend)).toBe(incremental);
    });

    it('kill -9 during a write: the next start leaves a correct ruleset', async () => {
      const a = startAgent(topo().node, ['--backend', backend, '--log-level', 'debug', '--resync-interval', '3600'], store.nsEnv);
      try {
        await a.waitLog((l) => l.msg === 'kernel in step with the datastore', 30_000);
        const from = a.logs.length;
        const pools = Array.from({ length: 3000 }, (_, i) => ippool(`kill-${i}`, `10.${120 + (i >> 8)}.${i & 255}.0/24`, { natOutgoing: true }));
        void createPools(store.ds, pools);
        await a.waitLog((l) => l.msg === 'kernel write started', 30_000, from);
        a.signal('SIGKILL');
        expect((await a.exited).signal).toBe('SIGKILL');
      } finally {
        await a.stop();
      }
      // the lock went with the process: a new agent starts, and its full resync puts the kernel right
      agent = await runAgent(topo(), store, backend, ['--resync-interval', '3600']);
      await settled(agent, store);
      expect(await agent.http.metric('poolctl_agent_pools')).toBe((await store.ds.natList()).pools.length);
      const s = await status(topo(), store, backend);
      expect(s.stdout).toMatch(/in sync/);
      expect(s.code).toBe(0);
      await expectFlows(topo(), baseFlows(true, true));
    });
  });
}

for (const backend of ['iptables', 'nftables'] as const) {
  kernelDescribe(`nat agent (etcd, ${backend}): datastore loss, partitions, compaction, the lock, stopping`, () => {
    const topo = useTopology(`l${backend[0]}`);
    let store: Store;
    let agent: Agent | null = null;

    // the main agent resyncs only on demand, so that each path (resume, compaction) is the one taken
    const main = async (): Promise<Agent> => (agent ??= await runAgent(topo(), store, backend, ['--resync-interval', '3600']));

    beforeAll(async () => {
      store = await openStore('etcd', topo().node);
      await createPools(store.ds, BASE_POOLS);
    }, 90_000);
    afterEach(() => {
      store.bridge?.restore();
    });
    afterAll(async () => {
      await agent?.stop();
      await store?.close();
    });

    it('a rule and a member removed by hand are repaired within the resync interval', async () => {
      const a = await runAgent(topo(), store, backend, ['--resync-interval', '2']);
      try {
        await driftRepaired(a);
      } finally {
        await a.stop();
      }
    });

    const driftRepaired = async (a: Agent): Promise<void> => {
      const repairs = await a.http.metric('poolctl_agent_drift_repairs_total');
      const ns = topo().node;
      if (backend === 'iptables') {
        await inNs(ns, 'ipset', ['del', 'cali60masq-ipam-pools', v6.natPool]);
        await inNs(ns, 'iptables', ['-t', 'nat', '-D', 'POSTROUTING', '1']);
      } else {
        await inNs(ns, 'nft', ['delete', 'element', 'ip6', 'calico', 'cali60masq-ipam-pools', `{ ${v6.natPool} }`]);
        await inNs(ns, 'nft', ['flush', 'chain', 'ip', 'calico', 'nat-POSTROUTING']);
      }
      const t0 = Date.now();
      await until('the drift repaired', async () => (await a.http.metric('poolctl_agent_drift_repairs_total')) >= repairs + 2, 10_000);
      expect(Date.now() - t0).toBeLessThan(6_000);
      expect(await a.http.metric('poolctl_agent_resyncs_total', { reason: 'interval' })).toBeGreaterThan(0);
      await expectFlows(topo(), baseFlows(true, true));
      expect((await status(topo(), store, backend)).code).toBe(0);
    };

    it('etcd stopped: the kernel keeps its ruleset, /readyz says not ready; it catches up when etcd returns', async () => {
      const a = await main();
      const before = await readBack(topo().node, backend);
      await store.etcd!.server().stop();
      try {
        const r = await until('/readyz 503', async () => {
          const x = await a.http.get('/readyz');
          return x.status === 503 ? x : null;
        }, 15_000);
        expect(r.body).toMatch(/datastore not followed/);
        expect((await a.http.get('/livez')).status).toBe(200);
        expect(await a.http.metric('poolctl_agent_ready')).toBe(0);
        // resyncs run meanwhile (interval 2 s) and leave the kernel as it was
        await new Promise((r) => setTimeout(r, 3000));
        expect(await readBack(topo().node, backend)).toBe(before);
        await expectFlows(topo(), baseFlows(true, true));
      } finally {
        await store.etcd!.server().start();
      }
      await until('/readyz 200', async () => (await a.http.get('/readyz')).status === 200, 30_000);
      await createPools(store.ds, [ippool('after-outage', '198.51.100.0/24', { disabled: true })]);
      await settled(a, store);
      await expectFlows(topo(), [{ src: v4.natPods[4]!, dst: '198.51.100.7', proto: 'tcp', nat: false }]);
      expect(await a.http.metric('poolctl_agent_watch_restarts_total', { reason: 'disconnected' })).toBeGreaterThan(0);
      expect(await a.http.metric('poolctl_agent_kernel_write_errors_total')).toBe(0);
    });

    it('cut off from etcd while pools change: the watch resumes from its revision and catches up', async () => {
      const a = await main();
      const listings = await a.http.metric('poolctl_agent_resyncs_total', { reason: 'compacted' });
      store.bridge!.cut();
      await until('/readyz 503', async () => (await a.http.get('/readyz')).status === 503, 15_000);
      await store.ds.delete('after-outage');
      await patchPool(store.ds, 'nat-v6', { natOutgoing: false });
      store.bridge!.restore();
      await settled(a, store, 30_000);
      await expectFlows(topo(), [...baseFlows(true, false), { src: v4.natPods[4]!, dst: '198.51.100.7', proto: 'udp', nat: true }]);
      // resumed, not listed again
      expect(await a.http.metric('poolctl_agent_resyncs_total', { reason: 'compacted' })).toBe(listings);
      expect((await status(topo(), store, backend)).code).toBe(0);
    });

    it('cut off while its revision is compacted: it lists the pools again (a resync) and is right', async () => {
      const a = await main();
      const listings = await a.http.metric('poolctl_agent_resyncs_total', { reason: 'compacted' });
      store.bridge!.cut();
      await until('/readyz 503', async () => (await a.http.get('/readyz')).status === 503, 15_000);
      await patchPool(store.ds, 'nat-v6', { natOutgoing: true });
      await createPools(store.ds, [ippool('while-compacted', '198.51.100.0/24', { disabled: true })]);
      const rev = await store.revision();
      await store.etcd!.raw().kv.compact({ revision: String(rev), physical: true });
      store.bridge!.restore();
      await until('a listing after compaction', async () => (await a.http.metric('poolctl_agent_resyncs_total', { reason: 'compacted' })) > listings, 30_000);
      await settled(a, store);
      expect(await a.http.metric('poolctl_agent_watch_restarts_total', { reason: 'compacted' })).toBeGreaterThan(0);
      await expectFlows(topo(), [...baseFlows(true, true), { src: v4.natPods[5]!, dst: '198.51.100.7', proto: 'tcp', nat: false }]);
      expect((await status(topo(), store, backend)).code).toBe(0);
    });

    it('a second agent in the namespace refuses to start, and nat apply refuses to write (exit 3)', async () => {
      await main();
      const second = startAgent(topo().node, ['--backend', backend, '--health-listen', '127.0.0.1:9098'], store.nsEnv);
      const r = await second.exited;
      expect(r.code).toBe(3);
      expect(second.other.join('\n')).toMatch(/nat agent: poolctl nat agent \(pid \d+, since .*\) holds the NAT lock of this network namespace/);
      // (other settings, so that apply has something to write)
      const before = await readBack(topo().node, backend);
      const apply = await topo().cli(['nat', 'apply', '--backend', backend, '--nat-port-range', '1024:65535'], { env: store.nsEnv });
      expect(await readBack(topo().node, backend)).toBe(before);
      expect(apply.stderr).toMatch(/nat apply: poolctl nat agent \(pid \d+.*holds the NAT lock/);
      expect(apply.stderr).toMatch(/change them there, or stop the agent/);
      expect(apply.code).toBe(3);
      // status only reads: it works beside the agent
      expect((await status(topo(), store, backend)).code).toBe(0);
    });

    it('SIGTERM stops it cleanly and leaves the rules; --cleanup-on-exit removes them', async () => {
      await main();
      const before = await readBack(topo().node, backend);
      // this agent lived through the outages above: its etcd watch client's reconnect timers
      // grew to 30 s and, left behind by close, kept the process alive up to that long; it must
      // end well within the default 15 s (SIGKILL after 8 s gives exit code null)
      const stopped = await agent!.stop(8_000);
      agent = null;
      expect(stopped.code).toBe(0);
      expect(await readBack(topo().node, backend)).toBe(before);
      await expectFlows(topo(), baseFlows(true, true));
      const cleaning = await runAgent(topo(), store, backend, ['--cleanup-on-exit', '--resync-interval', '3600']);
      expect((await cleaning.stop()).code).toBe(0);
      const left = await readBack(topo().node, backend);
      expect(left).not.toMatch(/cali/);
      await expectFlows(topo(), baseFlows(false, false));
    });
  });
}
