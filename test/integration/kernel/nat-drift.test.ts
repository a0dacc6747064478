import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inNs, kernelDescribe, pool, TOPO, useTopology, type Flow, type Topology } from '../../support/netns.js';

/**
 * Drift that keeps the cali: hashes: a rule whose body was edited by hand (ACCEPT where
 * MASQUERADE was) and the POSTROUTING jump moved to first place change what happens to real
 * packets; nat status must report them (exit 1) and nat apply must repair them. And a set of
 * ours with another type: status and apply agree on whether apply can replace it.
 */

const POOLS =
  pool('nat-v4', TOPO.v4.natPool, '  natOutgoing: true\n') +
  pool('no-nat-v4', TOPO.v4.disabledPool, '  disabled: true\n') +
  pool('nat-v6', TOPO.v6.natPool, '  natOutgoing: true\n');

let dir = '';
let pools = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-kernel-drift-'));
  pools = join(dir, 'pools.yaml');
  writeFileSync(pools, POOLS);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const [POD4, POD4B] = [TOPO.v4.natPods[0], TOPO.v4.natPods[1]];
const POD6 = TOPO.v6.natPods[0];
/** FLOWS: from NAT pods of both families to an address outside every pool, TCP and UDP. */
const FLOWS: Flow[] = [
  { src: POD4, dst: TOPO.v4.ext, proto: 'tcp' },
  { src: POD4, dst: TOPO.v4.ext, proto: 'udp' },
  { src: POD4B, dst: TOPO.v4.ext, proto: 'tcp' },
  { src: POD6, dst: TOPO.v6.ext, proto: 'tcp' },
  { src: POD6, dst: TOPO.v6.ext, proto: 'udp' },
];
const NATED = [TOPO.v4.nodeExt, TOPO.v4.nodeExt, TOPO.v4.nodeExt, TOPO.v6.nodeExt, TOPO.v6.nodeExt];
const NOT_NATED = FLOWS.map((f) => f.src);

async function status(topo: Topology, backend: string): Promise<{ code: number | null; stdout: string }> {
  const r = await topo.cli(['nat', 'status', '--backend', backend, '-f', pools]);
  expect(r.stderr).toBe('');
  return r;
}

async function apply(topo: Topology, backend: string): Promise<string> {
  const r = await topo.cli(['nat', 'apply', '--backend', backend, '-f', pools]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

for (const backend of ['iptables', 'nftables'] as const) {
  kernelDescribe(`nat status and apply with ${backend}: a rule edited by hand under its cali: hash`, () => {
    const topo = useTopology(backend === 'iptables' ? 'di' : 'dn');

    it('ACCEPT in place of MASQUERADE: packets are no longer NATed, status says so, apply NATs them again', async () => {
      const t = topo();
      await apply(t, backend);
      expect(await t.flows(FLOWS)).toEqual(NATED);
      expect((await status(t, backend)).code).toBe(0);

      // the nat-outgoing rule of both families keeps its comment, loses its match and masquerade
      if (backend === 'iptables') {
        for (const tool of ['iptables', 'ip6tables']) {
          const saved = (await inNs(t.node, `${tool}-save`, ['-t', 'nat'])).stdout;
          const hash = /^-A cali-nat-outgoing -m comment --comment "cali:([^"]+)"/m.exec(saved)![1]!;
          await inNs(t.node, tool, ['-t', 'nat', '-R', 'cali-nat-outgoing', '1', '-m', 'comment', '--comment', `cali:${hash}`, '-j', 'ACCEPT']);
        }
      } else {
        for (const fam of ['ip', 'ip6']) {
          const listed = (await inNs(t.node, 'nft', ['-a', 'list', 'chain', fam, 'calico', 'nat-cali-nat-outgoing'])).stdout;
          const [, comment, handle] = /comment "(cali:[^"]+)" # handle (\d+)/.exec(listed)!;
          await inNs(t.node, 'nft', ['replace', 'rule', fam, 'calico', 'nat-cali-nat-outgoing', 'handle', handle!, 'counter', 'accept', 'comment', `"${comment}"`]);
        }
      }
      expect(await t.flows(FLOWS)).toEqual(NOT_NATED);

      const s = await status(t, backend);
      expect(s.code).toBe(1);
      expect(s.stdout).toMatch(/IPv4 \(\w+\):\n {2}chain (nat )?(nat-)?cali-nat-outgoing: differs; a rule's body differs from what its cali: hash stands for/);
      expect(s.stdout).toMatch(/IPv6 \(\w+\):\n {2}chain (nat )?(nat-)?cali-nat-outgoing: differs; a rule's body differs/);
      expect(s.stdout).toMatch(backend === 'iptables' ? /- -A cali-nat-outgoing -m comment --comment "cali:\S+" -j ACCEPT/ : /- rule comment "cali:\S+;" that poolctl does not write: .*"accept"/);
      expect(s.stdout).toMatch(/drift: 2 differences/);

      expect(await apply(t, backend)).toMatch(/applied \d+ changes? with/);
      expect(await t.flows(FLOWS)).toEqual(NATED);
      expect((await status(t, backend)).code).toBe(0);
    });
  });
}

