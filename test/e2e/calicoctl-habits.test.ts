import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { CLEAN_ENV } from './crud-support.js';

const POOL = JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p1' }, spec: { cidr: '10.1.0.0/16' } });

let dir = '';
let home = '';
/** env is a clean environment (nothing selects a datastore) with HOME and XDG_DATA_HOME in the test's directory. */
const env = (more: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
  ...CLEAN_ENV,
  KUBECONFIG: undefined,
  HOME: home,
  XDG_DATA_HOME: join(dir, 'xdg'),
  ...more,
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-habits-'));
  home = join(dir, 'home');
  mkdirSync(home);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('which datastore: config view, the kubeconfig note, a mistyped --store', () => {
  it('config view says the embedded store at its default path was chosen because nothing selected another', async () => {
    const r = await runCli(['config', 'view'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('datastore:   file');
    expect(r.stdout).toContain(`path:        ${join(dir, 'xdg', 'poolctl')} (does not exist yet`);
    expect(r.stdout).toMatch(/selected by: nothing else: no --store, DATASTORE_TYPE, POOLCTL_STORE, ETCD_ENDPOINTS/);
    expect(r.stdout).not.toContain('kubeconfig');
  });

  it('config view names the flag, variable or file that chose the datastore', async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [['--store', join(dir, 's1')], {}, 'selected by: the --store flag'],
      [[], { POOLCTL_STORE: join(dir, 's2') }, 'selected by: the environment: POOLCTL_STORE'],
      [[], { ETCD_ENDPOINTS: 'http://127.0.0.1:1' }, 'selected by: the environment: ETCD_ENDPOINTS'],
      [[], { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://127.0.0.1:1' }, 'selected by: the environment: DATASTORE_TYPE=etcdv3'],
    ];
    for (const [flags, vars, expected] of cases) {
      const r = await runCli(['config', 'view', ...flags], { env: env(vars) });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(expected);
    }
    const cfg = join(dir, 'calicoctl.cfg');
    writeFileSync(cfg, 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  datastoreType: etcdv3\n  etcdEndpoints: http://10.0.0.1:2379,http://10.0.0.2:2379\n  etcdPassword: secret\n');
    const r = await runCli(['config', 'view', '-c', cfg, '-o', 'json'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ type: 'etcdv3', endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'], selectedBy: `the config file ${cfg}` });
    expect(r.stdout).not.toContain('secret');
  });

  it('with a kubeconfig and no selection, store commands print one note; a selection silences it', async () => {
    const kube = join(dir, 'kubeconfig');
    writeFileSync(kube, 'apiVersion: v1\nkind: Config\n');
    let r = await runCli(['get', 'ippools'], { env: env({ KUBECONFIG: kube }) });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`embedded store at ${join(dir, 'xdg', 'poolctl')}`);
    expect(lines[0]).toContain('the Kubernetes datastore is not supported');
    expect(lines[0]).toContain('kubectl get ippools.crd.projectcalico.org -o yaml | poolctl validate -f -');
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\nkind: Config\n');
    r = await runCli(['get', 'ippools'], { env: env() });
    expect(r.stderr).toContain(`not the cluster of ${join(home, '.kube', 'config')}`);
    r = await runCli(['config', 'view'], { env: env() });
    expect(r.stdout).toContain(`kubeconfig:  ${join(home, '.kube', 'config')} is not used`);
    r = await runCli(['get', 'ippools'], { env: env({ POOLCTL_STORE: join(dir, 'selected') }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    r = await runCli(['version'], { env: env() });
    expect(r.stderr).toBe('');
    rmSync(join(home, '.kube'), { recursive: true });
  });

  it('a --store directory that does not exist is an error for reads, and made by the first write', async () => {
    const store = join(dir, 'typo-store');
    let r = await runCli(['get', 'ippools', '--store', store], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the store directory ${store} (--store) does not exist`);
    expect(r.stdout).toBe('');
    r = await runCli(['delete', 'ippool', 'p1', '--store', store], { env: env() });
    expect(r.code).toBe(2);
    expect(existsSync(store)).toBe(false);
    r = await runCli(['apply', '-f', '-', '--store', store], { env: env(), input: POOL });
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['get', 'ippools', '-o', 'name', '--store', store], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('ippool/p1\n');
  });
});

describe("calicoctl's habits", () => {
  const store = (): Record<string, string | undefined> => env({ POOLCTL_STORE: join(dir, 'habits') });

  it('accepts --allow-version-mismatch and -l/--log-level silently, and --context with a warning', async () => {
    let r = await runCli(['get', 'ippools', '--allow-version-mismatch', '-l', 'debug'], { env: store() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    r = await runCli(['apply', '-f', '-', '--log-level=info', '--allow-version-mismatch'], { env: store(), input: POOL });
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['get', 'ippools', '--context', 'prod'], { env: store() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('warning: --context prod has no effect: poolctl does not read kubeconfig (the Kubernetes datastore is not supported)\n');
    expect(r.stdout).toContain('p1');
  });

  it.each([[['get', 'ippools', '-n', 'default']], [['get', 'ippools', '-A']], [['delete', 'ippool', 'p1', '--namespace', 'kube-system']]])(
    "%j fails with calicoctl's 'not namespaced'",
    async (args) => {
      const r = await runCli(args, { env: store() });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('IPPool is not namespaced');
    },
  );

  it.each([
    [['get', 'ippools', '--bogus'], 'poolctl get: unknown flag --bogus', "run 'poolctl get --help'"],
    [['version', 'extra'], "poolctl version: unexpected argument 'extra'", 'usage: poolctl version'],
    [['label', 'ippools'], 'poolctl label needs resource, name, label (got 1 argument)', 'usage: poolctl label <resource> <name> <label>'],
    [['nat'], 'poolctl nat needs a subcommand: agent, apply, diff, explain, render, status', "run 'poolctl nat --help'"],
    [['gett', 'ippools'], "unknown command 'gett'", "did you mean 'get'?"],
    [['ipam', 'show'], "poolctl has no 'ipam' command", 'calicoctl ipam show'],
    [['node', 'status'], "poolctl has no 'node' command", 'calicoctl node status'],
    [['datastore', 'migrate', 'lock'], "poolctl has no 'datastore' command", 'poolctl config view'],
  ])('%j: poolctl\'s own usage message with a hint, not yargs\' raw text', async (args, message, hint) => {
    const r = await runCli(args, { env: store() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(`hint: `);
    expect(r.stderr).toContain(hint);
    expect(r.stderr).not.toMatch(/Unknown argument|Not enough non-option|Did you mean/);
  });
});
