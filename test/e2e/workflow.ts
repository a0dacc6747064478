import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poolctl, type CliBackend } from './crud-support.js';
import { backendHooks } from '../support/backend-hooks.js';

/** POOL is a manifest of one pool, as a user writes it. */
function pool(name: string, cidr: string, spec: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, ...spec } });
}

/** felix is a FelixConfiguration manifest with a spec. */
function felix(name: string, spec: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name }, spec });
}

interface StoredJson {
  metadata: { name: string; labels?: Record<string, string>; resourceVersion: string };
  spec: Record<string, unknown>;
}

/**
 * workflowSuite runs a calicoctl user's daily commands (issue 12) through the built CLI on a
 * backend: patch (three types, Calico's rules, dry run, concurrency), label (calicoctl's
 * words), --dry-run and -o json|yaml|name on every write, diff -f, get -o custom-columns.
 */
export function workflowSuite(backend: CliBackend): void {
  describe(`daily workflow through the CLI: ${backend.name}`, () => {
    let dir = '';
    const file = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const run = (args: readonly string[], input?: string) => poolctl(backend, args, input === undefined ? {} : { input });
    const getPool = async (name: string): Promise<StoredJson> => {
      const r = await run(['get', 'ippool', name, '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as StoredJson;
    };
    const seed = async (...manifests: string[]): Promise<void> => {
      for (const m of manifests) {
        const r = await run(['create', '-f', '-'], m);
        expect(r.code, r.stderr).toBe(0);
      }
    };

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'poolctl-workflow-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    backendHooks(backend);

    describe('patch', () => {
      it('turns natOutgoing on with calicoctl\'s strategic merge patch and its success line', async () => {
        await seed(pool('p1', '10.1.0.0/16'));
        const before = await getPool('p1');
        const r = await run(['patch', 'ippool', 'p1', '-p', '{"spec":{"natOutgoing":true}}']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe("Successfully patched 1 'IPPool' resource\n");
        const after = await getPool('p1');
        expect(after.spec.natOutgoing).toBe(true);
        expect(after.spec.cidr).toBe('10.1.0.0/16');
        expect(after.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
      });

      it('refuses to change an immutable field with Calico\'s reason and leaves the pool as it was', async () => {
        await seed(pool('p1', '10.1.0.0/16'));
        const before = await getPool('p1');
        const r = await run(['patch', 'ippool', 'p1', '-p', '{"spec":{"cidr":"10.2.0.0/16"}}']);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("Failed to patch 'IPPool' resource");
        expect(r.stderr).toContain('IPPool CIDR cannot be modified');
        expect(await getPool('p1')).toEqual(before);
      });

      it('refuses a patch that renames the resource, for a pool and a FelixConfiguration alike, and writes nothing', async () => {
        await seed(`${pool('p1', '10.1.0.0/16')}\n---\n${felix('default', { natOutgoingAddress: '192.0.2.1' })}`);
        const felixYaml = async (): Promise<string> => (await run(['get', 'felixconfig', 'default', '-o', 'yaml'])).stdout;
        const [pBefore, fBefore] = [await getPool('p1'), await felixYaml()];
        for (const [kind, name] of [['ippool', 'p1'], ['felixconfig', 'default']] as const) {
          const r = await run(['patch', kind, name, '--type', 'merge', '-p', '{"metadata":{"name":"other"}}']);
          expect(r.code).toBe(1);
          expect(r.stderr).toContain(`the patch changes metadata.name from '${name}' to 'other': a resource cannot be renamed`);
        }
        expect(fBefore).toContain('natOutgoingAddress: 192.0.2.1');
        expect([await getPool('p1'), await felixYaml()]).toEqual([pBefore, fBefore]);
      });

      it('checks Calico\'s rules on the patched pool (a bad ipipMode is refused)', async () => {
        await seed(pool('p1', '10.1.0.0/16'));
        const r = await run(['patch', 'ippool', 'p1', '-p', '{"spec":{"ipipMode":"Sometimes"}}']);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/ipipMode|IPIPMode/);
        expect((await getPool('p1')).spec.ipipMode).toBe('Never');
      });

      it('takes --type merge (null deletes) and --type json (RFC 6902 operations)', async () => {
        await seed(JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p1', labels: { a: '1', b: '2' } }, spec: { cidr: '10.1.0.0/16' } }));
        let r = await run(['patch', 'ippool', 'p1', '--type', 'merge', '-p', '{"metadata":{"labels":{"a":null}}}']);
        expect(r.code, r.stderr).toBe(0);
        expect((await getPool('p1')).metadata.labels).toEqual({ b: '2' });
        r = await run(['patch', 'ippool', 'p1', '--type', 'json', '-p', '[{"op":"add","path":"/spec/disabled","value":true},{"op":"remove","path":"/metadata/labels/b"}]']);
        expect(r.code, r.stderr).toBe(0);
        const p = await getPool('p1');
        expect(p.spec.disabled).toBe(true);
        expect(p.metadata.labels).toBeUndefined();
      });

      it('reports a pool that does not exist (exit 1) and a patch that is not JSON (exit 2)', async () => {
        let r = await run(['patch', 'ippool', 'nope', '-p', '{"spec":{"natOutgoing":true}}']);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('resource does not exist: IPPool(nope)');
        await seed(pool('p1', '10.1.0.0/16'));
        r = await run(['patch', 'ippool', 'p1', '-p', '{spec:']);
        expect(r.code).toBe(2);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      });

      it('--dry-run judges the patch and writes nothing', async () => {
        await seed(pool('p1', '10.1.0.0/16'));
        const before = await getPool('p1');
        const r = await run(['patch', 'ippool', 'p1', '-p', '{"spec":{"natOutgoing":true}}', '--dry-run', '-o', 'json']);
        expect(r.code, r.stderr).toBe(0);
        const doc = JSON.parse(r.stdout) as { dryRun: boolean; results: { name: string; action: string }[] };
        expect(doc.dryRun).toBe(true);
        expect(doc.results).toMatchObject([{ name: 'p1', action: 'patched' }]);
        expect(await getPool('p1')).toEqual(before);
      });

      it('loses no update when patches of different fields of one pool run at the same time', async () => {
        await seed(pool('p1', '10.1.0.0/16'));
        const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
        const results = await Promise.all([
          ...keys.map((k) => run(['patch', 'ippool', 'p1', '-p', JSON.stringify({ metadata: { labels: { [k]: 'v' } } })])),
          run(['patch', 'ippool', 'p1', '-p', '{"spec":{"natOutgoing":true}}']),
          run(['patch', 'ippool', 'p1', '-p', '{"spec":{"disabled":true}}']),
        ]);
        for (const r of results) expect(r.code, r.stderr).toBe(0);
        const p = await getPool('p1');
        expect(p.metadata.labels).toEqual(Object.fromEntries(keys.map((k) => [k, 'v'])));
        expect(p.spec.natOutgoing).toBe(true);
        expect(p.spec.disabled).toBe(true);
      });
    });

    describe('label', () => {
      it('sets, refuses to change without --overwrite, overwrites and removes, in calicoctl\'s words', async () => {
        await seed(pool('p1', '10.1.0.0/16'));
        let r = await run(['label', 'ippools', 'p1', 'team=net']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('Successfully set label team on ippools p1\n');
        r = await run(['label', 'ippools', 'p1', 'team=edge']);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("failed to update label of ippools p1, key team is already present. please use '--overwrite' to set a new value");
        expect((await getPool('p1')).metadata.labels).toEqual({ team: 'net' });
        r = await run(['label', 'ippools', 'p1', 'team=edge', '--overwrite']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('Successfully updated label team on ippools p1\n');
        expect((await getPool('p1')).metadata.labels).toEqual({ team: 'edge' });
        r = await run(['label', 'ippools', 'p1', 'team', '--remove']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('Successfully removed label team from ippools p1\n');
        expect((await getPool('p1')).metadata.labels).toBeUndefined();
        r = await run(['label', 'ippools', 'p1', 'team', '--remove']);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('cannot remove label of ippools p1, key team does not exist');
      });

      it('reports a missing pool and a malformed label as calicoctl does', async () => {
        let r = await run(['label', 'ippools', 'nope', 'a=b']);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('ippools nope not found');
        r = await run(['label', 'ippools', 'nope', 'a=b=c']);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('invalid label a=b=c');
      });
    });

    describe('--dry-run and -o on every write', () => {
      it('apply, replace and delete --dry-run write nothing', async () => {
        await seed(pool('p1', '10.1.0.0/16'));
        const before = await getPool('p1');
        let r = await run(['apply', '-f', '-', '--dry-run'], `${pool('p1', '10.1.0.0/16', { natOutgoing: true })}\n---\n${pool('p2', '10.2.0.0/16')}`);
        expect(r.code, r.stderr).toBe(0);
        r = await run(['replace', '-f', '-', '--dry-run'], pool('p1', '10.1.0.0/16', { natOutgoing: true }));
        expect(r.code, r.stderr).toBe(0);
        r = await run(['delete', 'ippool', 'p1', '--dry-run']);
        expect(r.code, r.stderr).toBe(0);
        expect(await getPool('p1')).toEqual(before);
        const list = await run(['get', 'ippools', '-o', 'name']);
        expect(list.stdout).toBe('ippool/p1\n');
      });

      it('-o json|yaml|name print one result per resource: created, unchanged, configured, deleted, skipped, failed', async () => {
        await seed(pool('p1', '10.1.0.0/16'));
        let r = await run(['apply', '-f', '-', '-o', 'json'], `${pool('p1', '10.1.0.0/16')}\n---\n${pool('p2', '10.2.0.0/16')}`);
        expect(r.code, r.stderr).toBe(0);
        let doc = JSON.parse(r.stdout) as { dryRun: boolean; results: Record<string, unknown>[] };
        expect(doc.dryRun).toBe(false);
        expect(doc.results).toMatchObject([
          { kind: 'IPPool', name: 'p1', action: 'unchanged' },
          { kind: 'IPPool', name: 'p2', action: 'created' },
        ]);
        expect(typeof doc.results[1]!.resourceVersion).toBe('string');
        r = await run(['apply', '-f', '-', '-o', 'yaml'], pool('p2', '10.2.0.0/16', { natOutgoing: true }));
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^dryRun: false\nresults:\n- kind: IPPool\n {2}name: p2\n {2}action: configured\n/);
        r = await run(['create', '-f', '-', '-o', 'json'], pool('p1', '10.1.0.0/16'));
        expect(r.code).toBe(1);
        doc = JSON.parse(r.stdout) as typeof doc;
        expect(doc.results).toMatchObject([{ name: 'p1', action: 'failed', code: 'ALREADY_EXISTS' }]);
        expect(String(doc.results[0]!.message)).toContain('p1');
        r = await run(['delete', 'ippool', 'p1', 'gone', '--skip-not-exists', '-o', 'json']);
        expect(r.code, r.stderr).toBe(0);
        doc = JSON.parse(r.stdout) as typeof doc;
        expect(doc.results).toMatchObject([
          { name: 'p1', action: 'deleted' },
          { name: 'gone', action: 'skipped' },
        ]);
        r = await run(['delete', 'ippool', 'p2', '-o', 'name']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('ippool/p2\n');
        r = await run(['apply', '-f', '-', '-o', 'table'], pool('p1', '10.1.0.0/16'));
        expect(r.code).toBe(2);
        expect(r.stderr).toContain("unrecognized output format 'table'");
      });
    });

    describe('diff -f', () => {
      it('exits 0 and prints nothing when apply would change nothing (defaults count as the same)', async () => {
        await seed(pool('p1', '10.1.0.0/16'));
        const r = await run(['diff', '-f', file('same.json', pool('p1', '10.1.0.0/16'))]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('');
      });

      it('exits 1 with a unified diff per changed pool, and /dev/null for a new one', async () => {
        await seed(pool('p1', '10.1.0.0/16'));
        const before = await getPool('p1');
        const r = await run(['diff', '-f', file('changed.json', `${pool('p1', '10.1.0.0/16', { natOutgoing: true })}\n---\n${pool('p2', '10.2.0.0/16')}`)]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stdout).toContain(`--- ippool/p1 (stored, resourceVersion ${before.metadata.resourceVersion})\n+++ ippool/p1 (after apply)\n`);
        expect(r.stdout).toContain('+  natOutgoing: true\n');
        expect(r.stdout).toContain('--- /dev/null\n+++ ippool/p2 (after apply)\n');
        expect(r.stdout).toContain('+  cidr: 10.2.0.0/16\n');
        expect(r.stdout).toContain('+  blockSize: 26\n');
        expect(await getPool('p1')).toEqual(before);
        expect((await run(['get', 'ippools', '-o', 'name'])).stdout).toBe('ippool/p1\n');
      });

      it('exits 2 when apply would fail (an immutable field) and says why', async () => {
        await seed(pool('p1', '10.1.0.0/16'));
        const r = await run(['diff', '-f', '-'], pool('p1', '10.9.0.0/16'));
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('IPPool CIDR cannot be modified');
      });
    });

    describe('get -o custom-columns', () => {
      it('prints the columns asked for, with calicoctl\'s headings, and refuses an unknown one', async () => {
        await seed(pool('p1', '10.1.0.0/16', { natOutgoing: true }));
        let r = await run(['get', 'ippools', '-o', 'custom-columns=NAME,CIDR,NAT']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.split('\n')[0]!.trim().split(/\s+/)).toEqual(['NAME', 'CIDR', 'NAT']);
        expect(r.stdout.split('\n')[1]!.trim().split(/\s+/)).toEqual(['p1', '10.1.0.0/16', 'true']);
        r = await run(['get', 'ippools', '-o', 'custom-columns=NAME,FOO']);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('unknown heading FOO');
        r = await run(['get', 'ippools', '-o', 'go-template={{.metadata.name}}']);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('go-template');
      });
    });

    describe('FelixConfiguration beside the pools (the kind registry)', () => {
      it('-o results and --dry-run report each resource by its own kind; delete by name takes the kind', async () => {
        let r = await run(['apply', '-f', '-', '-o', 'json'], `${felix('default', { natOutgoingAddress: '192.0.2.1' })}\n---\n${pool('p1', '10.1.0.0/16')}`);
        expect(r.code, r.stderr).toBe(0);
        const doc = JSON.parse(r.stdout) as { results: Record<string, unknown>[] };
        expect(doc.results).toMatchObject([
          { kind: 'FelixConfiguration', name: 'default', action: 'created' },
          { kind: 'IPPool', name: 'p1', action: 'created' },
        ]);
        r = await run(['delete', 'felixconfig', 'default', '--dry-run']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe("felixconfiguration/default deleted (dry run)\nDry run: 1 'FelixConfiguration' resource(s) would be deleted; nothing was written\n");
        r = await run(['delete', 'felixconfiguration/default', '-o', 'name']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('felixconfiguration/default\n');
        expect((await run(['get', 'felixconfigs', '-o', 'name'])).stdout).toBe('');
        expect((await run(['get', 'ippools', '-o', 'name'])).stdout).toBe('ippool/p1\n');
      });

      it("custom-columns read the kind's columns from the registry", async () => {
        await seed(felix('default'));
        let r = await run(['get', 'felixconfig', '-o', 'custom-columns=NAME']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.split('\n').slice(0, 2).map((l) => l.trim())).toEqual(['NAME', 'default']);
        r = await run(['get', 'felixconfig', '-o', 'custom-columns=NAME,CIDR']);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('unknown heading CIDR, valid values are: NAME');
      });

      const getFelix = async (): Promise<StoredJson & { spec: Record<string, unknown> }> => JSON.parse((await run(['get', 'felixconfig', 'default', '-o', 'json'])).stdout);

      it('patch works for a FelixConfiguration through the kind registry, as for a pool', async () => {
        await seed(felix('default', { natOutgoingAddress: '192.0.2.1' }));
        const before = await getFelix();
        let r = await run(['patch', 'felixconfig', 'default', '-p', '{"spec":{"natPortRange":"32768:40000"}}']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe("Successfully patched 1 'FelixConfiguration' resource\n");
        let now = await getFelix();
        expect(now.spec).toMatchObject({ natOutgoingAddress: '192.0.2.1', natPortRange: '32768:40000' });
        expect(now.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
        // Calico's validator judges the patched resource; nothing is written when it fails
        r = await run(['patch', 'felixconfiguration', 'default', '--type', 'merge', '-p', '{"spec":{"natOutgoingAddress":"2001:db8::1"}}']);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("error with field NATOutgoingAddress = '2001:db8::1' (is not a valid IPv4 address)");
        expect((await getFelix()).spec.natOutgoingAddress).toBe('192.0.2.1');
        r = await run(['patch', 'felixconfig', 'node.gone', '-p', '{"spec":{}}']);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('resource does not exist: FelixConfiguration(node.gone)');

      });

      it('simultaneous patches of different fields of a FelixConfiguration all land (a conflict re-reads and re-applies)', async () => {
        await seed(felix('default', { natOutgoingAddress: '192.0.2.1', natPortRange: '32768:40000' }));
        const fields = { natOutgoingExclusions: 'IPPoolsAndHostIPs', iptablesNATOutgoingInterfaceFilter: 'eth0', logPrefix: 'x', healthPort: 9199 };
        const all = await Promise.all(Object.entries(fields).map(([k, v]) => run(['patch', 'felixconfig', 'default', '-p', JSON.stringify({ spec: { [k]: v } })])));
        for (const x of all) expect(x.code, x.stderr).toBe(0);
        expect((await getFelix()).spec).toMatchObject({ ...fields, natOutgoingAddress: '192.0.2.1', natPortRange: '32768:40000' });
        const r = await run(['patch', 'felixconfig', 'default', '--type', 'json', '-p', JSON.stringify(Object.keys(fields).map((k) => ({ op: 'remove', path: `/spec/${k}` })))]);
        expect(r.code, r.stderr).toBe(0);
        expect(Object.keys((await getFelix()).spec)).not.toContain('logPrefix');
      });

      it('label works for a FelixConfiguration, with calicoctl\'s messages', async () => {
        await seed(felix('default', { natOutgoingAddress: '192.0.2.1' }));
        let r = await run(['label', 'felixconfigs', 'default', 'team=net']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('Successfully set label team on felixconfigs default\n');
        r = await run(['label', 'felixconfigs', 'default', 'team=edge']);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("failed to update label of felixconfigs default, key team is already present. please use '--overwrite' to set a new value");
        expect((await getFelix()).metadata.labels).toEqual({ team: 'net' });
      });

      it('diff -f shows what apply would change in a FelixConfiguration, beside pools', async () => {
        await seed(JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default', labels: { team: 'net' } }, spec: { natOutgoingAddress: '192.0.2.1', natPortRange: '32768:40000' } }));
        const now = await getFelix();
        let r = await run(['diff', '-f', file('felix-same.json', felix('default', { natOutgoingAddress: '192.0.2.1', natPortRange: '32768:40000' }).replace('"metadata":{"name":"default"}', '"metadata":{"name":"default","labels":{"team":"net"}}'))]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('');
        r = await run(['diff', '-f', file('felix.json', `${felix('default', { natOutgoingAddress: '192.0.2.9' })}\n---\n${felix('node.a', { natPortRange: 1000 })}`)]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stdout).toContain(`--- felixconfiguration/default (stored, resourceVersion ${now.metadata.resourceVersion})\n+++ felixconfiguration/default (after apply)\n`);
        // apply writes the file's metadata and spec as they are: the label and natPortRange would go
        expect(r.stdout).toContain('-  labels:\n-    team: net\n');
        expect(r.stdout).toContain('-  natOutgoingAddress: 192.0.2.1\n-  natPortRange: 32768:40000\n+  natOutgoingAddress: 192.0.2.9\n');
        expect(r.stdout).toContain('--- /dev/null\n+++ felixconfiguration/node.a (after apply)\n');
        expect(r.stdout).toContain('+  natPortRange: 1000\n');
        expect(await getFelix()).toEqual(now);
        r = await run(['diff', '-f', '-'], felix('default', { natOutgoingAddress: '2001:db8::1' }));
        expect(r.code).toBe(2);
        expect(r.stderr).toContain("error with field NATOutgoingAddress = '2001:db8::1' (is not a valid IPv4 address)");
      });
    });
  });
}
