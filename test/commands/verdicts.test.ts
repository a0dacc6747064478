import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import create from '../../src/commands/create.js';
import replace from '../../src/commands/replace.js';
import validate from '../../src/commands/validate.js';
import type { IPPool } from '../../src/core/index.js';
import type { Datastore } from '../../src/datastore/datastore.js';
import { openMemoryDatastore } from '../../src/datastore/memory.js';
import { ROOT } from '../support/cli.js';
import { ippoolVectors, type IPPoolVector } from '../support/vectors.js';
import { testContext } from './context.js';

/**
 * validate and the command it stands for give the same verdict on every fixture of the
 * loader's classes (issue 10) and every conformance vector (spec/ippool.md §9): validate
 * (--op create, or --op replace --against-store) and create (or replace) are run on the same
 * input against the same store, and exit alike, with the expected verdict.
 */

const DIR = join(ROOT, 'test', 'fixtures', 'manifests', 'calicoctl');

/** FIXTURES are the loader's classes with calicoctl's verdict on each (see each file's comment). */
const FIXTURES: readonly (readonly [string, 'valid' | 'invalid'])[] = [
  ['calico-sample.yaml', 'valid'],
  ['calico-v1-ippool.yaml', 'invalid'],
  ['calico-v1-pool.yaml', 'invalid'],
  ['kind-slip.yaml', 'invalid'],
  ['kubectl-list.yaml', 'valid'],
  ['noise.yaml', 'invalid'],
  ['other-calico-kinds.yaml', 'valid'],
  ['resource-version.yaml', 'invalid'],
  ['unknown-field.yaml', 'invalid'],
  ['v1-list-of-v3.yaml', 'invalid'],
  ['yaml11.yaml', 'valid'],
];

const fileArgs = { recursive: false, skipEmpty: false, skipExists: false, dryRun: false };

/** validateExit runs validate -o json on stdin against a datastore and returns its exit code and report. */
async function validateExit(stdin: string, ds: Datastore, op: 'create' | 'replace' = 'create', againstStore = false): Promise<{ code: number; report: { results: { status: string }[] } }> {
  const ctx = testContext({ stdin, datastore: ds });
  const code = await validate.run!({ filename: ['-'], recursive: false, output: 'json', againstStore, op }, ctx);
  return { code, report: JSON.parse(ctx.stdout()) };
}

async function writeExit(verb: 'create' | 'replace', stdin: string, ds: Datastore): Promise<number> {
  const cmd = verb === 'create' ? create : replace;
  return cmd.run!({ filename: ['-'], ...fileArgs }, testContext({ stdin, datastore: ds }));
}

describe('validate and create agree on every fixture of the loader\'s classes', () => {
  it.each(FIXTURES.map(([f, v]) => [f, v] as const))('%s: %s', async (file, verdict) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    const v = await validateExit(text, openMemoryDatastore());
    const c = await writeExit('create', text, openMemoryDatastore());
    const want = verdict === 'valid' ? 0 : 1;
    expect({ validate: v.code, create: c }).toEqual({ validate: want, create: want });
  });
});

const VECTORS = ippoolVectors();

/** stored puts a vector's existing pools in a fresh store, as a datastore holds them (not re-checked). */
async function stored(v: IPPoolVector): Promise<{ ds: Datastore; pool: IPPool }> {
  const ds = openMemoryDatastore();
  const pool = structuredClone(v.pool);
  for (const p of v.existing ?? []) {
    const s = await ds.create(p);
    if (v.staleResourceVersion && p.metadata.name === v.pool.metadata.name) pool.metadata.resourceVersion = String(BigInt(s.metadata.resourceVersion) + 1000n);
  }
  return { ds, pool };
}

describe('validate and the command it stands for agree on every conformance vector', () => {
  it('has them all', () => {
    expect(VECTORS.length).toBeGreaterThan(100);
  });

  it.each(VECTORS.map((v) => [v.id, v] as const))('%s', async (_id, v) => {
    const write = v.op === 'replace' ? 'replace' : 'create';
    const op = v.op === 'replace' ? 'replace' : 'create';
    const a = await stored(v);
    const text = JSON.stringify(a.pool);
    const val = await validateExit(text, a.ds, op, true);
    const b = await stored(v);
    const cmd = await writeExit(write, JSON.stringify(b.pool), b.ds);
    const want = v.expect === 'valid' ? 0 : 1;
    expect({ validate: val.code, [write]: cmd }).toEqual({ validate: want, [write]: want });
    expect(val.report.results.map((r) => r.status)).toEqual([v.expect]);
  });
});
