import type { Context } from '../src/base/context.js';
import { DEFAULT_NAT_SETTINGS, type NatPool } from '../src/core/index.js';
import { natDiffReport, type DiffState } from '../src/nat/diff.js';
import { formatNatDiffText } from '../src/output/nat-diff.js';
import { states } from './diff-states.js';

/**
 * diff-compute: nat diff's work after loading, once, in a fresh process (bench/diff.ts runs it
 * several times): both models, the exact regions, their causes and the text report for the
 * bench's two 10,000-pool states, through the command's own natDiffReport and printer. Prints
 * each phase's time in ms as JSON.
 */

function state(label: string, pools: NatPool[]): DiffState {
  return { label, pools: { pools, felixConfigs: [], warnings: [] }, settings: DEFAULT_NAT_SETTINGS };
}

const { before, after } = states();
const a = state('before.yaml', before);
// the unchanged pools are the same objects in both states, as nat diff's PoolMemo hands them over
// (BENCH_DIFF_COPIES=1: other objects, as two loads without the memo make them)
const b = state('after.yaml', process.env.BENCH_DIFF_COPIES === '1' ? after.map((p) => ({ ...p })) : after);
const ctx = { io: { stderr: { write: () => true } } } as unknown as Context;
const t0 = performance.now();
const report = await natDiffReport(a, b, ctx);
const t1 = performance.now();
const text = formatNatDiffText(report);
const t2 = performance.now();
console.log(JSON.stringify({ report: t1 - t0, print: t2 - t1, total: t2 - t0, regions: report.entries.length, bytes: text.length }));
