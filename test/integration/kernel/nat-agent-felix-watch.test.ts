import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startAgent, type AgentProcess } from '../../support/agent.js';
import { kernelDescribe, useTopology } from '../../support/netns.js';
import { BASE_POOLS, createPools, felixChecked, openStore, setFelixDefault, type Store } from './nat-agent-support.js';

/**
 * A running `nat agent` learns of a FelixConfiguration change from a watch on etcd's
 * felixconfigurations prefix, as Felix learns of it from its syncer, not from the
 * --felix-check-interval backstop (set to an hour here, and so is the resync): a respelled
 * value plus a field the agent does not use is read (the debug line) and causes no exit; a
 * changed nftablesMode makes it exit 129 within about 2 s. Real etcd on loopback, bridged into
 * the node namespace of the topology tagged kfw (pc<pid>kfw0-*), deleted afterwards.
 */

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const NODE = 'kfw-node';
/** EXIT_WITHIN_MS bounds the time from the write to the agent's exit: about 2 s, with slack for a loaded machine. */
const EXIT_WITHIN_MS = 3_000;

kernelDescribe('nat agent: FelixConfiguration changes seen through an etcd watch (no polling)', () => {
  const topo = useTopology('kfw');
  let store: Store;
  let agent: AgentProcess | null = null;

  const setDefault = (spec: Record<string, unknown>): Promise<void> => setFelixDefault(store.ds, spec);

  beforeAll(async () => {
    store = await openStore('etcd', topo().node);
    await createPools(store.ds, BASE_POOLS.slice(0, 1));
    await setDefault({ nftablesMode: 'Disabled' });
  });
  afterAll(async () => {
    await agent?.stop();
    await store?.close();
  });

  it('a respelling and an unrelated field: read at once, no exit; nftablesMode changed: exit 129 within about 2 s', async () => {
    const a = startAgent(topo().node, ['--log-level', 'debug', '--resync-interval', '3600', '--felix-check-interval', '3600'], { ...store.nsEnv, NODENAME: NODE });
    agent = a;
    await a.waitLog((l) => l.msg === 'kernel in step with the datastore', 30_000);
    // the watch is up once its first read is done
    await a.waitLog(felixChecked, 10_000);

    const from = a.logs.length;
    await setDefault({ nftablesMode: 'disabled', logSeverityScreen: 'Debug' });
    await a.waitLog(felixChecked, EXIT_WITHIN_MS, from);
    const exit = await Promise.race([a.exited, new Promise<null>((r) => setTimeout(() => r(null), 1_000))]);
    expect(exit).toBeNull();

    const at = Date.now();
    await setDefault({ nftablesMode: 'Enabled' });
    const ended = await Promise.race([a.exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    const tookMs = Date.now() - at;
    expect(ended).toEqual({ code: 129, signal: null });
    console.log(`kfw: exit 129 ${tookMs} ms after the write`);
    expect(tookMs, `exit after ${tookMs} ms`).toBeLessThan(EXIT_WITHIN_MS);
    const line = a.logs.find((l) => l.msg.startsWith('FelixConfiguration changed: exiting to be restarted'));
    expect(line?.changes).toEqual(['nftablesMode "Disabled" -> "Enabled"', 'backend "iptables" -> "nftables"']);
    agent = null;
  });
});
