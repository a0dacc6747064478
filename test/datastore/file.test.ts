import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileDatastore, type FileStoreOptions } from '../../src/datastore/file.js';
import { UnavailableError } from '../../src/datastore/errors.js';

// The embedded store's own guarantees: snapshots written atomically with mode 0600, a crash at
// any moment leaves the previous or the next state, and a broken store is reported, not ignored.

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const pool = (name: string, cidr: string) => ({ apiVersion: 'projectcalico.org/v3' as const, kind: 'IPPool' as const, metadata: { name }, spec: { cidr } });

/** expectedNames is the state after rounds 0..k of crash-writer.ts. */
function expectedNames(k: number): { names: string[]; updated: string[] } {
  const names: string[] = [];
  const updated: string[] = [];
  for (let i = Math.max(0, k - 3); i <= k; i++) {
    names.push(`p-${i}`);
    if (i < k) updated.push(`p-${i}`);
  }
  return { names: names.sort(), updated: updated.sort() };
}

describe('embedded store (file)', () => {
  it('keeps one current snapshot file with mode 0600 in a 0700 directory', async () => {
    const store = join(dir, 'store');
    const ds = openFileDatastore(store);
    for (let i = 0; i < 5; i++) await ds.create(pool(`p${i}`, `10.${i}.0.0/16`));
    expect(statSync(store).mode & 0o777).toBe(0o700);
    const files = readdirSync(store);
    expect(files.every((f) => /^pools\.\d{12}\.json$/.test(f))).toBe(true);
    expect(files.length).toBeLessThanOrEqual(2);
    for (const f of files) expect(statSync(join(store, f)).mode & 0o777).toBe(0o600);
  });

  it('creating 10,000 pools in one batch is one write', async () => {
    const ds = openFileDatastore(dir);
    const names = Array.from({ length: 10_000 }, (_, i) => `p${i}`);
    const out = await ds.batch(names, (txn) => (n) => txn.create(pool(n, `10.${Number(n.slice(1)) >> 8}.${Number(n.slice(1)) & 255}.0/24`)));
    expect(out.every((o) => o.ok)).toBe(true);
    expect(readdirSync(dir)).toEqual(['pools.000000000001.json']);
    expect((await ds.list()).items.length).toBe(10_000);
  });

  it('a path that is a file, and a corrupt snapshot, are reported as unavailable (exit 3)', async () => {
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    expect(() => openFileDatastore(file)).toThrow(UnavailableError);
    writeFileSync(join(dir, 'pools.000000000003.json'), '{"format":"poolctl.store/v2","revision":"3","count":1,"nat');
    const e = await openFileDatastore(dir).list().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnavailableError);
    expect((e as Error).message).toContain('pools.000000000003.json is damaged');
  });

  it('removes temp files left by dead processes on the next write', async () => {
    const ds = openFileDatastore(dir);
    await ds.create(pool('a', '10.1.0.0/16'));
    const host = (await import('node:os')).hostname();
    writeFileSync(join(dir, `.tmp-${host}-999999999-abcdef`), 'partial');
    await ds.create(pool('b', '10.2.0.0/16'));
    expect(readdirSync(dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  it('SIGKILL at any moment leaves the old or the new state, every acknowledged write survives, the store always loads', async () => {
    let next = 0;
    let lastAck = -1;
    let lastRevision = 0n;
    for (let kill = 0; kill < 12; kill++) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'crash-writer.ts'), dir, String(next)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const acks: number[] = [];
      let buf = '';
      const delay = 5 + Math.floor(Math.random() * 120);
      await new Promise<void>((resolve, reject) => {
        let killed = false;
        child.stdout.on('data', (b: Buffer) => {
          buf += b.toString();
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            acks.push(Number(buf.slice(4, nl)));
            buf = buf.slice(nl + 1);
          }
          if (!killed && acks.length > 0) {
            killed = true;
            setTimeout(() => child.kill('SIGKILL'), delay);
          }
        });
        child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`))));
      });
      if (acks.length > 0) lastAck = acks.at(-1)!;
      // The store loads and holds the state after the last acknowledged round, or after the one in flight.
      const list = await openFileDatastore(dir).list();
      const names = list.items.map((p) => p.metadata.name).sort();
      const updated = list.items.filter((p) => p.spec.natOutgoing).map((p) => p.metadata.name).sort();
      const acked = expectedNames(lastAck);
      const inFlight = expectedNames(lastAck + 1);
      const state = JSON.stringify({ names, updated });
      expect([JSON.stringify(acked), JSON.stringify(inFlight)]).toContain(state);
      expect(BigInt(list.revision)).toBeGreaterThanOrEqual(lastRevision);
      lastRevision = BigInt(list.revision);
      next = state === JSON.stringify(inFlight) ? lastAck + 2 : lastAck + 1;
      if (state === JSON.stringify(inFlight)) lastAck++;
      for (const f of readdirSync(dir).filter((x) => x.startsWith('pools.'))) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    }
    expect(lastAck).toBeGreaterThan(12);
  }, 120_000);

  describe('compare-and-swap: a published snapshot is reported as it really went', () => {
    const names = async (o: FileStoreOptions = {}) => (await openFileDatastore(dir, o).list()).items.map((p) => p.metadata.name);

    it('a write others built on before it looked again is reported applied, not retried into "already exists"', async () => {
      await openFileDatastore(dir).create(pool('base', '10.0.0.0/16'));
      let raced = false;
      const a = openFileDatastore(dir, {
        racePoints: {
          afterLink: async () => {
            if (raced) return;
            raced = true;
            // another writer reads the snapshot just linked and publishes the next one on top
            await openFileDatastore(dir).create(pool('b', '10.2.0.0/16'));
          },
        },
      });
      const created = await a.create(pool('a', '10.1.0.0/16'));
      expect(raced).toBe(true);
      expect(created.metadata.name).toBe('a');
      expect(await names()).toEqual(['a', 'b', 'base']);
      const a2 = await openFileDatastore(dir).get('a');
      expect(a2.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    });

    it('a link into a number freed by the removal of old snapshots is undone, and the write is redone on the newest state', async () => {
      await openFileDatastore(dir).create(pool('base', '10.0.0.0/16'));
      let raced = false;
      const a = openFileDatastore(dir, {
        racePoints: {
          beforeLink: async () => {
            if (raced) return;
            raced = true;
            // three commits by others: snapshot 2 (the number this writer is about to take) comes and goes
            const other = openFileDatastore(dir);
            for (const n of ['x', 'y', 'z']) await other.create(pool(n, `10.${n.charCodeAt(0)}.0.0/16`));
            expect(readdirSync(dir).filter((f) => f.startsWith('pools.')).sort()).toEqual(['pools.000000000003.json', 'pools.000000000004.json']);
          },
        },
      });
      await a.create(pool('a', '10.1.0.0/16'));
      expect(raced).toBe(true);
      expect(await names()).toEqual(['a', 'base', 'x', 'y', 'z']);
      expect(readdirSync(dir).filter((f) => f.startsWith('pools.')).sort()).toEqual(['pools.000000000004.json', 'pools.000000000005.json']);
    });

    it('many writers at once: every write reported applied is there, none reported failed is', async () => {
      const writers = 6;
      const each = 40;
      const outcomes = await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          const ds = openFileDatastore(dir);
          const ok: string[] = [];
          for (let i = 0; i < each; i++) {
            const name = `w${w}-${i}`;
            try {
              await ds.create(pool(name, `10.${w}.${i}.0/24`));
              ok.push(name);
            } catch (e) {
              ok.push(`FAILED ${name}: ${(e as Error).message}`);
            }
            await new Promise((r) => setImmediate(r));
          }
          return ok;
        }),
      );
      const reported = outcomes.flat();
      expect(reported.filter((r) => r.startsWith('FAILED'))).toEqual([]);
      expect((await names()).sort()).toEqual(reported.sort());
    });
  });

  describe('damage from outside', () => {
    it('a damaged newest snapshot does not lock the store: reads fall back to the last good one and say so, the next write repairs', async () => {
      const ds = openFileDatastore(dir);
      await ds.create(pool('a', '10.1.0.0/16'));
      await ds.create(pool('b', '10.2.0.0/16'));
      const newest = join(dir, 'pools.000000000002.json');
      truncateSync(newest, statSync(newest).size - 20);
      const warnings: string[] = [];
      const reader = openFileDatastore(dir, { warn: (m) => warnings.push(m) });
      const listed = (await reader.list()).items;
      expect(listed.map((p) => p.metadata.name)).toEqual(['a']);
      expect((await reader.natPools()).map((p) => [p.name, p.cidr])).toEqual([['a', '10.1.0.0/16']]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/pools\.000000000002\.json is damaged.*read pools\.000000000001\.json, the newest good snapshot, instead/);
      // the next write goes on from the good snapshot, under a new number
      const c = await reader.create(pool('c', '10.3.0.0/16'));
      expect(Number(c.metadata.resourceVersion)).toBeGreaterThan(2);
      const after: string[] = [];
      expect((await openFileDatastore(dir, { warn: (m) => after.push(m) }).list()).items.map((p) => p.metadata.name)).toEqual(['a', 'c']);
      expect(after).toEqual([]);
      expect(readdirSync(dir).filter((f) => f.startsWith('pools.')).sort()).toEqual(['pools.000000000002.json', 'pools.000000000003.json']);
    });

    it('when every snapshot is damaged, reads fail (exit 3) naming the newest', async () => {
      const ds = openFileDatastore(dir);
      await ds.create(pool('a', '10.1.0.0/16'));
      await ds.create(pool('b', '10.2.0.0/16'));
      for (const f of readdirSync(dir)) writeFileSync(join(dir, f), readFileSync(join(dir, f)).subarray(0, 50));
      const e = await openFileDatastore(dir).list().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnavailableError);
      expect((e as Error).message).toMatch(/pools\.000000000002\.json is (damaged|not valid JSON)/);
    });
  });

  it('the snapshot counter goes on past 12 digits', async () => {
    const ds = openFileDatastore(dir);
    await ds.create(pool('a', '10.1.0.0/16'));
    copyFileSync(join(dir, 'pools.000000000001.json'), join(dir, 'pools.999999999999.json'));
    rmSync(join(dir, 'pools.000000000001.json'));
    await ds.create(pool('b', '10.2.0.0/16'));
    await openFileDatastore(dir).create(pool('c', '10.3.0.0/16'));
    expect(readdirSync(dir).filter((f) => f.startsWith('pools.')).sort()).toEqual(['pools.1000000000000.json', 'pools.1000000000001.json']);
    expect((await openFileDatastore(dir).list()).items.map((p) => p.metadata.name)).toEqual(['a', 'b', 'c']);
  });

  it('a store directory others may write to gets a warning', () => {
    for (const [mode, who] of [
      [0o777, 'every user'],
      [0o770, 'its group'],
    ] as const) {
      chmodSync(dir, mode);
      const warnings: string[] = [];
      openFileDatastore(dir, { warn: (m) => warnings.push(m) });
      expect(warnings).toEqual([`the store directory ${dir} is writable by ${who} (mode 0${mode.toString(8)}): others can change or remove its pools; run chmod 700 ${dir}`]);
    }
    chmodSync(dir, 0o755);
    const none: string[] = [];
    openFileDatastore(dir, { warn: (m) => none.push(m) });
    expect(none).toEqual([]);
  });
});