kernelDescribe('nat status and apply with iptables: the POSTROUTING jump moved', () => {
  const topo = useTopology('dj');

  it('moved to first place, before a rule that must run first: status finds it, apply puts it back last', async () => {
    const t = topo();
    // a rule that exempts one pod from NAT, as kube-proxy's KUBE-POSTROUTING runs before Calico's
    await inNs(t.node, 'iptables', ['-t', 'nat', '-A', 'POSTROUTING', '-s', `${POD4B}/32`, '-j', 'ACCEPT']);
    await apply(t, 'iptables');
    const flows = FLOWS.slice(0, 3);
    const exempt = [TOPO.v4.nodeExt, TOPO.v4.nodeExt, POD4B];
    expect(await t.flows(flows)).toEqual(exempt);

    const jump = ['-m', 'comment', '--comment', 'cali:0i8pjzKKPyA34aQD', '-j', 'cali-POSTROUTING'];
    await inNs(t.node, 'iptables', ['-t', 'nat', '-D', 'POSTROUTING', ...jump]);
    await inNs(t.node, 'iptables', ['-t', 'nat', '-I', 'POSTROUTING', '1', ...jump]);
    // now the exempt pod is NATed too
    expect(await t.flows(flows)).toEqual([TOPO.v4.nodeExt, TOPO.v4.nodeExt, TOPO.v4.nodeExt]);

    const s = await status(t, 'iptables');
    expect(s.stdout).toContain('chain nat POSTROUTING: jump not last (rule 1 of 2; Felix appends it after every other rule)');
    expect(s.stdout).toMatch(/IPv6 \(iptables\): in sync/);
    expect(s.code).toBe(1);

    expect(await apply(t, 'iptables')).toContain('chain nat POSTROUTING: move jump to the end (now rule 1 of 2)');
    expect(await t.flows(flows)).toEqual(exempt);
    const saved = (await inNs(t.node, 'iptables-save', ['-t', 'nat'])).stdout;
    expect(saved.match(/^-A POSTROUTING .*$/gm)).toEqual([`-A POSTROUTING -s ${POD4B}/32 -j ACCEPT`, '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING']);
    expect((await status(t, 'iptables')).code).toBe(0);
    expect(await apply(t, 'iptables')).toBe('no changes: the iptables ruleset is in place\n');
  });
});

