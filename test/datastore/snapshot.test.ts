import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredPool } from '../../src/datastore/datastore.js';
import { UnavailableError } from '../../src/datastore/errors.js';
import { openFileDatastore } from '../../src/datastore/file.js';
import { natPoolOf } from '../../src/datastore/nat-pool.js';
import { decodeNatLine, decodeSnapshot, encodeSnapshot } from '../../src/datastore/snapshot.js';
import { fcRuns } from '../support/fc-runs.js';

// The embedded store's snapshot encoding: every pool comes back exactly as it was stored (key
// order, unknown fields, odd layouts), the NAT line is exactly natPoolOf of those pools, and
// damage is reported, never read as pools.

const meta = (name: string, rv = '1') => ({ name, uid: `u-${name}`, resourceVersion: rv, creationTimestamp: '2026-01-02T03:04:05Z' });

function stored(name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): StoredPool {
  return { kind: 'IPPool', apiVersion: 'projectcalico.org/v3', metadata: { ...meta(name), ...extra }, spec } as unknown as StoredPool;
}

/** roundTrip encodes pools (sorted by name) and decodes them again, every pool built. */
function roundTrip(pools: readonly StoredPool[]): { revision: number; pools: StoredPool[]; nat: ReturnType<typeof decodeNatLine> } {
  const text = encodeSnapshot(42, pools);
  const lines = text.split('\n');
  const d = decodeSnapshot(Buffer.from(text), 'snap');
  return { revision: d.revision, pools: d.pools.all(), nat: decodeNatLine(lines[1]!, pools.length, 'snap') };
}

/** ODD are pools a hand-made file or a newer Calico may hold: each must survive as it is. */
const ODD: StoredPool[] = [
  stored('a-future', { cidr: '10.0.0.0/24', zeta: { nested: [1, 2] }, alpha: null }, { labels: { team: 'net', '0': 'digit' }, annotations: { x: 'y' } }),
  stored('b-deprecated', { cidr: '10.0.1.0/24', 'nat-outgoing': true, ipip: null, blockSize: 0, allowedUses: [] }),
  stored('c-string-uses', { cidr: '10.0.2.0/24', allowedUses: 'Workload', natOutgoing: 'yes' }),
  JSON.parse('{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"d-proto","__proto__":{"polluted":true}},"spec":{"cidr":"10.0.3.0/24"}}'),
  { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'e-swapped' }, spec: { cidr: '10.0.4.0/24' } } as unknown as StoredPool,
  { kind: 'IPPool', apiVersion: 'projectcalico.org/v3', metadata: { name: 'f-status' }, spec: { cidr: '10.0.5.0/24' }, status: { ok: true } } as unknown as StoredPool,
  { kind: 'IPPool', metadata: { name: 'g-no-api' }, spec: null } as unknown as StoredPool,
  stored('h-no-cidr', { natOutgoing: true, disabled: true, blockSize: 29 }),
];

describe('snapshot encoding (v2)', () => {
  it('returns every pool as stored: key order, unknown fields, nulls, odd layouts kept whole', () => {
    const r = roundTrip(ODD);
    expect(r.revision).toBe(42);
    expect(r.pools.map((p) => JSON.stringify(p))).toEqual(ODD.map((p) => JSON.stringify(p)));
    const proto = r.pools[3]!.metadata as unknown as Record<string, unknown>;
    expect(Object.getOwnPropertyNames(proto)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops undefined values as JSON does and keeps the remaining order', () => {
    const p = stored('p', { cidr: '10.0.0.0/24', natOutgoing: undefined, disabled: true });
    expect(JSON.stringify(roundTrip([p]).pools[0])).toBe(JSON.stringify(p));
  });

  it('the NAT line is natPoolOf of every pool, odd ones included', () => {
    expect(roundTrip(ODD).nat).toEqual(ODD.map(natPoolOf));
  });

  it('round-trips random pools of many shapes, and their NAT projection (property)', () => {
    const value = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 130 }), fc.string({ maxLength: 6 }), fc.constant(['Workload', 'Tunnel']));
    const specArb = fc.record(
      {
        cidr: fc.constantFrom('10.0.0.0/26', 'fd00::/64', '', 'junk'),
        natOutgoing: fc.boolean(),
        'nat-outgoing': fc.boolean(),
        disabled: fc.boolean(),
        blockSize: fc.constantFrom(0, 26, 122),
        allowedUses: fc.constantFrom([], ['Workload', 'Tunnel'], ['LoadBalancer'], ['Tunnel', 'Workload']),
        nodeSelector: fc.string({ maxLength: 8 }),
        extra: value,
      },
      { requiredKeys: [] },
    );
    const metaExtra = fc.record({ labels: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }), zz: value }, { requiredKeys: [] });
    const poolsArb = fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z0-9.-]{1,8}$/), specArb, metaExtra), { selector: (t) => t[0], maxLength: 40 });
    fc.assert(
      fc.property(poolsArb, (tuples) => {
        const pools = tuples.map(([n, spec, extra]) => stored(n, spec, extra)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
        const r = roundTrip(pools);
        expect(r.pools.map((p) => JSON.stringify(p))).toEqual(pools.map((p) => JSON.stringify(p)));
        expect(r.nat).toEqual(pools.map(natPoolOf));
      }),
      { numRuns: fcRuns(200) },
    );
  });

  it('builds a pool only when it is asked for, and finds one by name', () => {
    const text = encodeSnapshot(3, [stored('a', { cidr: '10.0.0.0/24' }), stored('b', { cidr: '10.0.1.0/24' }), stored('c', { cidr: '10.0.2.0/24' })]);
    const t = decodeSnapshot(Buffer.from(text), 'snap').pools;
    expect(t.names).toEqual(['a', 'b', 'c']);
    expect(t.find('b')?.spec.cidr).toBe('10.0.1.0/24');
    expect(t.find('b')).toBe(t.find('b'));
    expect(t.find('bb')).toBeUndefined();
    expect(t.find('')).toBeUndefined();
  });
});

