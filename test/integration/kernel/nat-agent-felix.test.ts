import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { nsHttp, startAgent, until, type AgentProcess } from '../../support/agent.js';
import { inNs, kernelDescribe, TOPO, useTopology, type Flow } from '../../support/netns.js';
import { BASE_POOLS, createPools, openStore, readBack, setFelixDefault, type Store } from './nat-agent-support.js';

/**
 * A running `nat agent` and FelixConfiguration changes (issue 11's loose end), as Felix v3.31.7
 * handles them: a change to nftablesMode or a NAT setting makes Felix exit with status 129 for
 * its supervisor to restart it (felix/daemon/daemon.go), and the restarted Felix programs the
 * new settings and cleans the dataplane it no longer uses. The agent runs without --backend in
 * a node namespace against an embedded store; the test plays the supervisor (starts it again
 * after exit 129). Each switch is checked with real TCP and UDP from the pod namespace, and
 * the backend left behind is checked empty. Namespaces: the topology's, tagged hfm.
 */

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const NODE = 'hfm-node';
const SNAT_TO = '192.0.2.100';
const v4 = TOPO.v4;
const v6 = TOPO.v6;

/** FLOWS are TCP and UDP from a NAT pod and a plain pod in each family to the far end. */
const FLOWS: Flow[] = [
  { src: v4.natPods[0]!, dst: v4.ext, proto: 'tcp' },
  { src: v4.natPods[1]!, dst: v4.ext, proto: 'udp' },
  { src: v4.plainPods[0]!, dst: v4.ext, proto: 'tcp' },
  { src: v6.natPods[0]!, dst: v6.ext, proto: 'tcp' },
  { src: v6.natPods[1]!, dst: v6.ext, proto: 'udp' },
];
/** seenAs is what the far end sees of FLOWS: NAT pods as `v4src` (IPv4) and the node (IPv6; as themselves when IPv6 is not NATed), plain pods as themselves. */
const seenAs = (v4src: string, v6nat = true): string[] => [v4src, v4src, v4.plainPods[0]!, ...(v6nat ? [v6.nodeExt, v6.nodeExt] : [v6.natPods[0]!, v6.natPods[1]!])];

kernelDescribe('nat agent: FelixConfiguration changes while it runs, as Felix (exit 129, restart, nothing left behind)', () => {
  const topo = useTopology('hfm');
  let store: Store;
  let agent: AgentProcess | null = null;

  const setDefault = (spec: Record<string, unknown>): Promise<void> => setFelixDefault(store.ds, spec);
  /** start runs the agent (no --backend) as its supervisor would, and waits until it is ready. */
  const start = async (): Promise<AgentProcess> => {
    const a = startAgent(topo().node, ['--resync-interval', '3600', '--felix-check-interval', '1', '--health-listen', '127.0.0.1:9199'], { ...store.nsEnv, NODENAME: NODE });
    agent = a;
    await a.waitLog((l) => l.msg === 'kernel in step with the datastore', 30_000);
    const http = nsHttp(topo().node, 9199);
    try {
      await until('/readyz 200', async () => (await http.get('/readyz')).status === 200, 15_000);
    } finally {
      http.close();
    }
    return a;
  };
  /** restarted waits for the agent's exit for a changed setting and checks its status and message. */
  const restarted = async (a: AgentProcess, change: string): Promise<void> => {
    const exit = await Promise.race([a.exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    expect(exit, 'the agent exits within 20 s of the change').toEqual({ code: 129, signal: null });
    const line = a.logs.find((l) => l.msg.startsWith('FelixConfiguration changed: exiting to be restarted'));
    expect(line?.changes).toContain(change);
    agent = null;
  };
  const empty = async (backend: 'iptables' | 'nftables'): Promise<void> => {
    if (backend === 'nftables') expect((await inNs(topo().node, 'nft', ['list', 'ruleset'])).stdout).not.toContain('table ip calico');
    else {
      expect((await inNs(topo().node, 'iptables-save', ['-t', 'nat'])).stdout).not.toMatch(/cali/);
      expect((await inNs(topo().node, 'ip6tables-save', ['-t', 'nat'])).stdout).not.toMatch(/cali/);
      expect((await inNs(topo().node, 'ipset', ['list', '-n'])).stdout).not.toMatch(/cali/);
    }
  };

  beforeAll(async () => {
    store = await openStore('file', topo().node);
    await createPools(store.ds, BASE_POOLS);
    await setDefault({ nftablesMode: 'Disabled' });
    await inNs(topo().node, 'ip', ['addr', 'add', `${SNAT_TO}/32`, 'dev', 'n-ext']);
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await store?.close();
  });

  it('nftablesMode Disabled: iptables; Enabled while running: exit 129, rules kept; restarted: nftables, iptables state removed', async () => {
    let a = await start();
    expect(a.logs.find((l) => l.msg === 'backend chosen by FelixConfiguration')).toMatchObject({ backend: 'iptables' });
    expect(await topo().flows(FLOWS)).toEqual(seenAs(v4.nodeExt));
    const before = await readBack(topo().node, 'iptables');

    await setDefault({ nftablesMode: 'Enabled' });
    await restarted(a, 'nftablesMode "Disabled" -> "Enabled"');
    // until the supervisor restarts it, the kernel keeps NATing with what the agent wrote
    expect(await readBack(topo().node, 'iptables')).toBe(before);

    a = await start();
    expect(a.logs.find((l) => l.msg === 'nat agent started')).toMatchObject({ backend: 'nftables', why: 'nftablesMode Enabled from FelixConfiguration default' });
    await empty('iptables');
    expect(await topo().flows(FLOWS)).toEqual(seenAs(v4.nodeExt));
    const status = await topo().cli(['nat', 'status'], { env: { ...store.nsEnv, NODENAME: NODE } });
    expect(status.stdout).toMatch(/^backend: nftables \(nftablesMode Enabled/);
    expect(status.code, status.stdout).toBe(0);
  });

  it('the same value spelled otherwise, and a field the agent does not use: no restart', async () => {
    const a = agent!;
    await setDefault({ nftablesMode: 'enabled', logSeverityScreen: 'Debug' });
    // the watch has the store read at once (the 1 s check runs only while it is down); 3.5 s pass without an exit
    const exit = await Promise.race([a.exited, new Promise<null>((r) => setTimeout(() => r(null), 3_500))]);
    expect(exit).toBeNull();
  });

  it('natOutgoingAddress set: exit 129; restarted: packets leave from it (nftables); nftablesMode Disabled: iptables, the nft table removed', async () => {
    let a = agent!;
    // natOutgoingAddress is IPv4-only: Felix cannot program it beside IPv6 natOutgoing pools (calico#3275)
    await store.ds.delete('nat-v6');
    await setDefault({ nftablesMode: 'Enabled', natOutgoingAddress: SNAT_TO });
    await restarted(a, `natOutgoingAddress null -> "${SNAT_TO}"`);
    a = await start();
    expect(await topo().flows(FLOWS)).toEqual(seenAs(SNAT_TO, false));

    await setDefault({ nftablesMode: 'Disabled', natOutgoingAddress: SNAT_TO });
    await restarted(a, 'nftablesMode "Enabled" -> "Disabled"');
    a = await start();
    await empty('nftables');
    expect(await topo().flows(FLOWS)).toEqual(seenAs(SNAT_TO, false));
    expect(await a.stop()).toEqual({ code: 0, signal: null });
    agent = null;
  });
});
