import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { createHostExec } from '../../../src/host/host-exec.js';
import { lockPath } from '../../../src/host/host-lock.js';
import { fakeBin, inNs, kernelDescribe, pool, TOPO, useTopology, type Flow, type Topology } from '../../support/netns.js';

/**
 * The host lock and what a killed apply leaves: two applies at once in one namespace never
 * lose each other's sets (the second waits), a third that cannot wait long enough gives up
 * with exit 3, runs in other namespaces do not wait, and `kill -9` during an apply (even with
 * one of its tools still running) is followed by a correct ruleset and no temporary set.
 */

let dir = '';
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-kernel-lock-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** manyPools is the topology's pools plus n /26 pools from 10.(base).0.0 on (natOutgoing, every third disabled), so that apply takes a while. */
function manyPools(base: number, n: number): string {
  const docs = [pool('nat-v4', TOPO.v4.natPool, '  natOutgoing: true\n'), pool('nat-v6', TOPO.v6.natPool, '  natOutgoing: true\n')];
  for (let i = 0; i < n; i++) {
    docs.push(pool(`p${base}-${i}`, `10.${base + (i >> 10)}.${(i >> 2) & 255}.${(i & 3) * 64}/26`, `  natOutgoing: true\n  disabled: ${i % 3 === 0}\n`));
  }
  return docs.join('');
}

const FLOWS: Flow[] = [
  { src: TOPO.v4.natPods[0], dst: TOPO.v4.ext, proto: 'tcp' },
  { src: TOPO.v6.natPods[0], dst: TOPO.v6.ext, proto: 'udp' },
];
const NATED = [TOPO.v4.nodeExt, TOPO.v6.nodeExt];

const tempSets = async (ns: string): Promise<string[]> => (await inNs(ns, 'ipset', ['list', '-n'])).stdout.split('\n').filter((n) => /^cali[46]t\d+$/.test(n));

/** appliedPair writes pool files <name>-a and <name>-b with n pools of their own each, and applies the first. */
async function appliedPair(t: Topology, name: string, n: number): Promise<{ a: string; b: string }> {
  const a = file(`${name}-a.yaml`, manyPools(20, n));
  const b = file(`${name}-b.yaml`, manyPools(40, n));
  expect((await t.cli(['nat', 'apply', '--backend', 'iptables', '-f', a])).code).toBe(0);
  return { a, b };
}

/** inSync runs nat status for the pools file and returns its exit code. */
const inSync = async (t: Topology, pools: string): Promise<number | null> => (await t.cli(['nat', 'status', '--backend', 'iptables', '-f', pools])).code;

/** lockOf is the lock file of a namespace, as poolctl names it. */
const lockOf = (ns: string): Promise<string> => lockPath(createHostExec({ env: process.env, netns: ns }));

/** lockFree says whether no one holds the lock of a namespace (flock(1) gets it at once). */
const lockFree = async (ns: string): Promise<boolean> =>
  (await createHostExec({ env: process.env, netns: ns }).run('flock', ['--nonblock', await lockOf(ns), 'true'])).code === 0;

/** until polls cond every 50 ms for up to ms. */
async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * slowIpset is an ipset whose `ipset restore` with swaps (an apply replacing existing sets)
 * notes that it started in `marker`, passes its input on, then takes `seconds` more.
 */
function slowIpset(name: string, marker: string, seconds: number): string {
  return fakeBin(dir, name, {
    ipset: [
      'if [ "$1" = restore ] && [ "$#" = 1 ]; then',
      '  f=$(mktemp); cat >"$f"',
      `  if grep -q "^swap " "$f"; then touch ${marker}; /usr/sbin/ipset restore <"$f"; rc=$?; sleep ${seconds}; rm -f "$f"; exit $rc; fi`,
      '  /usr/sbin/ipset restore <"$f"; rc=$?; rm -f "$f"; exit $rc',
      'fi',
      'exec /usr/sbin/ipset "$@"',
    ].join('\n'),
  });
}

