import { visible } from '../base/terminal-text.js';
import { rangeCidrs, subtractRanges, type DiffCause, type ModelPool, type NatDiffRegion, type NatDiffSide, type NatVerdict, type RangeList } from '../core/index.js';
import { workflowCommand } from './diagnostics/github.js';

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

/** listText names items (shown by show), or for more than MAX_LISTED, their number and the first few. */
function listText<T>(items: readonly T[], noun: string, show: (x: T) => string = String): string {
  if (items.length <= MAX_LISTED) return items.map(show).join(', ');
  return `${items.length} ${noun} (${items.slice(0, MAX_LISTED - 1).map(show).join(', ')}, ...)`;
}

/** srcText names a region's sources: the pods of its pools, and the exact part when it is not the pools' whole CIDRs. */
function srcText(r: NatDiffRegion): string {
  const side = r.src;
  const pools = side.named;
  if (pools.length === 0) return listText(rangeCidrs(side.ranges), 'ranges');
  const names = listText(pools, 'pools', poolText);
  return side.whole ? `pods of ${names}` : `pods of ${names} in ${listText(rangeCidrs(side.ranges), 'ranges')}`;
}

/** FULL is each family's whole address space as a RangeList. */
const FULL: Readonly<Record<4 | 6, RangeList>> = {
  4: { family: 4, bounds: Float64Array.of(0, 2 ** 32 - 1) },
  6: { family: 6, bounds: [0n, (1n << 128n) - 1n] },
};

/** OUTSIDE caches, per pool set, the addresses outside it (every region of a report asks). */
const OUTSIDE = new WeakMap<RangeList, RangeList>();

/** outsideOf returns the addresses of the pool set's family outside it. */
function outsideOf(poolSet: RangeList): RangeList {
  let out = OUTSIDE.get(poolSet);
  if (!out) OUTSIDE.set(poolSet, (out = subtractRanges(FULL[poolSet.family], poolSet)));
  return out;
}

/** spans reports whether a's first and last addresses are outside or at b's: a cheap first test of b ⊆ a (a region's few destinations rarely cover everything outside the pools). */
function spans(a: RangeList, b: RangeList): boolean {
  const x = a.bounds;
  const y = b.bounds;
  return x.length > 0 && x[0]! <= y[0]! && x[x.length - 1]! >= y[y.length - 1]!;
}

/**
 * dstText names a region's destinations: "any destination outside the IP pools" when they
 * include all of those (poolSet: the pool-set pools of both states), then the rest as prefixes.
 */
function dstText(r: NatDiffRegion, poolSet: RangeList | undefined): string {
  if (!poolSet) return dstTextOf(r.dst.ranges, undefined);
  let known = DST_TEXT.get(poolSet);
  if (!known) DST_TEXT.set(poolSet, (known = new WeakMap()));
  let text = known.get(r.dst.ranges);
  if (text === undefined) known.set(r.dst.ranges, (text = dstTextOf(r.dst.ranges, poolSet)));
  return text;
}

/**
 * DST_TEXT caches dstText per pool set and destination ranges: regions share their sides' range
 * lists (every changed source pool of a class pair has the same destinations), and each text
 * of a destination near "outside the IP pools" compares two lists of some 10,000 ranges.
 */
const DST_TEXT = new WeakMap<RangeList, WeakMap<RangeList, string>>();

/** dstTextOf is dstText of a region's destination ranges. */
function dstTextOf(dst: RangeList, poolSet: RangeList | undefined): string {
  const family = dst.family;
  let rest = dst;
  const parts: string[] = [];
  if (poolSet) {
    const outside = outsideOf(poolSet);
    if (outside.bounds.length > 0 && spans(rest, outside) && subtractRanges(outside, rest).bounds.length === 0) {
      parts.push(`any IPv${family} destination outside the IP pools`);
      rest = subtractRanges(rest, outside);
    }
  }
  if (rest.bounds.length > 0) parts.push(listText(rangeCidrs(rest), 'ranges'));
  return parts.join(', and ');
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
  const shown = e.causes.slice(0, MAX_LISTED).map((c) => c.text);
  if (e.causes.length > MAX_LISTED) shown.push(`${e.causes.length - MAX_LISTED} more changes`);
  const causes = shown.length > 0 ? ` (${shown.join('; ')})` : '';
  return `${srcText(r)} → ${dstText(r, poolSet)}: ${verdictText(r.before, r.after)} → ${verdictText(r.after, r.before)}${causes}`;
}

/** summaryText is the last line of the text and github reports. */
function summaryText(report: NatDiffReport): string {
  const n = report.entries.length;
  return n === 0 ? 'no change in NAT behaviour' : `${n} change${n === 1 ? '' : 's'} in NAT behaviour`;
}

