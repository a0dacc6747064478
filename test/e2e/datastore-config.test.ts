import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { CLEAN_ENV } from './crud-support.js';

// Datastore selection through the built CLI: the environment, flags and config files users
// set, the exit codes of unsupported types, bad config files and unreachable datastores.
// A reachable etcd (TLS, config files, etcd going away): datastore-config.etcd.test.ts.

const POOL = 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\nspec: {cidr: 10.1.0.0/16}\n';
const noTrace = (s: string): void => expect(s).not.toMatch(/\n\s+at .*:\d+:\d+/);

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-select-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string | undefined>, input?: string) =>
  runCli(args, { env: { ...CLEAN_ENV, HOME: dir, XDG_DATA_HOME: undefined, ...env }, ...(input !== undefined ? { input } : {}) });

describe('datastore selection through the CLI', () => {
  it('POOLCTL_STORE=./somewhere works, relative to the working directory', async () => {
    const r = await runCli(['create', '-f', '-'], { env: { ...CLEAN_ENV, POOLCTL_STORE: './somewhere' }, cwd: dir, input: POOL });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'somewhere'))).toEqual(['pools.000000000001.json']);
  });

  it('--store wins over POOLCTL_STORE', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    expect((await cli(['create', '-f', '-', '--store', a], { POOLCTL_STORE: b }, POOL)).code).toBe(0);
    expect((await cli(['get', 'pools', '-o', 'name'], { POOLCTL_STORE: a })).stdout).toBe('ippool/p1\n');
    expect((await cli(['get', 'pools', '-o', 'name'], { POOLCTL_STORE: b })).stdout).toBe('');
  });

  it('without any setting the store is $XDG_DATA_HOME/poolctl (or ~/.local/share/poolctl)', async () => {
    expect((await cli(['create', '-f', '-'], { XDG_DATA_HOME: join(dir, 'xdg') }, POOL)).code).toBe(0);
    expect(readdirSync(join(dir, 'xdg', 'poolctl'))).toEqual(['pools.000000000001.json']);
  });

  it('a config file (-c or POOLCTL_CONFIG) with datastoreType file and storePath', async () => {
    const cfg = join(dir, 'poolctl.cfg');
    writeFileSync(cfg, 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  datastoreType: file\n  storePath: cfg-store\n');
    expect((await cli(['create', '-c', cfg, '-f', '-'], {}, POOL)).code).toBe(0);
    expect((await cli(['get', 'pools', '-o', 'name'], { POOLCTL_CONFIG: cfg })).stdout).toBe('ippool/p1\n');
    expect(readdirSync(join(dir, 'cfg-store'))).toHaveLength(1);
  });

  it('DATASTORE_TYPE=kubernetes is a clear "not supported", exit 2', async () => {
    const r = await cli(['get', 'pools'], { DATASTORE_TYPE: 'kubernetes' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("datastore type 'kubernetes' (DATASTORE_TYPE) is not supported by poolctl");
    noTrace(r.stderr);
  });

  it.each([
    ['kind: Nope\napiVersion: projectcalico.org/v3\n', "invalid config file: expected kind 'CalicoAPIConfig', got 'Nope'"],
    ['apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec: {etcdEndpints: x}\n', 'json: unknown field "etcdEndpints"'],
  ])('a bad config file is reported with calicoctl\'s message, exit 2: %j', async (text, message) => {
    const cfg = join(dir, 'bad.cfg');
    writeFileSync(cfg, text);
    const r = await cli(['get', 'pools', '-c', cfg], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    noTrace(r.stderr);
  });

  it('a missing -c file is an error, exit 2', async () => {
    const r = await cli(['get', 'pools', '-c', join(dir, 'nope.cfg')], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Error reading config file: ${join(dir, 'nope.cfg')}`);
  });

  it('an unreachable etcd exits 3 naming the endpoints', async () => {
    for (const args of [['get', 'pools'], ['create', '-f', '-'], ['delete', 'ippool', 'p1']]) {
      const r = await cli(args, { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://127.0.0.1:9' }, POOL);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toContain('cannot reach etcd at http://127.0.0.1:9');
      noTrace(r.stderr);
    }
  });
});