kernelDescribe('nat apply: two at once in one network namespace', () => {
  const topo = useTopology('ka');

  it('never lose each other\'s sets: both succeed, one after the other, and no temporary set is left', async () => {
    const t = topo();
    const { a, b } = await appliedPair(t, 'two', 2000);
    let waited = 0;
    for (let round = 0; round < 4; round++) {
      const [ra, rb] = await Promise.all([
        t.cli(['nat', 'apply', '--backend', 'iptables', '-f', round % 2 ? a : b]),
        t.cli(['nat', 'apply', '--backend', 'iptables', '-f', round % 2 ? b : a]),
      ]);
      for (const r of [ra, rb]) {
        // a run that had to wait says for whom; nothing else goes to stderr
        // (a holder that has not yet written its name is "another poolctl run")
        expect(r.stderr).toMatch(
          /^(waiting for (poolctl nat apply \(pid \d+, since \S+\)|another poolctl run) to finish: it holds the NAT lock of this network namespace \(\S+\); waiting up to 60 s\n)?$/,
        );
        expect(r.code).toBe(0);
      }
      waited += [ra, rb].filter((r) => r.stderr !== '').length;
      expect(await tempSets(t.node)).toEqual([]);
      // the one that ran last is in place
      const codes = [await inSync(t, a), await inSync(t, b)].sort();
      expect(codes).toEqual([0, 1]);
    }
    // they did run at the same time: the one started second waited (almost) every round
    expect(waited).toBeGreaterThanOrEqual(2);
    expect(await t.flows(FLOWS)).toEqual(NATED);
    expect(await lockFree(t.node)).toBe(true);
  }, 300_000);
});

kernelDescribe('nat apply and status: waiting for the host lock', () => {
  const topo = useTopology('kw');

  it('a second run waits and says for whom, one that cannot wait long enough gives up (exit 3), another namespace does not wait', async () => {
    const t = topo();
    const { a, b } = await appliedPair(t, 'wait', 200);
    const marker = join(dir, 'wait-started');
    const slow = slowIpset('slow-wait', marker, 10);
    let pid = 0;
    const first = t.cli(['nat', 'apply', '--backend', 'iptables', '-f', b], {
      env: { PATH: `${slow}:${process.env.PATH}` },
      onStart: (p) => (pid = p),
    });
    await until(() => existsSync(marker));
    expect(await lockFree(t.node)).toBe(false);
    expect(readFileSync(await lockOf(t.node), 'utf8')).toMatch(new RegExp(`^pid ${pid} \\(nat apply\\) since `));

    const [impatient, patient, elsewhere] = await Promise.all([
      t.cli(['nat', 'apply', '--backend', 'iptables', '--lock-timeout', '1', '-f', a]),
      t.cli(['nat', 'status', '--backend', 'iptables', '-f', b]),
      // the pod namespace has its own kernel objects and its own lock
      t.cli(['nat', 'status', '--backend', 'iptables', '-f', b], { ns: t.pod }),
    ]);
    expect(impatient.stderr).toContain(`waiting for poolctl nat apply (pid ${pid}, since `);
    expect(impatient.stderr).toMatch(/nat apply: poolctl nat apply \(pid \d+, since \S+\) holds the NAT lock of this network namespace \(\/run\/poolctl\/net-\d+-\d+\.lock\), and it was not released within 1 s\nhint: run it again when the other run has finished, or wait longer with --lock-timeout SECONDS\n$/);
    expect(impatient.code).toBe(3);

    const r = await first;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(patient.stderr).toMatch(new RegExp(`^waiting for poolctl nat apply \\(pid ${pid}, since \\S+\\) to finish`));
    // the status waited for the apply, so it saw its result, not half of it
    expect(patient.stdout).toMatch(/in sync\n$/);
    expect(patient.code).toBe(0);
    // it never found its lock taken (it would have said so)
    expect(await lockOf(t.pod)).not.toBe(await lockOf(t.node));
    expect(elsewhere.stderr).toBe('');
    expect(elsewhere.code).toBe(1);
    expect(await lockFree(t.node)).toBe(true);
  }, 120_000);
});

