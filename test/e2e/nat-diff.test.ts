import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

// poolctl nat diff through the CLI: the two states (files, the embedded store), the three
// formats, --flows, and the exit statuses 0 / 1 / 2 / 3.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-nat-diff-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** PoolDoc is a pool as a test writes it. */
interface PoolDoc {
  readonly name: string;
  readonly cidr: string;
  readonly natOutgoing?: boolean;
  readonly disabled?: boolean;
}

/** write writes pools as IPPool documents (natOutgoing on line 7 of each document) and returns the file's path. */
function write(name: string, pools: readonly PoolDoc[]): string {
  const text = pools
    .map(
      (p) =>
        `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${p.name}\nspec:\n  cidr: ${p.cidr}\n` +
        (p.natOutgoing !== undefined ? `  natOutgoing: ${p.natOutgoing}\n` : '') +
        (p.disabled !== undefined ? `  disabled: ${p.disabled}\n` : ''),
    )
    .join('---\n');
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const DEFAULT: PoolDoc = { name: 'default-ipv4-ippool', cidr: '10.244.0.0/16', natOutgoing: true };
const NO_NAT: PoolDoc = { name: 'no-nat-172-16', cidr: '172.16.0.0/12', disabled: true };

describe('nat diff', () => {
  it('adding a no-NAT pool: the change in the pools\' terms, exit 1', async () => {
    const before = write('before.yaml', [DEFAULT]);
    const after = write('after.yaml', [DEFAULT, NO_NAT]);
    const r = await runCli(['nat', 'diff', '--from', before, '--to', after]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe(
      [
        `--- ${before}`,
        `+++ ${after}`,
        'IPv4:',
        '  pods of default-ipv4-ippool (10.244.0.0/16) → 172.16.0.0/12: NAT → no NAT (new pool no-nat-172-16, disabled)',
        '1 change in NAT behaviour',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
  });

  it('nothing changes: exit 0', async () => {
    const a = write('same-a.yaml', [DEFAULT, NO_NAT]);
    const b = write('same-b.yaml', [NO_NAT, { ...DEFAULT, disabled: true }]);
    const r = await runCli(['nat', 'diff', '--from', a, '--to', b]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('no change in NAT behaviour');
  });

  it('-f compares the datastore (before) with the files (after); --from the files with the datastore', async () => {
    const store = join(dir, 'store');
    const env = { POOLCTL_STORE: store };
    const created = await runCli(['create', '-f', write('store.yaml', [DEFAULT, NO_NAT])], { env });
    expect(created.code, created.stderr).toBe(0);
    const off = write('off.yaml', [{ ...DEFAULT, natOutgoing: false }, NO_NAT]);
    const r = await runCli(['nat', 'diff', '-f', off], { env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('--- the datastore\n');
    expect(r.stdout).toContain(
      'pods of default-ipv4-ippool (10.244.0.0/16) → any IPv4 destination outside the IP pools: NAT → no NAT (default-ipv4-ippool: natOutgoing true → false)',
    );
    const back = await runCli(['nat', 'diff', '--from', off], { env });
    expect(back.code, back.stderr).toBe(1);
    expect(back.stdout).toContain('+++ the datastore\n');
    expect(back.stdout).toContain(': no NAT → NAT (default-ipv4-ippool: natOutgoing false → true)');
  });

  it('-o github: a warning on the line that causes the change', async () => {
    const before = write('gh-before.yaml', [DEFAULT]);
    const after = write('gh-after.yaml', [{ ...DEFAULT, natOutgoing: false }]);
    const r = await runCli(['nat', 'diff', '--from', before, '--to', after, '-o', 'github']);
    expect(r.code, r.stderr).toBe(1);
    const [annotation, summary] = r.stdout.split('\n');
    // natOutgoing is line 7 of the document, its value at column 16
    expect(annotation).toBe(
      `::warning file=${after.replace(/:/g, '%3A')},line=7,col=16,title=NAT behaviour changes (1 region)::IPv4: pods of default-ipv4-ippool (10.244.0.0/16) → any IPv4 destination outside the IP pools: NAT → no NAT (default-ipv4-ippool: natOutgoing true → false)`,
    );
    expect(summary).toBe('1 change in NAT behaviour');
  });

  it('-o github: a removed pool is annotated where the before state defines it', async () => {
    const before = write('gh-rm-before.yaml', [DEFAULT, NO_NAT]);
    const after = write('gh-rm-after.yaml', [DEFAULT]);
    const r = await runCli(['nat', 'diff', '--from', before, '--to', after, '-o', 'github']);
    expect(r.code, r.stderr).toBe(1);
    // the second document starts on line 9 (after 7 lines and a ---)
    expect(r.stdout).toMatch(new RegExp(`^::warning file=${before.replace(/[.]/g, '\\.')},line=9,col=1,title=NAT behaviour changes \\(1 region\\)::IPv4: pods of default-ipv4-ippool \\(10\\.244\\.0\\.0/16\\) → 172\\.16\\.0\\.0/12: no NAT → NAT \\(pool no-nat-172-16 removed\\)\n`));
  });

  it('-o json: every region with exact CIDRs, pools, verdicts and causes', async () => {
    const before = write('json-before.yaml', [DEFAULT]);
    const after = write('json-after.yaml', [DEFAULT, NO_NAT]);
    const r = await runCli(['nat', 'diff', '--from', before, '--to', after, '-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as { changed: boolean; regions: Record<string, any>[] };
    expect(doc.changed).toBe(true);
    expect(doc.regions).toHaveLength(1);
    const region = doc.regions[0]!;
    expect(region.src.cidrs).toEqual(['10.244.0.0/16']);
    expect(region.dst).toEqual({ cidrs: ['172.16.0.0/12'], pools: { before: [], after: ['no-nat-172-16'] }, changedPools: ['no-nat-172-16'] });
    expect([region.before.nat, region.after.nat, region.after.reason]).toEqual([true, false, 'DST_IN_POOL']);
    expect(region.causes).toEqual([{ text: 'new pool no-nat-172-16, disabled', pool: 'no-nat-172-16', state: 'after', file: after, line: 9, column: 1 }]);
  });

  it("each state's FelixConfigurations set its settings (default, then node.<node>, then flags)", async () => {
    const pools = write('felix-pools.yaml', [DEFAULT]);
    const felix = join(dir, 'felix-after.yaml');
    writeFileSync(
      felix,
      readFileSync(pools, 'utf8') +
        '---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata:\n  name: node.worker-1\nspec:\n  natOutgoingAddress: 192.0.2.1\n',
    );
    // The node's FelixConfiguration applies on that node only: a change there, none elsewhere.
    const onNode = await runCli(['nat', 'diff', '--from', pools, '--to', felix, '--node', 'worker-1', '-o', 'json']);
    expect(onNode.code, onNode.stderr).toBe(1);
    const doc = JSON.parse(onNode.stdout) as { changed: boolean; regions: { after: { snat?: string } }[] };
    expect(doc.changed).toBe(true);
    expect(JSON.stringify(doc.regions)).toContain('192.0.2.1');
    const elsewhere = await runCli(['nat', 'diff', '--from', pools, '--to', felix, '--node', 'worker-2']);
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    // A flag sets the field above both states' FelixConfigurations: no change left.
    const flagged = await runCli(['nat', 'diff', '--from', pools, '--to', felix, '--node', 'worker-1', '--nat-outgoing-address', '192.0.2.1']);
    expect(flagged.code, flagged.stderr).toBe(0);
  });

  it('--flows lists the given flows whose verdict changes', async () => {
    const before = write('flows-before.yaml', [DEFAULT]);
    const after = write('flows-after.yaml', [DEFAULT, NO_NAT]);
    const flows = join(dir, 'flows.txt');
    writeFileSync(flows, '# pod to the internet, to the no-NAT range, between pods\n10.244.1.5 1.1.1.1\n10.244.1.5 172.16.3.4\n10.244.1.5 10.244.2.2\n');
    const r = await runCli(['nat', 'diff', '--from', before, '--to', after, '--flows', flows]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('flows that change (1 of 3):\n  10.244.1.5 -> 172.16.3.4: NAT (NAT) → no NAT (DST_IN_POOL)\n');
    const json = await runCli(['nat', 'diff', '--from', before, '--to', after, '--flows', flows, '-o', 'json']);
    const doc = JSON.parse(json.stdout) as { flows: { src: string; dst: string; line: number }[] };
    expect(doc.flows.map((f) => [f.src, f.dst, f.line])).toEqual([['10.244.1.5', '172.16.3.4', 3]]);
  });

  it('a bad --flows line is an error naming the line, exit 2 (as nat explain --flows)', async () => {
    const a = write('bf.yaml', [DEFAULT]);
    const flows = join(dir, 'bad-flows.txt');
    writeFileSync(flows, '10.244.1.5 1.1.1.1\nnot-an-address 1.1.1.1\n');
    const r = await runCli(['nat', 'diff', '--from', a, '--to', a, '--flows', flows]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${flows}:2:`);
  });

  it('usage errors exit 2: no state named, stdin twice, an unknown format', async () => {
    const a = write('u.yaml', [DEFAULT]);
    const none = await runCli(['nat', 'diff']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('nat diff compares two states');
    const stdin = await runCli(['nat', 'diff', '--from', '-', '--to', '-'], { input: '' });
    expect(stdin.code).toBe(2);
    const format = await runCli(['nat', 'diff', '--from', a, '--to', a, '-o', 'yaml']);
    expect(format.code).toBe(2);
  });

  it('an unreachable datastore exits 3', async () => {
    const a = write('dsu.yaml', [DEFAULT]);
    const r = await runCli(['nat', 'diff', '-f', a], { env: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://127.0.0.1:9' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot reach etcd at http://127.0.0.1:9');
  });

  it('bad input in either state exits 1 with its position', async () => {
    const good = write('ok.yaml', [DEFAULT]);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: x\nspec:\n  cidr: 10.0.0.0/33\n');
    const r = await runCli(['nat', 'diff', '--from', good, '--to', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:6:`);
  });
});
