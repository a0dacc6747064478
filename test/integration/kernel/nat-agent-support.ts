import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { IPPool } from '../../../src/core/index.js';
import type { Datastore } from '../../../src/datastore/datastore.js';
import { openFileDatastore } from '../../../src/datastore/file.js';
import { nsHttp, startAgent, until, type AgentProcess, type NsHttp } from '../../support/agent.js';
import { bridgeEtcd, type EtcdBridge } from '../../support/etcd-bridge.js';
import { runCli } from '../../support/cli.js';
import { etcdBackend, type EtcdBackend } from '../../support/etcd.js';
import { inNs, TOPO, type Flow, type Topology } from '../../support/netns.js';

/**
 * The nat agent suites' shared pieces: a datastore (a real etcd bridged into the node
 * namespace, or an embedded store directory), pool values, the kernel read back in a normal
 * form, and the agent started and awaited.
 */

export type Backend = 'iptables' | 'nftables';
export type StoreKind = 'etcd' | 'file';

/** ippool is a pool value for Datastore.create. */
export function ippool(name: string, cidr: string, spec: { natOutgoing?: boolean; disabled?: boolean } = {}): IPPool {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, ...spec } } as IPPool;
}

/** BASE_POOLS: a natOutgoing pool and a plain pool per family (pods in both), and a disabled no-NAT pool per family. */
export const BASE_POOLS: readonly IPPool[] = [
  ippool('nat-v4', TOPO.v4.natPool, { natOutgoing: true }),
  ippool('plain-v4', TOPO.v4.plainPool),
  ippool('no-nat-v4', TOPO.v4.disabledPool, { disabled: true }),
  ippool('nat-v6', TOPO.v6.natPool, { natOutgoing: true }),
  ippool('plain-v6', TOPO.v6.plainPool),
  ippool('no-nat-v6', TOPO.v6.disabledPool, { disabled: true }),
];

/** Store is the datastore of a suite: written in-process, reached by the agent and the CLI in the node namespace. */
export interface Store {
  readonly kind: StoreKind;
  readonly ds: Datastore;
  /** env points a poolctl run inside the node namespace at this store */
  readonly nsEnv: Record<string, string>;
  /** env points a poolctl run in the test's namespace at this store */
  readonly env: Record<string, string>;
  /** etcd and bridge, for the etcd suites */
  readonly etcd?: EtcdBackend;
  readonly bridge?: EtcdBridge;
  /** revision is the store's current revision */
  revision(): Promise<number>;
  close(): Promise<void>;
}

