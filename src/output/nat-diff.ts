import { rangeCidrs, rangesOf, sameRanges, subtractRanges, type RangeList } from '../core/net/range-list.js';
import { parsePrefix, type Prefix } from '../core/net/prefix.js';
import type { DiffCause, ModelPool, NatDiffRegion, NatVerdict } from '../core/index.js';

/** DiffEntry is a region of changed flows with the causes found for it. */
export interface DiffEntry {
  readonly region: NatDiffRegion;
  readonly causes: readonly DiffCause[];
}

/** FlowChange is one listed flow (--flows) whose verdict changes. */
export interface FlowChange {
  readonly src: string;
  readonly dst: string;
  readonly line: number;
  readonly before: NatVerdict;
  readonly after: NatVerdict;
}

/** SourcePosition is where a pool or FelixConfiguration is defined, for annotations. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** NatDiffReport is everything nat diff prints. */
export interface NatDiffReport {
  /** before and after say what was compared ("the datastore", "pools.yaml"). */
  readonly before: string;
  readonly after: string;
  readonly entries: readonly DiffEntry[];
  /** flows are the --flows lines whose verdict changes (absent without --flows). */
  readonly flows?: readonly FlowChange[];
  /** flowsChecked is the number of --flows lines decided. */
  readonly flowsChecked?: number;
  /** poolSets are the addresses of each family's pool-set pools in either state ("outside the IP pools"). */
  readonly poolSets?: Readonly<Record<4 | 6, RangeList>>;
  /** locate finds where a cause's pool or setting is written, when it came from a file. */
  readonly locate?: (c: DiffCause) => SourcePosition | undefined;
}

/** MAX_LISTED caps the pools and prefixes a text line names (JSON lists them all). */
const MAX_LISTED = 4;

function poolText(p: ModelPool): string {
  return `${p.name} (${p.cidr})`;
}

function listText(items: readonly string[], noun: string): string {
  if (items.length <= MAX_LISTED) return items.join(', ');
  return `${items.length} ${noun} (${items.slice(0, MAX_LISTED - 1).join(', ')}, ...)`;
}

/** unionOf is the addresses of pools' CIDRs. */
function unionOf(family: 4 | 6, pools: readonly ModelPool[]): RangeList {
  const prefixes: Prefix[] = [];
  for (const p of pools) {
    const r = parsePrefix(p.cidr);
    if (r.ok) prefixes.push(r.value.prefix);
  }
  return rangesOf(family, prefixes);
}

/** uniqueByName merges two pool lists, first occurrence of a name kept. */
function uniqueByName(a: readonly ModelPool[], b: readonly ModelPool[]): ModelPool[] {
  const seen = new Map<string, ModelPool>();
  for (const p of [...a, ...b]) if (!seen.has(p.name)) seen.set(p.name, p);
  return [...seen.values()];
}

/** srcText names a region's sources: the pods of its pools, and the exact part when it is not the pools' whole CIDRs. */
function srcText(r: NatDiffRegion): string {
  const pools = uniqueByName(r.srcPools.after, r.srcPools.before);
  const cidrs = rangeCidrs(r.src);
  if (pools.length === 0) return listText(cidrs, 'ranges');
  const names = listText(pools.map(poolText), 'pools');
  return sameRanges(unionOf(r.family, pools), r.src) ? `pods of ${names}` : `pods of ${names} in ${listText(cidrs, 'ranges')}`;
}

/** FULL is each family's whole address space as a RangeList. */
const FULL: Readonly<Record<4 | 6, RangeList>> = {
  4: { family: 4, bounds: Float64Array.of(0, 2 ** 32 - 1) },
  6: { family: 6, bounds: [0n, (1n << 128n) - 1n] },
};

/** dstText names a region's destinations: its prefixes, or everything but a few (the pools, when that is what is left out). */
function dstText(r: NatDiffRegion, poolSet: RangeList | undefined): string {
  const cidrs = rangeCidrs(r.dst);
  if (cidrs.length <= MAX_LISTED) return cidrs.join(', ');
  const rest = subtractRanges(FULL[r.family], r.dst);
  if (poolSet && sameRanges(rest, poolSet)) return `any IPv${r.family} destination outside the IP pools`;
  const out = rangeCidrs(rest);
  if (out.length < cidrs.length) return `any IPv${r.family} destination except ${listText(out, 'ranges')}`;
  return listText(cidrs, 'ranges');
}

