import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { overlaps, type IPPool } from '../../src/core/index.js';
import { mustParsePrefix } from '../support/prefix.js';
import { poolctl, writeManifest, type CliBackend } from './crud-support.js';

const WORKERS = 8;
const POOLS = 50;
const PER_RUN = 10;

/**
 * poolsOf is worker w's 50 pools. Most are its own (10.w.i.0/24); i % 10 == 0 takes a CIDR
 * every worker also tries (identical CIDRs), i % 10 == 5 one of a nested family
 * (172.20.0.0/(16+w): each contains the next), so those race.
 */
function poolsOf(w: number): IPPool[] {
  return Array.from({ length: POOLS }, (_, i) => {
    const cidr = i % 10 === 0 ? `172.16.${i}.0/24` : i % 10 === 5 ? `172.${20 + i}.0.0/${16 + w}` : `10.${w}.${i}.0/24`;
    return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: `w${w}-p${i}` }, spec: { cidr, blockSize: 29 } };
  });
}

/**
 * concurrencySuite runs 8 processes creating 50 pools each (5 `poolctl create` runs of 10)
 * at the same time against one store: no pool may be lost, and of every set of pools whose
 * CIDRs overlap at most one may be admitted.
 */
export function concurrencySuite(backend: CliBackend): void {
  describe(`concurrent writers: ${backend.name}`, () => {
    let dir = '';
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'poolctl-race-'));
      if (!backend.skip) {
        await backend.setup();
        await backend.reset();
      }
    });
    afterAll(async () => {
      if (!backend.skip) await backend.teardown();
      rmSync(dir, { recursive: true, force: true });
    });

    it.skipIf(backend.skip !== null)(`8 processes x 50 pools: nothing lost, no overlapping pair admitted${backend.skip ? ` (${backend.skip})` : ''}`, async () => {
      const results = await Promise.all(
        Array.from({ length: WORKERS }, async (_, w) => {
          const pools = poolsOf(w);
          const runs = [];
          for (let k = 0; k < POOLS; k += PER_RUN) {
            const file = writeManifest(dir, `w${w}-${k}.json`, pools.slice(k, k + PER_RUN));
            runs.push(await poolctl(backend, ['create', '-f', file]));
          }
          return runs;
        }),
      );
      for (const r of results.flat()) {
        expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
        for (const line of r.stderr.split('\n').filter((l) => l.startsWith('Failed'))) expect(line).toMatch(/CIDR overlaps with IPPool/);
      }
      const list = await poolctl(backend, ['get', 'ippools', '-o', 'json']);
      expect(list.code).toBe(0);
      const stored = (JSON.parse(list.stdout) as { items: IPPool[] }).items;
      const names = new Set(stored.map((p) => p.metadata.name));
      // Nothing lost: every pool of its own range is there.
      for (let w = 0; w < WORKERS; w++) {
        for (const p of poolsOf(w)) if (p.spec.cidr.startsWith('10.')) expect(names.has(p.metadata.name), p.metadata.name).toBe(true);
      }
      // Each contested CIDR (or nested family) was won exactly once.
      for (let i = 0; i < POOLS; i += 5) {
        const winners = stored.filter((p) => p.metadata.name.endsWith(`-p${i}`));
        expect(winners.length, `contested pool p${i}`).toBe(1);
      }
      // No overlapping pair at all (sorted by address, neighbours suffice for prefixes).
      const prefixes = stored.map((p) => ({ name: p.metadata.name, prefix: mustParsePrefix(p.spec.cidr) }));
      prefixes.sort((a, b) => (a.prefix.value < b.prefix.value ? -1 : a.prefix.value > b.prefix.value ? 1 : a.prefix.bits - b.prefix.bits));
      for (let k = 1; k < prefixes.length; k++) {
        expect(overlaps(prefixes[k - 1]!.prefix, prefixes[k]!.prefix), `${prefixes[k - 1]!.name} / ${prefixes[k]!.name}`).toBe(false);
      }
      expect(stored.length).toBe(WORKERS * 40 + 10);
    }, 300_000);
  });
}
