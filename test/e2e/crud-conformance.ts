import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPPool } from '../../src/core/index.js';
import { ippoolVectors } from '../support/vectors.js';
import { poolctl, writeManifest, type CliBackend } from './crud-support.js';
import { backendHooks } from '../support/backend-hooks.js';

const VECTORS = ippoolVectors().filter(
  (v) => v.op === 'create' || v.op === 'replace',
);

/**
 * conformanceSuite runs every create and replace vector through the built CLI on a backend:
 * the `existing` pools are stored first (as a datastore holds them, in-process), then
 * `poolctl create|replace -f` runs; a valid case must exit 0 and `poolctl get -o json` must
 * show resultSpec, an invalid one must exit 1 with Calico's reason on stderr and leave the
 * store as it was.
 */
export function conformanceSuite(backend: CliBackend): void {
  describe(`conformance vectors through the CLI: ${backend.name}`, () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'poolctl-vectors-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    backendHooks(backend);

    it('has create and replace vectors', () => {
      expect(VECTORS.length).toBeGreaterThan(50);
    });

    it.each(VECTORS.map((v) => [v.id, v] as const))('%s', async (_id, v) => {
      const ds = await backend.open();
      let storedRV: string | undefined;
      let before: unknown;
      try {
        for (const p of v.existing ?? []) {
          const s = await ds.create(p);
          if (p.metadata.name === v.pool.metadata.name) storedRV = s.metadata.resourceVersion;
        }
        before = (await ds.list()).items;
      } finally {
        await ds.close();
      }
      const pool = structuredClone(v.pool);
      if (v.staleResourceVersion) pool.metadata.resourceVersion = String(BigInt(storedRV ?? '1') + 1000n);
      const file = writeManifest(dir, `${v.id}.json`, [pool]);
      const r = await poolctl(backend, [v.op, '-f', file]);
      if (v.expect === 'valid') {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(`Successfully ${v.op}d 1 'IPPool' resource(s)\n`);
        const got = await poolctl(backend, ['get', 'ippool', v.pool.metadata.name, '-o', 'json']);
        expect(got.code).toBe(0);
        const stored = JSON.parse(got.stdout) as IPPool;
        if (v.resultSpec) expect(stored.spec).toEqual(v.resultSpec);
        if (v.op === 'replace') expect(BigInt(stored.metadata.resourceVersion!)).toBeGreaterThan(BigInt(storedRV ?? '0'));
      } else {
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(v.staleResourceVersion ? `update conflict: IPPool(${v.pool.metadata.name})` : v.calicoReason);
        const after = await backend.open();
        try {
          expect((await after.list()).items).toEqual(before);
        } finally {
          await after.close();
        }
      }
    });
  });
}
