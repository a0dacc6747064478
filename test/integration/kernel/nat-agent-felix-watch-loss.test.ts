import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { startAgent, type AgentProcess } from '../../support/agent.js';
import { kernelDescribe, useTopology } from '../../support/netns.js';
import { BASE_POOLS, createPools, felixChecked, openStore, setFelixDefault, type Store } from './nat-agent-support.js';

/**
 * A running `nat agent` whose FelixConfiguration watch is lost sets it up again (FelixWatch's
 * backoff) and checks once it is back, against the start's values: with the backstop and the
 * resync set to an hour only the watch path can notice. (1) etcd stopped and started again:
 * the watch comes back and a change written after that exits 129. (2) a change written while
 * the agent is cut off (bridge cut, etcd stopped and started again) is caught by the check that
 * follows the re-established watch. Real etcd on loopback (same port and data dir across the
 * restart), bridged into the node namespace of the topology tagged kwl (pc<pid>kwl0-*),
 * deleted afterwards.
 */

vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

const NODE = 'kwl-node';
/** EXIT_WITHIN_MS bounds the time to exit 129 once the agent can see the change again (backoff at most 5 s, plus a loaded machine). */
const EXIT_WITHIN_MS = 10_000;
const CHANGES = ['nftablesMode "Disabled" -> "Enabled"', 'backend "iptables" -> "nftables"'];

kernelDescribe('nat agent: the FelixConfiguration watch lost and set up again', () => {
  const topo = useTopology('kwl');
  let store: Store;
  let agent: AgentProcess | null = null;

  const setDefault = (spec: Record<string, unknown>): Promise<void> => setFelixDefault(store.ds, spec);
  const watching = (l: { msg: string }): boolean => l.msg === 'watching the FelixConfigurations';
  const lost = (l: { msg: string }): boolean => l.msg.startsWith('FelixConfiguration watch lost');
  const exitWithin = (a: AgentProcess, ms: number) =>
    Promise.race([a.exited, new Promise<null>((r) => setTimeout(() => r(null), ms))]);

  /** started runs an agent from nftablesMode Disabled and waits for its watch's first check. */
  const started = async (): Promise<AgentProcess> => {
    await setDefault({ nftablesMode: 'Disabled' });
    const a = startAgent(topo().node, ['--log-level', 'debug', '--resync-interval', '3600', '--felix-check-interval', '3600'], { ...store.nsEnv, NODENAME: NODE });
    agent = a;
    await a.waitLog((l) => l.msg === 'kernel in step with the datastore', 30_000);
    await a.waitLog(felixChecked, 10_000);
    return a;
  };
  const expectRestart = (a: AgentProcess, ended: unknown): void => {
    expect(ended).toEqual({ code: 129, signal: null });
    const line = a.logs.find((l) => l.msg.startsWith('FelixConfiguration changed: exiting to be restarted'));
    expect(line?.changes).toEqual(CHANGES);
    agent = null;
  };

  beforeAll(async () => {
    store = await openStore('etcd', topo().node);
    await createPools(store.ds, BASE_POOLS.slice(0, 1));
  });
  // a failed test's agent is stopped before the next one starts (it holds the namespace's NAT lock)
  afterEach(async () => {
    store?.bridge?.restore();
    await agent?.stop();
    agent = null;
  });
  afterAll(async () => {
    await store?.close();
  });

  it('etcd stopped and started again: the watch is set up again and a change written afterwards exits 129', async () => {
    const t0 = Date.now();
    const a = await started();
    let from = a.logs.length;
    await store.etcd!.server().stop();
    try {
      await a.waitLog(lost, 15_000, from);
      // at least one attempt fails while etcd is down: the retry, not the first try, brings it back
      await a.waitLog((l) => l.msg.startsWith('FelixConfigurations not watched'), 15_000, from);
    } finally {
      from = a.logs.length;
      await store.etcd!.server().start();
    }
    const back = await a.waitLog(watching, 15_000, from);
    await a.waitLog(felixChecked, 5_000, a.logs.indexOf(back));
    expect(await exitWithin(a, 200)).toBeNull();

    const at = Date.now();
    await setDefault({ nftablesMode: 'Enabled' });
    const ended = await exitWithin(a, EXIT_WITHIN_MS);
    console.log(`kwl: after the restart, exit ${Date.now() - at} ms after the write; test ${Date.now() - t0} ms`);
    expectRestart(a, ended);
  });

  it('a change written while the agent is cut off (etcd stopped and started again meanwhile) is caught when the watch is back', async () => {
    const t0 = Date.now();
    const a = await started();
    const from = a.logs.length;
    store.bridge!.cut();
    try {
      await a.waitLog(lost, 15_000, from);
      await store.etcd!.server().stop();
      await store.etcd!.server().start();
      await setDefault({ nftablesMode: 'Enabled' });
      // nothing else reads the FelixConfigurations (backstop and resync an hour): no exit while cut off
      expect(await exitWithin(a, 1_500)).toBeNull();
      expect(a.logs.slice(from).some(watching)).toBe(false);
    } finally {
      store.bridge!.restore();
    }
    const at = Date.now();
    const ended = await exitWithin(a, EXIT_WITHIN_MS);
    console.log(`kwl: cut off, exit ${Date.now() - at} ms after the bridge was restored; test ${Date.now() - t0} ms`);
    expect(a.logs.slice(from).some(watching)).toBe(true);
    expectRestart(a, ended);
  });
});
