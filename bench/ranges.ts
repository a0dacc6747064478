import { RangeBuilder, rangeCidrCount, rangesMeet, sameRanges, subtractRanges, type AddrValue, type Family, type Prefix, type RangeList } from '../src/core/index.js';
import {
  findObject,
  forEachObjectPrefix,
  normalizeObjects,
  objectRangeOf,
  sameObjects,
  subtractObjects,
  type ObjectRange,
} from './baselines/range-objects.js';
import { compare, rng, row, section } from './harness.js';

/**
 * ranges: the one range algebra (flat bounds) against the form it replaced (one object per
 * range, bench/baselines/range-objects.ts), on the same inputs in the same run, at nat apply's
 * size (100,000 pools give nft sets of up to 150,000 members):
 *   build     merge prefixes into sorted, non-adjacent ranges (address order, and shuffled)
 *   prefixes  the fewest prefixes covering the ranges (nft elements, a change's member lines)
 *   diff      equality and both differences of a live and a wanted set, 1 in 13 members apart (nat apply's plan)
 *   contains  binary searches for addresses (PrefixSet.contains)
 * Each figure is the best of RUNS runs after a warm-up (on a shared machine the best run is the
 * one least disturbed), the two forms run alternately; the ratio is objects / flat (> 1: flat is faster).
 */

const RUNS = Number(process.env.POOLCTL_BENCH_RUNS ?? 15);
/** DIFFS is how many diffs one measurement of the diff task makes (one takes about a millisecond). */
const DIFFS = 20;

/** prefixes4 gives n IPv4 /26s in 10.0.0.0/8 and up, in address order, with every 13th /26 missing so ranges stay apart. */
function prefixes4(n: number, skew = 0): Prefix[] {
  const out: Prefix[] = [];
  for (let i = 0, k = 0; out.length < n; i++) {
    if ((i + skew) % 13 === 0) continue;
    out.push({ family: 4, value: BigInt(0x0a000000 + i * 64), bits: 26 });
    k++;
  }
  return out;
}

/** prefixes6 gives n IPv6 /64s in fd00:10::/32, in address order, every 13th missing. */
function prefixes6(n: number): Prefix[] {
  const out: Prefix[] = [];
  for (let i = 0; out.length < n; i++) if (i % 13 !== 0) out.push({ family: 6, value: (0xfd000010n << 96n) | (BigInt(i) << 64n), bits: 64 });
  return out;
}

function shuffled<T>(xs: readonly T[]): T[] {
  const r = rng(7);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Algebra is one form of the range algebra, as the bench drives it. */
interface Algebra<R> {
  build(family: Family, ps: readonly Prefix[]): R;
  subtract(a: R, b: R): R;
  same(a: R, b: R): boolean;
  prefixCount(r: R): number;
  contains(r: R, v: AddrValue): boolean;
}

const flat: Algebra<RangeList> = {
  build(family, ps) {
    const b = new RangeBuilder(family);
    for (const p of ps) b.addPrefix(p);
    return b.build();
  },
  subtract: subtractRanges,
  same: sameRanges,
  prefixCount: rangeCidrCount,
  contains: (r, v) => rangesMeet(r, v, v),
};

interface Objects {
  readonly family: Family;
  readonly ranges: ObjectRange[];
}

const objects: Algebra<Objects> = {
  build(family, ps) {
    return { family, ranges: normalizeObjects(ps.map(objectRangeOf)) };
  },
  subtract(a, b) {
    return { family: a.family, ranges: subtractObjects(a.ranges, b.ranges) };
  },
  same(a, b) {
    return a.family === b.family && sameObjects(a.ranges, b.ranges);
  },
  prefixCount(r) {
    let n = 0;
    forEachObjectPrefix(r.family, r.ranges, () => n++);
    return n;
  },
  contains(r, v) {
    return findObject(r.ranges, v) >= 0;
  },
};

/** Task is one measured job; it returns a number that must agree between the forms. */
type Task = <R>(a: Algebra<R>) => number;

/** built returns a task on values each form builds once, outside the measurement. */
function built(make: <R>(a: Algebra<R>) => R[], job: <R>(a: Algebra<R>, values: R[]) => number): Task {
  const cache = new Map<object, unknown[]>();
  return <R>(a: Algebra<R>): number => {
    if (!cache.has(a)) cache.set(a, make(a));
    return job(a, cache.get(a) as R[]);
  };
}

/** run: see the module comment. */
export async function run(): Promise<void> {
  section(`ranges: one range algebra, flat bounds (core) against one object per range (the form it replaced); best of ${RUNS}`);
  const N4 = 150_000;
  const N6 = 15_000;
  const want4 = prefixes4(N4);
  const live4 = prefixes4(N4, 1); // about 1 in 13 prefixes moved: both differences are non-empty
  const mixed4 = shuffled(want4);
  const want6 = prefixes6(N6);
  const r = rng(3);
  const probes4 = Array.from({ length: 1_000_000 }, () => 0x0a000000 + Math.floor(r() * N4 * 70));
  const tasks: [string, Task][] = [
    [`build: ${N4.toLocaleString('en')} IPv4 /26s, address order`, (a) => (a.build(4, want4), 0)],
    [`build: ${N4.toLocaleString('en')} IPv4 /26s, shuffled`, (a) => (a.build(4, mixed4), 0)],
    [`build + prefixes: ${N4.toLocaleString('en')} IPv4 /26s`, (a) => a.prefixCount(a.build(4, want4))],
    [`build + prefixes: ${N6.toLocaleString('en')} IPv6 /64s`, (a) => a.prefixCount(a.build(6, want6))],
    [
      `diff x${DIFFS}: two built sets of ${N4.toLocaleString('en')} IPv4 /26s (same? + both differences as prefixes)`,
      built(
        (a) => [a.build(4, want4), a.build(4, live4)],
        (a, [w, l]) => {
          let n = 0;
          for (let i = 0; i < DIFFS; i++) n += (a.same(w!, l!) ? 1 : 0) + a.prefixCount(a.subtract(w!, l!)) + a.prefixCount(a.subtract(l!, w!));
          return n;
        },
      ),
    ],
    [`contains: 1,000,000 IPv4 addresses (built set)`, built((a) => [a.build(4, want4)], (a, [set]) => probes4.filter((v) => a.contains(set!, v)).length)],
  ];
  for (const [name, task] of tasks) {
    const m = compare(() => task(flat), () => task(objects), RUNS);
    if (m.resultA !== m.resultB) throw new Error(`${name}: the forms disagree (${m.resultA} vs ${m.resultB})`);
    row(`${name}: objects`, `${m.b.toFixed(2)} ms`);
    row(`${name}: flat`, `${m.a.toFixed(2)} ms`, { value: m.b / m.a, against: 'objects / flat' });
  }
}