describe('embedded store files', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'poolctl-snapshot-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a snapshot in the unreleased v1 format is refused by name, not read', async () => {
    const v1 = `${JSON.stringify({ format: 'poolctl.store/v1', revision: '7', items: [stored('a', { cidr: '10.0.0.0/24' })] })}\n`;
    writeFileSync(join(dir, 'pools.000000000001.json'), v1);
    for (const read of [() => openFileDatastore(dir).list(), () => openFileDatastore(dir).natPools()]) {
      const e = await read().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnavailableError);
      expect((e as Error).message).toMatch(/pools\.000000000001\.json is not a poolctl store file \(format "poolctl\.store\/v1"\)/);
    }
  });

  it.each([
    // one byte less keeps the file's length (the header's digits) and moves the NAT line's end
    ['a header with a bad NAT length', (t: string) => t.replace(/"natBytes":(\d+)/, (_m, n: string) => `"natBytes":${Number(n) - 1}`), /is damaged: the NAT line does not end where the header says/],
    ['a truncated file', (t: string) => t.slice(0, t.length - 30), /is not valid JSON|is damaged/],
    ['pools out of order', (t: string) => t.replace('"order":[0,0]', '"order":[0,0,0]'), /is damaged/],
    ['an unknown format', (t: string) => t.replace('poolctl.store/v2', 'poolctl.store/v9'), /is not a poolctl store file \(format "poolctl.store\/v9"\)/],
  ])('%s is reported as unavailable by list and natPools', async (_what, damage, message) => {
    const ds = openFileDatastore(dir);
    await ds.batch(['a', 'b'], (txn) => (n) => txn.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: n }, spec: { cidr: n === 'a' ? '10.0.0.0/24' : '10.0.1.0/24' } }));
    const path = join(dir, 'pools.000000000001.json');
    writeFileSync(path, damage(readFileSync(path, 'utf8')));
    for (const read of [() => openFileDatastore(dir).list(), () => openFileDatastore(dir).natPools()]) {
      const e = await read().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnavailableError);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('natPools of an empty or missing store is empty', async () => {
    expect(await openFileDatastore(join(dir, 'none')).natPools()).toEqual([]);
  });
});

describe('snapshot: other kinds (line 4)', () => {
  const felix = { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: meta('default', '7'), spec: { natOutgoingAddress: '192.0.2.1' } };

  it('round-trips a section per kind beside the pools; the NAT line is unchanged', () => {
    const pools = [stored('a', { cidr: '10.0.0.0/24' })];
    const text = encodeSnapshot(7, pools, undefined, { felixconfigurations: [felix] });
    const without = encodeSnapshot(7, pools);
    expect(text.split('\n')[1]).toBe(without.split('\n')[1]);
    expect(JSON.parse(text.split('\n')[0]!).kindBytes).toBe(Buffer.byteLength(text.split('\n')[3]!) + 1);
    const d = decodeSnapshot(Buffer.from(text), 'snap');
    expect(d.kinds).toEqual({ felixconfigurations: [felix] });
    expect(d.pools.all()).toEqual(pools);
    // no other kinds: no line 4, no kindBytes
    expect(without.split('\n')).toHaveLength(4);
    expect(decodeSnapshot(Buffer.from(without), 'snap').kinds).toEqual({});
  });

  it('a kinds line cut short is damage, not an empty section', () => {
    const text = encodeSnapshot(7, [], undefined, { felixconfigurations: [felix] });
    const cut = text.slice(0, -10) + '\n';
    expect(() => decodeSnapshot(Buffer.from(cut), 'snap')).toThrow(UnavailableError);
  });
});