/** openStore starts the suite's datastore: etcd (on loopback, bridged into ns) or a temp embedded store. */
export async function openStore(kind: StoreKind, ns: string): Promise<Store> {
  if (kind === 'etcd') {
    const etcd = etcdBackend();
    await etcd.setup();
    let bridge: EtcdBridge | undefined;
    try {
      bridge = await bridgeEtcd(ns, etcd.server().endpoint);
      const ds = await etcd.open();
      return {
        kind,
        ds,
        etcd,
        bridge,
        nsEnv: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: bridge.endpoint },
        env: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd.server().endpoint },
        revision: async () => Number((await ds.natList()).revision),
        async close() {
          await ds.close();
          await bridge!.close();
          await etcd.teardown();
        },
      };
    } catch (e) {
      await bridge?.close();
      await etcd.teardown();
      throw e;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-agent-store-'));
  const path = join(dir, 'store');
  const ds = openFileDatastore(path);
  return {
    kind,
    ds,
    nsEnv: { POOLCTL_STORE: path },
    env: { POOLCTL_STORE: path },
    revision: async () => Number((await ds.natList()).revision),
    async close() {
      await ds.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** setFelixDefault creates or replaces FelixConfiguration default with spec. */
export async function setFelixDefault(ds: Datastore, spec: Record<string, unknown>): Promise<void> {
  const kinds = ds.resources('felixconfigurations');
  const value = { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec };
  await kinds.update(value).catch(() => kinds.create(value));
}

/** felixChecked matches the agent's debug line after a FelixConfiguration read that found no change it programs with. */
export const felixChecked = (l: { msg: string }): boolean => l.msg === 'FelixConfigurations read: no setting the agent programs with changed';

/** createPools creates pools in one batch (one etcd transaction when they fit, one snapshot). */
export async function createPools(ds: Datastore, pools: readonly IPPool[]): Promise<void> {
  const out = await ds.batch(pools, async (txn) => {
    await txn.list();
    return (p) => txn.create(p);
  });
  const failed = out.filter((o) => !o.ok);
  if (failed.length) throw new Error(`create failed: ${failed.map((f) => (f as { error: Error }).error.message).join('; ')}`);
}

/** patchPool sets spec fields of a stored pool. */
export async function patchPool(ds: Datastore, name: string, spec: Partial<IPPool['spec']>): Promise<void> {
  const cur = await ds.get(name);
  await ds.update({ ...cur, spec: { ...cur.spec, ...spec } });
}

/**
 * readBack is the backend's NAT state in a normal form: iptables: the nat tables' cali lines
 * without counters, and the NAT ipsets with members sorted (headers without the hash's sizing
 * and seed); nftables: the ruleset without counters. Two kernels with the same rules and members read back the same.
 */
export async function readBack(ns: string, backend: Backend): Promise<string> {
  if (backend === 'nftables') {
    const r = await inNs(ns, 'nft', ['list', 'ruleset']);
    // tables in name order (nft lists them in the order they were made)
    const tables = r.stdout.replace(/counter packets \d+ bytes \d+/g, 'counter').replace(/^#.*\n/gm, '').split(/^(?=table )/m);
    return tables.sort().join('');
  }
  const [v4, v6, sets] = await Promise.all([
    inNs(ns, 'iptables-save', ['-t', 'nat']),
    inNs(ns, 'ip6tables-save', ['-t', 'nat']),
    inNs(ns, 'ipset', ['save']),
  ]);
  const rules = (t: string): string[] => t.split('\n').filter((l) => /cali/.test(l) && !l.startsWith('#')).map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
  const members = new Map<string, string[]>();
  const headers: string[] = [];
  for (const l of sets.stdout.split('\n')) {
    const m = /^add (\S+) (\S+)$/.exec(l);
    if (m) members.set(m[1]!, [...(members.get(m[1]!) ?? []), m[2]!]);
    // hashsize and bucketsize grow with the set, initval is random: not part of what was programmed
    else if (l.startsWith('create cali')) headers.push(l.replace(/ (hashsize|bucketsize|initval) \S+/g, ''));
  }
  const setText = headers.sort().map((h) => {
    const name = h.split(' ')[1]!;
    return `${h}\n${(members.get(name) ?? []).sort().map((m) => `  ${m}`).join('\n')}`;
  });
  return [...rules(v4.stdout), '====', ...rules(v6.stdout), '====', ...setText].join('\n');
}

/** wipeNat removes every NAT rule, chain, set and table of the namespace (iptables and nftables). */
export async function wipeNat(ns: string): Promise<void> {
  await inNs(ns, 'nft', ['flush', 'ruleset']);
  await inNs(ns, 'ipset', ['destroy']);
}

/** Agent is a running agent with its namespace HTTP client. */
export interface Agent {
  readonly proc: AgentProcess;
  readonly http: NsHttp;
  /** stop sends SIGTERM and waits for the exit (SIGKILL after timeoutMs, AgentProcess's default if not given). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** runAgent starts `nat agent --backend B ARGS` in the node namespace and waits until it is ready. */
export async function runAgent(topo: Pick<Topology, 'node'>, store: Pick<Store, 'nsEnv'>, backend: Backend, args: readonly string[] = []): Promise<Agent> {
  const proc = startAgent(topo.node, ['--backend', backend, ...args], store.nsEnv);
  const http = nsHttp(topo.node);
  try {
    await proc.waitLog((l) => l.msg === 'kernel in step with the datastore', 30_000);
    await until('/readyz 200', async () => (await http.get('/readyz')).status === 200, 15_000);
  } catch (e) {
    http.close();
    await proc.stop();
    throw e;
  }
  return {
    proc,
    http,
    async stop(timeoutMs?: number) {
      http.close();
      return proc.stop(timeoutMs);
    },
  };
}

/** settled waits until the agent's kernel holds the store's current revision (poolctl_agent_datastore_revision). */
export async function settled(agent: Agent, store: Pick<Store, 'revision'>, timeoutMs = 20_000): Promise<void> {
  const rev = await store.revision();
  await until(`the agent to apply revision ${rev}`, async () => (await agent.http.metric('poolctl_agent_datastore_revision')) >= rev, timeoutMs);
}

/** expectFlows runs the flows for real and expects each to be seen NATed (the node's address) or not. */
export async function expectFlows(topo: Topology, cases: readonly (Flow & { nat: boolean })[]): Promise<void> {
  const seen = await topo.flows(cases);
  expect(cases.map((c, i) => ({ ...c, seen: seen[i] }))).toEqual(
    cases.map((c) => ({ ...c, seen: c.nat ? (c.src.includes(':') ? TOPO.v6.nodeExt : TOPO.v4.nodeExt) : c.src })),
  );
}

/** status runs `nat status --backend B` in the node namespace against the store. */
export function status(topo: Topology, store: Store, backend: Backend) {
  return topo.cli(['nat', 'status', '--backend', backend], { env: store.nsEnv });
}

/** writeYaml writes pools as a manifest file and returns its path. */
export function writeYaml(dir: string, name: string, pools: readonly IPPool[]): string {
  const p = join(dir, name);
  writeFileSync(p, pools.map((x) => `---\n${JSON.stringify(x)}\n`).join(''));
  return p;
}

/** createWithCli runs `poolctl create -f FILE` against the store (in the test's namespace). */
export async function createWithCli(store: Store, file: string): Promise<void> {
  const r = await runCli(['create', '-f', file], { env: store.env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}