kernelDescribe('nat status and apply with iptables: a set of ours with another type', () => {
  const topo = useTopology('dt');

  it('used by poolctl\'s rules only: status says apply replaces it, and apply does, with the rules using it', async () => {
    const t = topo();
    // an old hand-made setup: a hash:ip set under Felix's name, used by a rule in cali-nat-outgoing
    await inNs(t.node, 'ipset', ['create', 'cali40masq-ipam-pools', 'hash:ip']);
    await inNs(t.node, 'ipset', ['add', 'cali40masq-ipam-pools', POD4]);
    await inNs(t.node, 'iptables', ['-t', 'nat', '-N', 'cali-nat-outgoing']);
    await inNs(t.node, 'iptables', ['-t', 'nat', '-A', 'cali-nat-outgoing', '-m', 'set', '--match-set', 'cali40masq-ipam-pools', 'src', '-j', 'MASQUERADE']);
    await inNs(t.node, 'iptables', ['-t', 'nat', '-A', 'POSTROUTING', '-j', 'cali-nat-outgoing']);

    const s = await status(t, 'iptables');
    expect(s.code).toBe(1);
    expect(s.stdout).toContain('ipset cali40masq-ipam-pools: differs (+1 -1 members); another type; type hash:ip family inet, want hash:net family inet');
    expect(s.stdout).not.toContain('conflict');
    expect(s.stdout).toMatch(/'poolctl nat apply' with the same flags brings the kernel in line\n$/);

    expect(await apply(t, 'iptables')).toContain('ipset cali40masq-ipam-pools: replace (+1 -1 members)');
    expect((await inNs(t.node, 'ipset', ['list', '-t', 'cali40masq-ipam-pools'])).stdout).toMatch(/^Type: hash:net$/m);
    // no temporary set is left, every pod of the pool is NATed now
    expect((await inNs(t.node, 'ipset', ['list', '-n'])).stdout).not.toMatch(/^cali[46]t/m);
    await inNs(t.node, 'iptables', ['-t', 'nat', '-D', 'POSTROUTING', '-j', 'cali-nat-outgoing']);
    expect(await t.flows(FLOWS)).toEqual(NATED);
    expect((await status(t, 'iptables')).code).toBe(0);
  });

  it('used by a rule poolctl does not own: status and apply both say what to do, apply changes nothing, then replaces it', async () => {
    const t = topo();
    // all-hosts-net (used with IPPoolsAndHostIPs) exists as a hash:ip set, used by a foreign rule
    const foreign = ['-t', 'nat', '-I', 'POSTROUTING', '1', '-p', 'tcp', '--dport', '9', '-m', 'set', '--match-set', 'cali40all-hosts-net', 'dst', '-j', 'ACCEPT'];
    await inNs(t.node, 'ipset', ['create', 'cali40all-hosts-net', 'hash:ip']);
    await inNs(t.node, 'iptables', foreign);
    const args = ['--backend', 'iptables', '--nat-outgoing-exclusions', 'IPPoolsAndHostIPs', '--host-ip', TOPO.v4.nodeExt, '-f', pools];

    const s = await t.cli(['nat', 'status', ...args]);
    expect(s.stdout).toContain(
      "conflict: ipset cali40all-hosts-net exists as hash:ip family inet, poolctl needs hash:net family inet, and 1 rule poolctl does not own uses it: remove that rule (iptables-save | grep -e '--match-set cali40all-hosts-net ' lists them",
    );
    expect(s.stdout).toMatch(/'poolctl nat apply' cannot resolve the conflict: do what it says, then run it with the same flags\n$/);
    expect(s.stdout).not.toContain('brings the kernel in line');
    expect(s.code).toBe(1);

    const snapshot = async (): Promise<string> =>
      ((await inNs(t.node, 'iptables-save', ['-t', 'nat', '-c'])).stdout + (await inNs(t.node, 'ipset', ['save'])).stdout).replace(/^#.*\n/gm, '');
    const before = await snapshot();
    const a = await t.cli(['nat', 'apply', ...args]);
    expect(a.stderr).toMatch(/^cannot apply:\n {2}ipset cali40all-hosts-net exists as hash:ip family inet, .*1 rule poolctl does not own uses it: remove that rule/);
    expect(a.code).toBe(1);
    expect(await snapshot()).toBe(before);

    // what the message says to do, then apply
    await inNs(t.node, 'iptables', foreign.map((w) => (w === '-I' ? '-D' : w)).filter((w) => w !== '1'));
    const b = await t.cli(['nat', 'apply', ...args]);
    expect(b.stderr).toBe('');
    expect(b.stdout).toContain('ipset cali40all-hosts-net: replace');
    expect(b.code).toBe(0);
    expect((await t.cli(['nat', 'status', ...args])).code).toBe(0);
  });
});
