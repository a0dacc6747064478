import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { inNs, kernelDescribe, pool, TOPO, useTopology, type Flow, type Topology } from '../../support/netns.js';

/**
 * Real packets: `nat apply` programs the node namespace, a pod namespace opens TCP and UDP
 * connections from pool addresses, the far end reports the source it saw, and that source
 * must be the node's address exactly when `nat explain` says NAT.
 */

type Backend = 'iptables' | 'nftables';

/** POOLS: a natOutgoing pool and a plain pool per family (pods in both), and a disabled no-NAT pool. */
function poolsYaml(opts: { natOutgoing?: boolean; extra?: string } = {}): string {
  const nat = opts.natOutgoing ?? true;
  return [
    pool('nat-v4', TOPO.v4.natPool, `  natOutgoing: ${nat}\n`),
    pool('plain-v4', TOPO.v4.plainPool, '  natOutgoing: false\n'),
    pool('no-nat-v4', TOPO.v4.disabledPool, '  disabled: true\n'),
    pool('nat-v6', TOPO.v6.natPool, `  natOutgoing: ${nat}\n`),
    pool('plain-v6', TOPO.v6.plainPool, '  natOutgoing: false\n'),
    pool('no-nat-v6', TOPO.v6.disabledPool, '  disabled: true\n'),
    opts.extra ?? '',
  ].join('');
}

/** randomFlows draws n flows (seeded): both families, both protocols, pods of both pools, every target. */
function randomFlows(seed: number, n: number): Flow[] {
  let s = seed >>> 0;
  const rnd = (k: number): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % k) as number;
  };
  const flows: Flow[] = [];
  for (let i = 0; i < n; i++) {
    const fam = i % 2 === 0 ? TOPO.v4 : TOPO.v6;
    const pods = rnd(4) === 0 ? fam.plainPods : fam.natPods;
    flows.push({ src: pods[rnd(pods.length)]!, dst: fam.targets[rnd(fam.targets.length)]!, proto: rnd(2) ? 'tcp' : 'udp' });
  }
  return flows;
}

interface Explained {
  src: string;
  dst: string;
  nat: boolean;
  action: string;
  reason: string;
}

/**
 * PoolSource is where the commands take the pools from: a manifest (-f) or a temp store
 * (POOLCTL_STORE) filled with `poolctl create`; set() replaces every pool.
 */
interface PoolSource {
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  set(yaml: string): Promise<void>;
}

function filePools(dir: string): PoolSource {
  const file = join(dir, 'pools.yaml');
  return {
    args: ['-f', file],
    env: {},
    async set(yaml) {
      writeFileSync(file, yaml);
    },
  };
}

