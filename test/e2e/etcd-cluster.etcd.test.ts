import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { runCli, type CliResult } from '../support/cli.js';
import { skipEtcd, startEtcd, startSilentEndpoint, TEST_TLS, type EtcdServer, type SilentEndpoint } from '../support/etcd.js';
import { startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { CLEAN_ENV } from './crud-support.js';

// poolctl against etcd as a real cluster (three /usr/bin/etcd members on loopback): a member
// down, the leader killed in the middle of a batch, a member that accepts connections and
// never answers, over plain TCP and TLS. Every command must succeed when a quorum is there,
// write each pool exactly once, and end by its deadline when none is.

const PREFIX = '/calico/resources/v3/projectcalico.org/ippools/';
const skip = skipEtcd();

const doc = (name: string, cidr: string, nat = false): string =>
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: ${name}}\nspec: {cidr: ${cidr}, natOutgoing: ${nat}}\n`;
const cidrOf = (i: number): string => `10.${i >> 8}.${i & 255}.0/24`;
const noTrace = (s: string): void => expect(s).not.toMatch(/\n\s+at .*:\d+:\d+/);

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-cluster-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** manifest writes n pools (pool-00000 ...) to a file and returns its path. */
function manifest(name: string, n: number, nat: boolean): string {
  const path = join(dir, name);
  writeFileSync(path, Array.from({ length: n }, (_, i) => doc(`pool-${String(i).padStart(5, '0')}`, cidrOf(i), nat)).join('---\n'));
  return path;
}

describe.skipIf(skip !== null)(`poolctl against a three-member etcd cluster${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let cluster: EtcdCluster;
  let raw: Etcd3;
  beforeAll(async () => {
    cluster = await startEtcdCluster({ size: 3 });
    raw = new Etcd3({ hosts: [...cluster.endpoints] });
  });
  afterAll(async () => {
    raw?.close();
    await cluster?.destroy();
  });
  beforeEach(async () => {
    for (let i = 0; i < 3; i++) if (!cluster.members[i]!.running) await cluster.restart(i);
    await raw.delete().prefix('/calico/');
  });

  const cli = (args: string[], opts: { input?: string; endpoints?: readonly string[] } = {}): Promise<CliResult> =>
    runCli(args, {
      env: { ...CLEAN_ENV, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: (opts.endpoints ?? cluster.endpoints).join(',') },
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });

  /** stored returns every stored pool's name, version (writes since it was created) and natOutgoing. */
  const stored = async (): Promise<{ name: string; version: number; nat: boolean }[]> =>
    (await raw.getAll().prefix(PREFIX).exec()).kvs.map((kv) => ({
      name: kv.key.toString().slice(PREFIX.length),
      version: Number(kv.version),
      nat: JSON.parse(kv.value.toString()).spec.natOutgoing === true,
    }));

  it('with the leader down, get, create and apply succeed every time (10 runs each)', async () => {
    const leader = await cluster.leader();
    await cluster.kill(leader);
    await cluster.leader();
    const failures: string[] = [];
    const note = (what: string, r: CliResult): void => void (r.code !== 0 && failures.push(`${what}: exit ${r.code}: ${r.stderr}`));
    for (let i = 0; i < 10; i++) {
      note(`create ${i}`, await cli(['create', '-f', '-'], { input: doc(`p${i}`, cidrOf(i)) }));
      const get = await cli(['get', 'ippools', '-o', 'name']);
      note(`get ${i}`, get);
      if (get.code === 0) expect(get.stdout.split('\n').filter(Boolean)).toHaveLength(i + 1);
      note(`apply ${i}`, await cli(['apply', '-f', '-'], { input: doc(`p${i}`, cidrOf(i), true) }));
    }
    expect(failures).toEqual([]);
    const pools = await stored();
    expect(pools).toHaveLength(10);
    expect(pools.every((p) => p.version === 2 && p.nat)).toBe(true);
  }, 300_000);

  it('with any one member down (a follower, the first listed): get and create succeed every time', async () => {
    const failures: string[] = [];
    let created = 0;
    for (let down = 0; down < 3; down++) {
      if (!cluster.members[(down + 2) % 3]!.running) await cluster.restart((down + 2) % 3);
      await cluster.kill(down);
      await cluster.leader();
      for (let run = 0; run < 3; run++) {
        const name = `m${down}-${run}`;
        const c = await cli(['create', '-f', '-'], { input: doc(name, cidrOf(created)) });
        if (c.code !== 0) failures.push(`create ${name} (member ${down} down): exit ${c.code}: ${c.stderr}`);
        else created++;
        const g = await cli(['get', 'ippools', '-o', 'name']);
        if (g.code !== 0) failures.push(`get after ${name} (member ${down} down): exit ${g.code}: ${g.stderr}`);
        else expect(g.stdout.split('\n').filter(Boolean)).toHaveLength(created);
      }
    }
    expect(failures).toEqual([]);
    expect((await stored()).filter((p) => p.version !== 1)).toEqual([]);
    expect(created).toBe(9);
  }, 300_000);

  /**
   * runKillingLeader runs poolctl and kills the etcd leader as soon as the store shows the
   * batch under way (started() true), returning the result and whether the kill came before the end.
   */
  const runKillingLeader = async (args: string[], started: () => Promise<boolean>): Promise<{ r: CliResult; midway: boolean }> => {
    const leader = await cluster.leader();
    const run = cli(args);
    let done = false;
    void run.then(() => (done = true));
    while (!done && !(await started())) await new Promise((res) => setTimeout(res, 5));
    const midway = !done;
    await cluster.kill(leader);
    return { r: await run, midway };
  };

  it('the leader killed in the middle of a create batch: the batch completes, every pool written once', async () => {
    const n = 10_000;
    const file = manifest('create.yaml', n, false);
    const { r, midway } = await runKillingLeader(['create', '-f', file], async () => (await raw.getAll().prefix(PREFIX).count()) > 0);
    expect(midway).toBe(true);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Successfully created ${n} 'IPPool' resource(s)\n`);
    const pools = await stored();
    expect(pools).toHaveLength(n);
    expect(pools.filter((p) => p.version !== 1)).toEqual([]);
  }, 300_000);

  it('the leader killed in the middle of an apply batch: every pool configured, each updated once', async () => {
    const n = 3000;
    expect((await cli(['create', '-f', manifest('apply-0.yaml', n, false)])).code).toBe(0);
    const start = Number((await raw.get('x').exec()).header.revision);
    const { r, midway } = await runKillingLeader(['apply', '-f', manifest('apply-1.yaml', n, true)], async () => Number((await raw.get('x').exec()).header.revision) > start);
    expect(midway).toBe(true);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.at(-1)).toBe(`Successfully applied ${n} 'IPPool' resource(s)`);
    expect(lines.filter((l) => / configured$/.test(l))).toHaveLength(n);
    const pools = await stored();
    expect(pools).toHaveLength(n);
    expect(pools.filter((p) => p.version !== 2 || !p.nat)).toEqual([]);
  }, 300_000);

  it('a member that accepts connections and never answers, listed first: every command succeeds at once', async () => {
    const silent = await startSilentEndpoint();
    try {
      const endpoints = [`http://127.0.0.1:${silent.port}`, ...cluster.endpoints];
      for (let i = 0; i < 5; i++) {
        // each command ends well before the 10 s a silent member would cost: it is never waited on
        const timed = async (args: string[], input?: string): Promise<CliResult> => {
          const t0 = Date.now();
          const r = await cli(args, { endpoints, ...(input !== undefined ? { input } : {}) });
          expect(Date.now() - t0).toBeLessThan(9000);
          return r;
        };
        const c = await timed(['create', '-f', '-'], doc(`s${i}`, cidrOf(i)));
        const g = await timed(['get', 'ippool', `s${i}`, '-o', 'name']);
        expect([c.code, c.stderr, g.code, g.stdout]).toEqual([0, '', 0, `ippool/s${i}\n`]);
      }
      expect(silent.accepted()).toBeGreaterThanOrEqual(10);
    } finally {
      await silent.close();
    }
  }, 300_000);

  it('no quorum (two members down): the command fails by its deadline, exit 3, naming the members', async () => {
    const leader = await cluster.leader();
    const others = [0, 1, 2].filter((i) => i !== leader);
    await cluster.kill(others[0]!);
    await cluster.kill(others[1]!);
    const t0 = Date.now();
    const r = await runCli(['get', 'ippools'], {
      env: { ...CLEAN_ENV, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: cluster.endpoints.join(','), POOLCTL_ETCD_TIMEOUT: '3s' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot reach etcd at ${cluster.endpoints.join(',')}: list failed: `);
    expect(r.stderr).toContain(`${cluster.endpoints[leader]}: `);
    noTrace(r.stderr);
    expect(Date.now() - t0).toBeLessThan(3000 + 8000);
  }, 120_000);
});

describe.skipIf(skip !== null)(`the cluster harness${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('a cluster that cannot start leaves no process and no data behind, and says why', async () => {
    const e = (await startEtcdCluster({ size: 2, extraArgs: ['--no-such-flag'] }).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(Error);
    const root = /data dir (\S+) is removed/.exec(e.message)?.[1];
    expect(root).toBeDefined();
    expect(e.message).toContain('no-such-flag');
    expect(existsSync(root!)).toBe(false);
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(ps.split('\n').filter((l) => l.includes(root!))).toEqual([]);
  });
});

describe.skipIf(skip !== null)(`poolctl and an etcd member that never answers over TLS${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tls: EtcdServer;
  let silent: SilentEndpoint;
  beforeAll(async () => {
    [tls, silent] = await Promise.all([startEtcd({ tls: TEST_TLS }), startSilentEndpoint()]);
  });
  afterAll(async () => {
    await Promise.all([tls?.destroy(), silent?.close()]);
  });

  const env = (endpoints: string, extra: Record<string, string> = {}): Record<string, string | undefined> => ({
    ...CLEAN_ENV,
    DATASTORE_TYPE: 'etcdv3',
    ETCD_ENDPOINTS: endpoints,
    ETCD_CA_CERT_FILE: TEST_TLS.ca,
    ETCD_CERT_FILE: TEST_TLS.clientCert,
    ETCD_KEY_FILE: TEST_TLS.clientKey,
    ...extra,
  });

  it.each([
    ['POOLCTL_ETCD_TIMEOUT=2s', { POOLCTL_ETCD_TIMEOUT: '2s' }, 2000, '2 s'],
    ['the default deadline', {}, 10_000, '10 s'],
  ])('alone, with %s: a clear error at the deadline, exit 3, and the process ends', async (_name, extra, deadline, shown) => {
    const t0 = Date.now();
    const r = await runCli(['get', 'ippools'], { env: env(`https://127.0.0.1:${silent.port}`, extra), timeoutMs: deadline + 30_000 });
    const took = Date.now() - t0;
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `cannot reach etcd at https://127.0.0.1:${silent.port}: list failed: no answer within ${shown}\n` +
        `hint: check ETCD_ENDPOINTS (or etcdEndpoints in the config file) and that etcd is running; each request waits at most ${shown} (POOLCTL_ETCD_TIMEOUT)\n`,
    );
    expect(took).toBeGreaterThanOrEqual(deadline);
    expect(took).toBeLessThan(deadline + 8000);
  }, 60_000);

  it('listed before a healthy TLS member: the command succeeds at once', async () => {
    const t0 = Date.now();
    const c = await runCli(['create', '-f', '-'], { env: env(`https://127.0.0.1:${silent.port},${tls.endpoint}`), input: doc('t1', '10.77.0.0/16') });
    expect([c.code, c.stderr]).toEqual([0, '']);
    expect(Date.now() - t0).toBeLessThan(8000);
  }, 60_000);
});
