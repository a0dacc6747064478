import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IPPool } from '../../src/core/index.js';
import type { NatChangeBatch, WatchLost } from '../../src/datastore/datastore.js';
import { openFileDatastore } from '../../src/datastore/file.js';

const ippool = (name: string, cidr: string, natOutgoing = false): IPPool =>
  ({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, natOutgoing } }) as IPPool;

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('embedded store: natList and watchNat', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('reports each new snapshot as the changes since the listing, with its revision and time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poolctl-fw-'));
    dirs.push(dir);
    // the store directory does not exist yet: the watch polls until it does
    const ds = openFileDatastore(join(dir, 'store'));
    const from = await ds.natList();
    expect(from).toMatchObject({ pools: [], revision: '0' });
    const batches: NatChangeBatch[] = [];
    const lost: WatchLost[] = [];
    const stop = await ds.watchNat!(from, { onChanges: (b) => batches.push(b), onLost: (l) => lost.push(l) });
    try {
      await ds.create(ippool('a', '10.1.0.0/16', true));
      await until(() => batches.length === 1);
      expect(batches[0]!.changes).toEqual([{ name: 'a', pool: expect.objectContaining({ name: 'a', cidr: '10.1.0.0/16', natOutgoing: true, disabled: false }) }]);
      expect(batches[0]!.revision).toBe('1');
      expect(Math.abs(batches[0]!.committedAt - Date.now())).toBeLessThan(5000);
      const a = await ds.get('a');
      await ds.update({ ...a, spec: { ...a.spec, natOutgoing: false } });
      await ds.create(ippool('b', '10.2.0.0/16'));
      await ds.delete('a');
      await until(() => batches.flatMap((b) => b.changes).some((c) => c.name === 'a' && c.pool === null));
      const last = batches.at(-1)!;
      expect(last.revision).toBe((await ds.natList()).revision);
      // what the batches add up to is the store
      const seen = new Map<string, unknown>();
      for (const b of batches) for (const c of b.changes) c.pool ? seen.set(c.name, c.pool) : seen.delete(c.name);
      expect([...seen.keys()]).toEqual(['b']);
      expect(lost).toEqual([]);
    } finally {
      await stop();
    }
  });

  it('a change between the listing and the watch is reported at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poolctl-fw-'));
    dirs.push(dir);
    const ds = openFileDatastore(dir);
    await ds.create(ippool('a', '10.1.0.0/16'));
    const from = await ds.natList();
    await ds.create(ippool('b', '10.2.0.0/16'));
    const batches: NatChangeBatch[] = [];
    const stop = await ds.watchNat!(from, { onChanges: (b) => batches.push(b), onLost: () => {} });
    await stop();
    expect(batches.map((b) => b.changes.map((c) => c.name))).toEqual([['b']]);
  });

  it('watchKind: a FelixConfiguration written is reported, nothing before it or after the stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poolctl-fw-'));
    dirs.push(dir);
    const ds = openFileDatastore(join(dir, 'store'));
    await ds.create(ippool('a', '10.1.0.0/16', true));
    let changes = 0;
    const lost: WatchLost[] = [];
    const stop = await ds.watchKind!('felixconfigurations', () => changes++, (l) => lost.push(l));
    await new Promise((r) => setTimeout(r, 100));
    expect(changes).toBe(0);
    await ds.resources('felixconfigurations').create({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { nftablesMode: 'Enabled' } });
    await until(() => changes === 1);
    await stop();
    await ds.resources('felixconfigurations').delete('default');
    await new Promise((r) => setTimeout(r, 200));
    expect(changes).toBe(1);
    expect(lost).toEqual([]);
  });
});