function storePools(dir: string): PoolSource {
  const env = { POOLCTL_STORE: join(dir, 'store') };
  const file = join(dir, 'next.yaml');
  return {
    args: [],
    env,
    async set(yaml) {
      const names = await runCli(['get', 'ippools', '-o', 'name'], { env });
      expect(names.code).toBe(0);
      const existing = names.stdout.split('\n').filter(Boolean).map((n) => n.replace(/^ippool\//, ''));
      if (existing.length) expect((await runCli(['delete', 'ippool', ...existing], { env })).code).toBe(0);
      writeFileSync(file, yaml);
      const r = await runCli(['create', '-f', file], { env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    },
  };
}

/** explain runs `nat explain --flows - -o json` (outside the namespaces: it is pure) for the flows. */
async function explain(source: PoolSource, flows: readonly Flow[]): Promise<Explained[]> {
  const r = await runCli(['nat', 'explain', '--flows', '-', '-o', 'json', ...source.args], {
    env: source.env,
    input: flows.map((f) => `${f.src} ${f.dst}`).join('\n') + '\n',
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Explained);
}

/** expectFlowsMatchExplain runs the flows for real and checks each seen source against explain. */
async function expectFlowsMatchExplain(topo: Topology, source: PoolSource, flows: readonly Flow[]): Promise<Explained[]> {
  const [seen, decisions] = await Promise.all([topo.flows(flows), explain(source, flows)]);
  const got = flows.map((f, i) => ({ ...f, seen: seen[i] }));
  const want = flows.map((f, i) => ({ ...f, seen: decisions[i]!.nat ? (f.src.includes(':') ? TOPO.v6.nodeExt : TOPO.v4.nodeExt) : f.src }));
  expect(got).toEqual(want);
  return decisions;
}

/** snapshot is the backend's whole live state, counters included (timestamps dropped). */
async function snapshot(ns: string, backend: Backend): Promise<string> {
  const parts =
    backend === 'iptables'
      ? await Promise.all([
          inNs(ns, 'iptables-save', ['-c']),
          inNs(ns, 'ip6tables-save', ['-c']),
          inNs(ns, 'ipset', ['save']),
        ])
      : [await inNs(ns, 'nft', ['list', 'ruleset'])];
  return parts.map((p) => p.stdout.replace(/^#.*\n/gm, '')).join('\n====\n');
}

// iptables takes the pools from a manifest, nftables from a store filled through the CLI.
for (const [backend, where] of [
  ['iptables', '-f'],
  ['nftables', 'store'],
] as const) {
  kernelDescribe(`nat apply --backend ${backend} (pools from ${where}): real TCP/UDP flows in network namespaces`, () => {
    const topo = useTopology(backend === 'iptables' ? 'fi' : 'fn');
    let dir = '';
    let source: PoolSource;
    const apply = (extra: readonly string[] = []) =>
      topo().cli(['nat', 'apply', '--backend', backend, ...source.args, ...extra], { env: source.env });

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `poolctl-kernel-${backend}-`));
      source = where === '-f' ? filePools(dir) : storePools(dir);
      await source.set(poolsYaml());
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('programs the node: 64 random flows are NATed to the node address exactly when nat explain says so', async () => {
      const r = await apply();
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/applied \d+ changes with /);
      const flows = randomFlows(backend === 'iptables' ? 1 : 2, 64);
      const decisions = await expectFlowsMatchExplain(topo(), source, flows);
      // the sample exercises both outcomes and every reason the topology offers
      expect(new Set(decisions.map((d) => d.reason))).toEqual(new Set(['NAT', 'DST_IN_POOL', 'SRC_NOT_IN_NAT_POOL']));
      // and both families on both sides of the decision
      for (const fam of [':', '.']) {
        expect(decisions.some((d) => d.nat && d.src.includes(fam))).toBe(true);
        expect(decisions.some((d) => !d.nat && d.src.includes(fam))).toBe(true);
      }
    });

    it('a second apply reports no changes and leaves the ruleset identical, counters included', async () => {
      const before = await snapshot(topo().node, backend);
      expect(before).toMatch(backend === 'iptables' ? /\[[1-9]\d*:\d+\] -A cali-nat-outgoing/ : /packets [1-9]\d* bytes \d+ masquerade/);
      const r = await apply();
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^no changes/);
      expect(await snapshot(topo().node, backend)).toBe(before);
    });

    it('nat status is in sync, names a rule deleted by hand (exit 1), and apply repairs it', async () => {
      const status = (o: readonly string[] = []) => topo().cli(['nat', 'status', '--backend', backend, ...source.args, ...o], { env: source.env });
      const ok = await status();
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/in sync/);
      if (backend === 'iptables') {
        await inNs(topo().node, 'iptables', ['-t', 'nat', '-D', 'cali-nat-outgoing', '1']);
      } else {
        const listed = await inNs(topo().node, 'nft', ['-a', 'list', 'chain', 'ip', 'calico', 'nat-cali-nat-outgoing']);
        const handle = /masquerade.*# handle (\d+)/.exec(listed.stdout)![1]!;
        await inNs(topo().node, 'nft', ['delete', 'rule', 'ip', 'calico', 'nat-cali-nat-outgoing', 'handle', handle]);
      }
      const drift = await status();
      expect(drift.code).toBe(1);
      const hash = backend === 'iptables' ? 'cali:W_qq_N2KSTWyCvrX' : 'cali:oMLt0S09xBKlYFS5';
      expect(drift.stdout).toContain(hash);
      expect(drift.stdout).toMatch(/IPv4 \(\w+\):\n\s+chain (nat )?(nat-)?cali-nat-outgoing: differs/);
      expect(drift.stdout).toMatch(/IPv6 \(\w+\): in sync/);
      const json = await status(['-o', 'json']);
      expect(json.code).toBe(1);
      const doc = JSON.parse(json.stdout);
      expect(doc).toMatchObject({ backend, inSync: false });
      expect(doc.differences).toEqual([expect.objectContaining({ kind: 'chain', family: 4, add: [expect.stringContaining(hash)] })]);
      const fix = await apply();
      expect(fix.code).toBe(0);
      expect(fix.stdout).toMatch(/applied 1 changes? with/);
      expect((await status()).code).toBe(0);
    });

    it('a hand-written rule in an owned chain: status names it, explain --live refuses it, apply removes it', async () => {
      const ns = topo().node;
      if (backend === 'iptables') await inNs(ns, 'iptables', ['-t', 'nat', '-I', 'cali-nat-outgoing', '1', '-s', '10.0.0.0/8', '-j', 'RETURN']);
      else await inNs(ns, 'nft', ['insert', 'rule', 'ip', 'calico', 'nat-cali-nat-outgoing', 'ip', 'saddr', '10.0.0.0/8', 'return']);
      const status = await topo().cli(['nat', 'status', '--backend', backend, ...source.args], { env: source.env });
      expect(status.code).toBe(1);
      expect(status.stdout).toContain(backend === 'iptables' ? '- -A cali-nat-outgoing -s 10.0.0.0/8 -j RETURN' : '- rule without a cali: comment');
      const live = await topo().cli(['nat', 'explain', '--live', TOPO.v4.natPods[0]!, '198.51.100.7']);
      expect(live.code).toBe(1);
      expect(live.stderr).toMatch(/cannot explain from the live \w+ ruleset: chain (nat-)?cali-nat-outgoing: unsupported/);
      const fix = await apply();
      expect(fix.code).toBe(0);
      expect((await topo().cli(['nat', 'status', '--backend', backend, ...source.args], { env: source.env })).code).toBe(0);
    });

    it('nat explain --live decides like nat explain from what apply programmed', async () => {
      const flows = randomFlows(backend === 'iptables' ? 3 : 4, 40);
      const input = flows.map((f) => `${f.src} ${f.dst}`).join('\n') + '\n';
      const live = await topo().cli(['nat', 'explain', '--live', '--flows', '-', '-o', 'json'], { input });
      expect(live.stderr).toBe('');
      expect(live.code).toBe(0);
      const fromLive = live.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Explained);
      const fromPools = await explain(source, flows);
      const pick = (d: Explained) => ({ src: d.src, dst: d.dst, nat: d.nat, action: d.action, reason: d.reason });
      expect(fromLive.map(pick)).toEqual(fromPools.map(pick));
      // a single flow too
      const one = await topo().cli(['nat', 'explain', '--live', TOPO.v4.natPods[0]!, '198.51.100.7', '-o', 'json']);
      expect(one.code).toBe(0);
      expect(JSON.parse(one.stdout)).toMatchObject({ nat: true, action: 'MASQUERADE', reason: 'NAT' });
    });

    it('changing the pools and re-applying changes live behaviour', async () => {
      // a new disabled pool covering 198.51.100.0/24 makes it a no-NAT destination
      const flows: Flow[] = [
        { src: TOPO.v4.natPods[1]!, dst: '198.51.100.7', proto: 'tcp' },
        { src: TOPO.v4.natPods[2]!, dst: '198.51.100.7', proto: 'udp' },
        { src: TOPO.v4.natPods[3]!, dst: TOPO.v4.ext, proto: 'tcp' },
        { src: TOPO.v6.natPods[1]!, dst: TOPO.v6.targets[1]!, proto: 'udp' },
      ];
      expect((await topo().flows(flows)).slice(0, 2)).toEqual([TOPO.v4.nodeExt, TOPO.v4.nodeExt]);
      await source.set(poolsYaml({ extra: pool('no-nat-ext', '198.51.100.0/24', '  disabled: true\n') }));
      expect((await apply()).code).toBe(0);
      expect(await topo().flows(flows)).toEqual([flows[0]!.src, flows[1]!.src, TOPO.v4.nodeExt, TOPO.v6.nodeExt]);
      await expectFlowsMatchExplain(topo(), source, randomFlows(5, 24));

      // natOutgoing false on the NAT pools: nothing is NATed any more
      await source.set(poolsYaml({ natOutgoing: false }));
      expect((await apply()).code).toBe(0);
      expect(await topo().flows(flows)).toEqual(flows.map((f) => f.src));
      await expectFlowsMatchExplain(topo(), source, randomFlows(6, 24));

      // and back
      await source.set(poolsYaml());
      expect((await apply()).code).toBe(0);
      expect(await topo().flows(flows)).toEqual([TOPO.v4.nodeExt, TOPO.v4.nodeExt, TOPO.v4.nodeExt, TOPO.v6.nodeExt]);
    });
  });
}