/** verdictText is a verdict for people: "no NAT", "NAT", or "NAT (SNAT to 192.0.2.1, ports 1024-65535, on eth+ only)". */
export function verdictText(v: NatVerdict, other?: NatVerdict): string {
  if (!v.nat) return 'no NAT';
  const details: string[] = [];
  const plain = v.action === 'MASQUERADE' && !v.tcpPorts && !v.outInterface;
  if (plain && (!other || !other.nat)) return 'NAT';
  details.push(v.action === 'SNAT' ? `SNAT to ${v.toSource}` : 'MASQUERADE');
  if (v.tcpPorts) details.push(`tcp/udp ports ${v.tcpPorts.min}-${v.tcpPorts.max}`);
  if (v.outInterface) details.push(`on ${v.outInterface} only`);
  return `NAT (${details.join(', ')})`;
}

/** regionText is one region's line: `<sources> → <destinations>: <before> → <after> (<causes>)`. */
export function regionText(e: DiffEntry, poolSet?: RangeList): string {
  const r = e.region;
  const causes = e.causes.length > 0 ? ` (${e.causes.map((c) => c.text).join('; ')})` : '';
  return `${srcText(r)} → ${dstText(r, poolSet)}: ${verdictText(r.before, r.after)} → ${verdictText(r.after, r.before)}${causes}`;
}

/** poolSetOf is the union of the pool-set pools of both states of a family, for "outside the IP pools". */
function poolSetOf(family: 4 | 6, entries: readonly DiffEntry[]): RangeList {
  const pools: ModelPool[] = [];
  for (const e of entries) if (e.region.family === family) pools.push(...e.region.dstPools.before, ...e.region.dstPools.after);
  return unionOf(family, pools);
}

/** formatNatDiffText is nat diff's text output: the regions by family, the changed flows, and a summary line. */
export function formatNatDiffText(report: NatDiffReport): string {
  const lines: string[] = [`--- ${report.before}`, `+++ ${report.after}`];
  for (const family of [4, 6] as const) {
    const entries = report.entries.filter((e) => e.region.family === family);
    if (entries.length === 0) continue;
    lines.push(`IPv${family}:`);
    const poolSet = report.poolSets?.[family] ?? poolSetOf(family, entries);
    for (const e of entries) lines.push(`  ${regionText(e, poolSet)}`);
  }
  if (report.flows) {
    lines.push(report.flows.length === 0 ? `flows: none of ${report.flowsChecked ?? 0} changes` : `flows that change (${report.flows.length} of ${report.flowsChecked ?? 0}):`);
    for (const f of report.flows) lines.push(`  ${f.src} -> ${f.dst}: ${verdictText(f.before, f.after)} (${f.before.reason}) → ${verdictText(f.after, f.before)} (${f.after.reason})`);
  }
  const n = report.entries.length;
  lines.push(n === 0 ? 'no change in NAT behaviour' : `${n} change${n === 1 ? '' : 's'} in NAT behaviour`);
  return `${lines.join('\n')}\n`;
}

function verdictJson(v: NatVerdict): Record<string, unknown> {
  return {
    nat: v.nat,
    action: v.action,
    toSource: v.toSource,
    toPorts: v.tcpPorts ? `${v.tcpPorts.min}-${v.tcpPorts.max}` : null,
    outInterface: v.outInterface,
    reason: v.reason,
  };
}

/** formatNatDiffJson is nat diff's JSON output: every region with its exact prefixes, pools, verdicts and causes. */
export function formatNatDiffJson(report: NatDiffReport): string {
  const names = (ps: readonly ModelPool[]): string[] => ps.map((p) => p.name);
  const doc: Record<string, unknown> = {
    before: report.before,
    after: report.after,
    changed: report.entries.length > 0,
    regions: report.entries.map(({ region: r, causes }) => ({
      family: r.family,
      src: rangeCidrs(r.src),
      dst: rangeCidrs(r.dst),
      srcPools: { before: names(r.srcPools.before), after: names(r.srcPools.after) },
      dstPools: { before: names(r.dstPools.before), after: names(r.dstPools.after) },
      before: verdictJson(r.before),
      after: verdictJson(r.after),
      causes: causes.map((c) => ({ text: c.text, ...(c.pool ? { pool: c.pool.name, state: c.pool.state } : {}), ...(c.setting ? { setting: c.setting } : {}) })),
    })),
  };
  if (report.flows) doc.flows = report.flows.map((f) => ({ src: f.src, dst: f.dst, line: f.line, before: verdictJson(f.before), after: verdictJson(f.after) }));
  return `${JSON.stringify(doc, null, 2)}\n`;
}