/**
 * heldBy takes the lock of ns with flock(1) running the shell script (which starts with
 * `echo held`), resolves once it holds it, with a promise of the holder's exit status (in an
 * object: an async function's promise would take on the one it returns).
 */
async function heldBy(ns: string, script: string): Promise<{ exited: Promise<number | null> }> {
  const holder = spawn('ip', ['netns', 'exec', ns, 'flock', await lockOf(ns), 'sh', '-c', `echo held; ${script}`], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  // a failed test leaves no holder behind (flock and its shell: the whole process group)
  onTestFinished(() => {
    try {
      process.kill(-holder.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  const exited = new Promise<number | null>((res) => holder.on('exit', (code) => res(code)));
  await new Promise<void>((res) => holder.stdout.once('data', () => res()));
  return { exited };
}

kernelDescribe('nat status: the lock file still names the run before the holder', () => {
  const topo = useTopology('kn');

  it('names the new holder once it has written its line, not the last run (whose pid is gone) as a tool left running', async () => {
    const t = topo();
    const pools = file('named-pools.yaml', manyPools(60, 2));
    const lock = await lockOf(t.node);
    const trigger = join(dir, 'named-trigger');
    // the last run is gone; its line is still in the file when the next holder takes the lock
    writeFileSync(lock, 'pid 999999999 (nat status) since 2026-01-01T00:00:00.000Z\n');
    // the holder writes its own line only after poolctl has read the old one (the first cat below)
    const { exited } = await heldBy(t.node, `while [ ! -e ${trigger} ]; do sleep 0.01; done; printf 'pid ${process.pid} (nat apply) since 2026-12-07T00:00:00.000Z\\n' > ${lock}; sleep 1`);
    const catThenTrigger = fakeBin(dir, 'cat-trigger', { cat: `/bin/cat "$@"; rc=$?; touch ${trigger}; exit $rc` });
    const r = await t.cli(['nat', 'status', '--backend', 'iptables', '-f', pools], { env: { PATH: `${catThenTrigger}:${process.env.PATH}` } });
    expect(await exited).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^waiting for poolctl nat apply \\(pid ${process.pid}, since 2026-12-07T00:00:00.000Z\\) to finish: it holds the NAT lock`));
    expect(r.stderr).not.toContain('no longer running');
  }, 60_000);

  it('a holder that names itself only after half a second (a loaded machine) is still named, not taken for a tool left running', async () => {
    const t = topo();
    const pools = file('late-pools.yaml', manyPools(60, 2));
    const lock = await lockOf(t.node);
    writeFileSync(lock, 'pid 999999999 (nat apply) since 2026-01-01T00:00:00.000Z\n');
    const { exited } = await heldBy(t.node, `sleep 0.5; printf 'pid ${process.pid} (nat apply) since 2026-12-07T00:00:01.000Z\\n' > ${lock}; sleep 1`);
    const r = await t.cli(['nat', 'status', '--backend', 'iptables', '-f', pools]);
    expect(await exited).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^waiting for poolctl nat apply \\(pid ${process.pid}, since 2026-12-07T00:00:01.000Z\\) to finish: it holds the NAT lock`));
    expect(r.code).toBe(1);
  }, 60_000);

  it('a holder that never names itself and lets go within the moment poolctl looks again: the lock is taken with no message', async () => {
    const t = topo();
    const pools = file('quiet-pools.yaml', manyPools(60, 2));
    const lock = await lockOf(t.node);
    writeFileSync(lock, '');
    const { exited } = await heldBy(t.node, 'sleep 0.4');
    const r = await t.cli(['nat', 'status', '--backend', 'iptables', '-f', pools]);
    expect(await exited).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  }, 60_000);
});

kernelDescribe('nat apply: kill -9 in the middle', () => {
  const topo = useTopology('kk');

  it('killed after staging its sets: status reports the temporary sets left, the next apply removes them', async () => {
    const t = topo();
    const { a, b } = await appliedPair(t, 'kill', 100);
    // ipset restore swaps the new sets in, then its caller, poolctl, is killed: the temporaries stay
    const killer = fakeBin(dir, 'kill-after-swap', {
      ipset: [
        'if [ "$1" = restore ] && [ "$#" = 1 ]; then',
        '  f=$(mktemp); cat >"$f"; /usr/sbin/ipset restore <"$f"; rc=$?',
        '  if grep -q "^swap " "$f"; then kill -9 $PPID; fi',
        '  rm -f "$f"; exit $rc',
        'fi',
        'exec /usr/sbin/ipset "$@"',
      ].join('\n'),
    });
    const killed = await t.cli(['nat', 'apply', '--backend', 'iptables', '-f', b], { env: { PATH: `${killer}:${process.env.PATH}` } });
    expect(killed.code).toBeNull();
    // the IPv4 masq and pool sets were swapped (the IPv6 ones did not change)
    expect(await tempSets(t.node)).toEqual(['cali4t0', 'cali4t1']);

    const s = await t.cli(['nat', 'status', '--backend', 'iptables', '-f', b]);
    expect(s.stdout).toContain('ipset cali4t0: unexpected; a temporary set left by an interrupted apply');
    expect(s.stdout).toContain('ipset cali4t1: unexpected; a temporary set left by an interrupted apply');
    expect(s.code).toBe(1);

    const r = await t.cli(['nat', 'apply', '--backend', 'iptables', '-f', b]);
    expect(r.stdout).toContain('ipset cali4t0: delete; a temporary set left by an interrupted apply');
    expect(r.code).toBe(0);
    expect(await tempSets(t.node)).toEqual([]);
    expect(await inSync(t, b)).toBe(0);
  }, 120_000);

  it('killed while one of its tools still runs: the next apply waits for that tool, then leaves a correct ruleset', async () => {
    const t = topo();
    const { a, b } = await appliedPair(t, 'orphan', 100);
    const marker = join(dir, 'orphan-started');
    const slow = slowIpset('slow-orphan', marker, 5);
    let pid = 0;
    const killed = t.cli(['nat', 'apply', '--backend', 'iptables', '-f', b], { env: { PATH: `${slow}:${process.env.PATH}` }, onStart: (p) => (pid = p) });
    await until(() => existsSync(marker));
    process.kill(pid, 'SIGKILL');
    expect((await killed).code).toBeNull();
    // the ipset restore poolctl started still runs, and still holds the lock poolctl took
    const started = Date.now();
    const r = await t.cli(['nat', 'apply', '--backend', 'iptables', '-f', a]);
    expect(r.stderr).toMatch(new RegExp(`^waiting for a tool started by poolctl nat apply \\(pid ${pid}, since \\S+, no longer running\\) to finish`));
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect(r.code).toBe(0);
    expect(await tempSets(t.node)).toEqual([]);
    expect(await inSync(t, a)).toBe(0);
    expect(await t.flows(FLOWS)).toEqual(NATED);
  }, 120_000);

  it('killed at random moments, again and again: the next apply always leaves the ruleset in sync and no temporary set', async () => {
    const t = topo();
    const { a, b } = await appliedPair(t, 'random', 2000);
    let seed = 13;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 6; round++) {
      let pid = 0;
      const run = t.cli(['nat', 'apply', '--backend', 'iptables', '-f', round % 2 ? a : b], { onStart: (p) => (pid = p) });
      await new Promise((r) => setTimeout(r, 100 + rnd(1500)));
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already done
      }
      await run;
      const r = await t.cli(['nat', 'apply', '--backend', 'iptables', '-f', a]);
      expect(r.code).toBe(0);
      expect(await tempSets(t.node)).toEqual([]);
      expect(await inSync(t, a)).toBe(0);
    }
    expect(await t.flows(FLOWS)).toEqual(NATED);
  }, 300_000);
});
