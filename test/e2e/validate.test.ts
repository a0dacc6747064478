import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { CONFORMANCE } from '../support/paths.js';

const VALID = 'test/fixtures/manifests/valid.yaml';
const MIXED = 'test/fixtures/manifests/mixed.yaml';
const TREE = 'test/fixtures/manifests/tree';
const tmp = mkdtempSync(join(tmpdir(), 'poolctl-e2e-validate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('poolctl validate (built CLI)', () => {
  it('exits 0 on valid manifests and prints the summary', async () => {
    const r = await runCli(['validate', '-f', VALID]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('1 file, 2 resources: 2 valid, 0 invalid, 0 skipped; 0 errors, 0 warnings\n');
  });

  it('exits 1 on invalid manifests, with file:line:col, the source line and a caret', async () => {
    const r = await runCli(['validate', '-f', MIXED]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${MIXED}:16:21: error LB_RULE: IP Pool with AllowedUse LoadBalancer must have DisableBGPExport set to true`);
    expect(r.stdout).toContain('    disableBGPExport: true\n                      ^~~~\n');
    expect(r.stdout).toContain(`${MIXED}:34:15: error YAML_SYNTAX:`);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('1 file, 5 resources: 1 valid, 3 invalid, 1 skipped; 4 errors, 1 warning');
  });

  it('walks a directory, descending only with -R', async () => {
    const flat = await runCli(['validate', '-f', TREE, '-o', 'json']);
    expect(flat.code).toBe(0);
    expect(JSON.parse(flat.stdout).summary).toMatchObject({ files: 1, resources: 1, valid: 1 });
    const deep = await runCli(['validate', '-f', TREE, '-R', '-o', 'json']);
    expect(deep.code).toBe(1);
    const out = JSON.parse(deep.stdout);
    expect(out.results.map((x: { file: string; status: string }) => `${x.file} ${x.status}`)).toEqual([`${TREE}/a.yaml valid`, `${TREE}/sub/b.yaml invalid`]);
    expect(out.results[1].diagnostics[0]).toMatchObject({ code: 'POOL_OVERLAP', message: 'IPPool(tree-b) CIDR overlaps with IPPool(tree-a) CIDR 172.16.0.0/16', line: 6, column: 9 });
  });

  it('reads stdin with -f - and mixes it with files', async () => {
    const pool = readFileSync(VALID, 'utf8').replace(/default-ipv(\d)-ippool/g, 'piped-$1').replace('10.244.0.0/16', '10.245.0.0/16').replace('fd00:10:244::/48', 'fd00:10:245::/48');
    const r = await runCli(['validate', '-f', VALID, '-f', '-', '-o', 'json'], { input: pool });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results.map((x: { file: string; name: string }) => `${x.file} ${x.name}`)).toEqual([
      `${VALID} default-ipv4-ippool`,
      `${VALID} default-ipv6-ippool`,
      '<stdin> piped-4',
      '<stdin> piped-6',
    ]);
  });

  it('reports other kinds as skipped, never silently dropped, and stays valid', async () => {
    const f = join(tmp, 'kinds.yaml');
    writeFileSync(f, `${readFileSync(VALID, 'utf8')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n`);
    const r = await runCli(['validate', '-f', f, '-o', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary).toMatchObject({ resources: 3, valid: 2, skipped: 1, warnings: 0, errors: 0 });
    expect(out.results[2]).toMatchObject({ kind: 'ConfigMap', name: 'cm', status: 'skipped', diagnostics: [{ code: 'KIND_SKIPPED', severity: 'info' }] });
  });

  it.each([
    [['validate'], 'validate needs at least one -f/--filename'],
    [['validate', '-f', VALID, '-o', 'yaml'], 'poolctl validate: invalid value "yaml" for --output: choose one of'],
    [['validate', '-f', VALID, '--bogus'], 'poolctl validate: unknown flag --bogus'],
  ])('exits 2 on usage errors: %j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('exits 1 (not a crash) for a missing file, with the reason', async () => {
    const r = await runCli(['validate', '-f', 'no-such-file.yaml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no-such-file.yaml: error FILE_UNREADABLE: cannot read no-such-file.yaml: no such file or directory');
    expect(r.stderr).toBe('');
  });

  it('writes SARIF, JUnit and GitHub annotations', async () => {
    const sarif = await runCli(['validate', '-f', MIXED, '-o', 'sarif']);
    expect(sarif.code).toBe(1);
    expect(JSON.parse(sarif.stdout)).toMatchObject({ version: '2.1.0', runs: [{ tool: { driver: { name: 'poolctl' } } }] });
    const junit = await runCli(['validate', '-f', MIXED, '-o', 'junit']);
    expect(junit.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="poolctl validate" tests="5" failures="3" errors="0" skipped="1">/);
    const gh = await runCli(['validate', '-f', MIXED, '-o', 'github']);
    expect(gh.stdout).toContain(`::error file=${MIXED},line=16,col=21,endLine=16,endColumn=25,title=LB_RULE::`);
  });

  it('checks against the datastore with --against-store', async () => {
    const store = join(tmp, 'store');
    const created = await runCli(['create', '-f', VALID], { env: { POOLCTL_STORE: store } });
    expect(created.code).toBe(0);
    const f = join(tmp, 'new.yaml');
    writeFileSync(f, 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: default-ipv4-ippool\nspec:\n  cidr: 10.244.128.0/17\n---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: fresh\nspec:\n  cidr: 10.99.0.0/16\n');
    const offline = await runCli(['validate', '-f', f], { env: { POOLCTL_STORE: store } });
    expect(offline.code).toBe(0);
    const r = await runCli(['validate', '-f', f, '--against-store', '-o', 'json'], { env: { POOLCTL_STORE: store } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).results[0].diagnostics.map((d: { code: string; message: string }) => `${d.code}: ${d.message}`)).toEqual([
      'ALREADY_EXISTS: resource already exists: IPPool(default-ipv4-ippool)',
    ]);
  });
});

describe("the README's cluster pipeline: kubectl's output in, the kubectl form out", () => {
  const KUBECTL = 'test/fixtures/manifests/calicoctl/kubectl-list.yaml';

  it('kubectl get ippools.crd.projectcalico.org -o yaml | poolctl validate -f -', async () => {
    const r = await runCli(['validate', '-f', '-'], { input: readFileSync(KUBECTL) });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('1 file, 2 resources: 2 valid, 0 invalid, 0 skipped; 0 errors, 0 warnings\n');
  });

  it('judges the kubectl form by the same rules, with positions in the file', async () => {
    const bad = readFileSync(KUBECTL, 'utf8').replace('cidr: 172.16.0.0/12', 'cidr: 172.16.0.1/12').replace('disabled: true', 'disabled: false');
    const r = await runCli(['validate', '-f', '-'], { input: bad });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('<stdin>:52:11: error CIDR_NOT_MASKED: IPPool CIDR is not strictly masked');
  });

  it('nat explain -f reads the same file', async () => {
    const r = await runCli(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', KUBECTL]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^10\.244\.1\.5 -> 1\.1\.1\.1: NAT \(MASQUERADE\)/);
  });

  it('create stores it as v3; get -o yaml --crd prints it back in the kubectl form, which validates and re-applies unchanged', async () => {
    const env = { POOLCTL_STORE: join(tmp, 'crd-store') };
    expect((await runCli(['create', '-f', KUBECTL], { env })).code).toBe(0);
    const v3 = JSON.parse((await runCli(['get', 'ippool', 'default-ipv4-ippool', '-o', 'json'], { env })).stdout);
    expect(v3).toMatchObject({ apiVersion: 'projectcalico.org/v3', metadata: { name: 'default-ipv4-ippool', labels: { team: 'network' } } });
    expect(v3.metadata.annotations).toBeUndefined();
    const out = await runCli(['get', 'ippools', '-o', 'yaml', '--crd'], { env });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^apiVersion: v1\nitems:\n- apiVersion: crd\.projectcalico\.org\/v1\n  kind: IPPool\n/);
    expect((await runCli(['validate', '-f', '-'], { input: out.stdout })).code).toBe(0);
    const again = await runCli(['apply', '-f', '-'], { input: out.stdout, env });
    expect(again.stdout).toBe("ippool/default-ipv4-ippool unchanged\nippool/no-nat-172.16.0.0-12 unchanged\nSuccessfully applied 2 'IPPool' resource(s)\n");
  });

  it('validate --op apply takes a resourceVersion that create refuses', async () => {
    const f = 'test/fixtures/manifests/calicoctl/resource-version.yaml';
    expect((await runCli(['validate', '-f', f])).code).toBe(1);
    expect((await runCli(['validate', '-f', f, '--op', 'apply'])).code).toBe(0);
    expect((await runCli(['validate', '-f', f, '--op', 'delete'])).code).toBe(2);
  });
});

/** The conformance vectors (spec/ippool.md §9) through the CLI: validate vectors, and create vectors without existing pools. */
interface Vector {
  id: string;
  op: string;
  pool: { metadata: { resourceVersion?: string } };
  existing?: unknown[];
  expect: 'valid' | 'invalid';
  calicoReason?: string;
}
const VECTORS = (JSON.parse(readFileSync(join(CONFORMANCE, 'ippool.json'), 'utf8')) as Vector[]).filter(
  (v) => v.op === 'validate' || (v.op === 'create' && !v.existing),
);

describe('conformance vectors through the CLI', () => {
  it.each(VECTORS.map((v) => [v.id, v] as const))('%s', async (id, v) => {
    const f = join(tmp, `${id}.yaml`);
    writeFileSync(f, JSON.stringify(v.pool));
    const r = await runCli(['validate', '-f', f, '-o', 'json']);
    const out = JSON.parse(r.stdout);
    expect(out.results[0].status).toBe(v.expect);
    expect(r.code).toBe(v.expect === 'valid' ? 0 : 1);
    if (v.calicoReason) {
      // Each error as the user may see it: its message, and Calico's "error with field ..." form.
      const texts = out.results[0].diagnostics
        .filter((d: { severity: string }) => d.severity === 'error')
        .flatMap((d: { message: string; field?: string; value?: string; detail?: string }) => [
          d.message,
          d.detail ?? '',
          d.field === undefined ? '' : d.value === undefined ? `error with field ${d.field} (${d.message})` : `error with field ${d.field} = '${d.value}' (${d.message})`,
        ]);
      expect(texts.join('\n')).toContain(v.calicoReason);
    }
  });
});
