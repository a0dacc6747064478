// covers: src/core/ippool/ippool.ts, src/core/ippool/rules.ts, src/core/ippool/overlap-index.ts, src/core/ippool/calico-error.ts (spec/ippool.md §9 vectors)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calicoErrorText, checkIPPool, OverlapIndex, setDefaults, type Diagnostic, type IPPool } from '../../../src/core/index.js';
import { CONFORMANCE } from '../../support/paths.js';

/** The shared conformance vectors (spec/ippool.md §9), run in-process against the core rules. */
interface Vector {
  id: string;
  op: 'validate' | 'create' | 'replace';
  pool: IPPool;
  existing?: IPPool[];
  expect: 'valid' | 'invalid';
  calicoReason?: string;
  resultSpec?: Record<string, unknown>;
  staleResourceVersion?: boolean;
}

const VECTORS = JSON.parse(readFileSync(join(CONFORMANCE, 'ippool.json'), 'utf8')) as Vector[];

/** errorText is everything a user sees of the errors: Calico's formatted error, and each error alone with its detail. */
function errorText(diags: readonly Diagnostic[]): string {
  return [calicoErrorText(diags), ...diags.filter((d) => d.severity === 'error').map((d) => `${calicoErrorText([d])}\n${d.detail ?? ''}`)].join('\n');
}

/**
 * storeOf puts the vector's existing pools in a fresh store as stored pools: read back with
 * Calico's read defaults, not re-checked (some vectors store overlapping pools on purpose).
 */
function storeOf(existing: readonly IPPool[] = []): { index: OverlapIndex; byName: Map<string, IPPool> } {
  const index = new OverlapIndex();
  const byName = new Map<string, IPPool>();
  for (const e of existing) {
    const stored = setDefaults(e);
    expect(index.addPool(stored, 'store')).toBe(true);
    byName.set(stored.metadata.name, stored);
  }
  return { index, byName };
}

describe('conformance: validate vectors', () => {
  it.each(VECTORS.filter((v) => v.op === 'validate').map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const r = checkIPPool(v.pool, { op: 'create', overlaps: new OverlapIndex(), thorough: true });
    expect(r.valid ? 'valid' : 'invalid').toBe(v.expect);
    if (v.calicoReason) expect(errorText(r.diagnostics)).toContain(v.calicoReason);
    for (const d of r.diagnostics) expect(d.path, `${d.code} has a path`).toMatch(/^\//);
  });
});

describe('conformance: create vectors', () => {
  it.each(VECTORS.filter((v) => v.op === 'create').map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const { index } = storeOf(v.existing);
    const r = checkIPPool(v.pool, { op: 'create', overlaps: index });
    expect(r.valid ? 'valid' : 'invalid').toBe(v.expect);
    if (v.calicoReason) expect(errorText(r.diagnostics)).toContain(v.calicoReason);
    if (v.resultSpec) expect(r.pool.spec).toEqual(v.resultSpec);
  });

  it.each(VECTORS.filter((v) => v.op === 'create' && !v.existing).map((v) => [v.id, v] as const))(
    '%s: validate gives the same verdict',
    (_id, v) => {
      const r = checkIPPool(v.pool, { op: 'create', overlaps: new OverlapIndex(), thorough: true });
      expect(r.valid ? 'valid' : 'invalid').toBe(v.expect);
      if (v.calicoReason) expect(errorText(r.diagnostics)).toContain(v.calicoReason);
    },
  );
});

describe('conformance: replace vectors', () => {
  it.each(VECTORS.filter((v) => v.op === 'replace').map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const { byName } = storeOf(v.existing);
    const old = byName.get(v.pool.metadata.name);
    if (!old) {
      // Update's Get fails first; the datastore reports it (etcd: "<nil>" as the wrapped error).
      expect(v.expect).toBe('invalid');
      expect(`resource does not exist: IPPool(${v.pool.metadata.name}) with error: <nil>`).toContain(v.calicoReason);
      return;
    }
    const r = checkIPPool(v.pool, { op: 'update', old });
    expect(r.valid ? 'valid' : 'invalid').toBe(v.expect);
    if (v.calicoReason) expect(errorText(r.diagnostics)).toContain(v.calicoReason);
    if (v.resultSpec) expect(r.pool.spec).toEqual(v.resultSpec);
  });
});
