import { NameTable } from './baselines/name-table.js';
import { compare, row, section } from './harness.js';

/**
 * names: the pool-name lookups of OverlapIndex (validate and create check every new pool's
 * name, then add it) with a Map against NameTable, the open-addressing table poolctl used until
 * it was measured here (bench/baselines/name-table.ts), on the same names in the same run:
 * 100,000 names, each looked up while absent and then added, then every name looked up again
 * and as many absent names. Best of RUNS runs after a warm-up, the two run alternately; the
 * ratio is NameTable / Map (> 1: Map is faster). `npm run bench -- validate` gives the end-to-end figure.
 */

const RUNS = Number(process.env.POOLCTL_BENCH_RUNS ?? 15);

/** Names is the part of a name index the workload uses. */
interface Names {
  get(name: string): object | undefined;
  set(name: string, value: object): void;
}

function workload(make: () => Names, names: readonly string[], absent: readonly string[]): number {
  const t = make();
  let n = 0;
  for (const name of names) {
    if (t.get(name) === undefined) t.set(name, { name });
  }
  for (const name of names) if (t.get(name) !== undefined) n++;
  for (const name of absent) if (t.get(name) !== undefined) n++;
  return n;
}

/** run: see the module comment. */
export async function run(): Promise<void> {
  section(`names: OverlapIndex's name lookups, Map against NameTable (the table it replaced); best of ${RUNS}`);
  for (const n of [10_000, 100_000]) {
    const names = Array.from({ length: n }, (_, i) => `pool-${i}`);
    const absent = Array.from({ length: n }, (_, i) => `other-${i}`);
    const m = compare(
      () => workload(() => new Map<string, object>(), names, absent),
      () => workload(() => new NameTable<object>(), names, absent),
      RUNS,
    );
    if (m.resultA !== m.resultB) throw new Error(`names: Map and NameTable disagree (${m.resultA} vs ${m.resultB})`);
    const what = `${n.toLocaleString('en')} names: get+set, get, get absent`;
    row(`${what}: NameTable`, `${m.b.toFixed(2)} ms`);
    row(`${what}: Map`, `${m.a.toFixed(2)} ms`, { value: m.b / m.a, against: 'NameTable / Map' });
  }
}