/** MAX_ANNOTATED caps the regions one annotation lists. */
const MAX_ANNOTATED = 20;

/**
 * formatNatDiffGitHub is nat diff's github output: GitHub Actions warnings, one on each line
 * that causes a change (where a pool is defined, or the field of it that changed), listing
 * the regions it changes; changes caused where no file says (the datastore's pools, the Felix
 * settings) in one warning without a file; then the changed --flows and the summary.
 */
export function formatNatDiffGitHub(report: NatDiffReport): string {
  const byPlace = new Map<string, { at: SourcePosition | undefined; lines: string[] }>();
  for (const e of report.entries) {
    const places = new Map<string, SourcePosition | undefined>();
    for (const c of e.causes) {
      const at = report.locate?.(c);
      places.set(at ? `${at.file}:${at.line}:${at.column}` : '', at);
    }
    if (places.size === 0) places.set('', undefined);
    const poolSet = report.poolSets?.[e.region.family];
    const line = `IPv${e.region.family}: ${regionText(e, poolSet)}`;
    for (const [key, at] of places) {
      let g = byPlace.get(key);
      if (!g) byPlace.set(key, (g = { at, lines: [] }));
      g.lines.push(line);
    }
  }
  const out: string[] = [];
  for (const { at, lines } of byPlace.values()) {
    const shown = lines.slice(0, MAX_ANNOTATED);
    if (lines.length > shown.length) shown.push(`... and ${lines.length - shown.length} more`);
    const title = `NAT behaviour changes (${lines.length} region${lines.length === 1 ? '' : 's'})`;
    out.push(workflowCommand('warning', at ? { file: at.file, line: at.line, column: at.column, title } : { title }, shown.join('\n')));
  }
  for (const f of report.flows ?? []) out.push(`${flowText(f)}\n`);
  out.push(`${summaryText(report)}\n`);
  return out.join('');
}

/** flowText is one changed flow: `SRC -> DST: before (reason) → after (reason)`. */
function flowText(f: FlowChange): string {
  return `${f.src} -> ${f.dst}: ${verdictText(f.before, f.after)} (${f.before.reason}) → ${verdictText(f.after, f.before)} (${f.after.reason})`;
}

/** formatNatDiffText is nat diff's text output: the regions by family, the changed flows, and a summary line. */
export function formatNatDiffText(report: NatDiffReport): string {
  const lines: string[] = [`--- ${visible(report.before)}`, `+++ ${visible(report.after)}`];
  for (const family of [4, 6] as const) {
    const entries = report.entries.filter((e) => e.region.family === family);
    if (entries.length === 0) continue;
    lines.push(`IPv${family}:`);
    const poolSet = report.poolSets?.[family];
    for (const e of entries) lines.push(`  ${visible(regionText(e, poolSet))}`);
  }
  if (report.flows) {
    lines.push(report.flows.length === 0 ? `flows: none of ${report.flowsChecked ?? 0} changes` : `flows that change (${report.flows.length} of ${report.flowsChecked ?? 0}):`);
    for (const f of report.flows) lines.push(`  ${flowText(f)}`);
  }
  lines.push(summaryText(report));
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

/** sideJson is a region's side in JSON: its exact prefixes, the pools reported there in each state, and the changed pools' names. */
function sideJson(side: NatDiffSide): Record<string, unknown> {
  const names = (ps: readonly ModelPool[]): string[] => ps.map((p) => p.name);
  return {
    cidrs: rangeCidrs(side.ranges),
    pools: { before: names(side.before), after: names(side.after) },
    changedPools: side.changed.map((c) => (c.after ?? c.before)!.name),
  };
}

/** formatNatDiffJson is nat diff's JSON output: every region with its exact prefixes, pools, verdicts and causes. */
export function formatNatDiffJson(report: NatDiffReport): string {
  const doc: Record<string, unknown> = {
    before: report.before,
    after: report.after,
    changed: report.entries.length > 0,
    regions: report.entries.map(({ region: r, causes }) => ({
      family: r.family,
      src: sideJson(r.src),
      dst: sideJson(r.dst),
      before: verdictJson(r.before),
      after: verdictJson(r.after),
      causes: causes.map((c) => {
        const at = report.locate?.(c);
        return {
          text: c.text,
          ...(c.pool ? { pool: c.pool.name, state: c.pool.state } : {}),
          ...(c.setting ? { setting: c.setting } : {}),
          ...(at ? { file: at.file, line: at.line, column: at.column } : {}),
        };
      }),
    })),
  };
  if (report.flows) doc.flows = report.flows.map((f) => ({ src: f.src, dst: f.dst, line: f.line, before: verdictJson(f.before), after: verdictJson(f.after) }));
  return `${JSON.stringify(doc, null, 2)}\n`;
}
