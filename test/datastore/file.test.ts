import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileDatastore } from '../../src/datastore/file.js';
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
    writeFileSync(join(dir, 'pools.000000000003.json'), '{"format": "poolctl.store/v1", "items": [');
    const e = await openFileDatastore(dir).list().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnavailableError);
    expect((e as Error).message).toContain('pools.000000000003.json is not valid JSON');
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
});
