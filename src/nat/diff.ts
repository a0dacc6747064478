import type { Context } from '../base/context.js';
import { PoolctlError, usageError } from '../base/errors.js';
import { ReadScratch } from '../base/read-bounded.js';
import {
  changedPoolNames,
  CidrParses,
  compileNatModel,
  diffNatReport,
  FlowScanner,
  ipv6WordsToValue,
  NatVerdicts,
  PoolCauses,
  poolsByName,
  regionCauses,
  sameVerdict,
  type Addr,
  type CompiledNat,
  type DiffCause,
  type Family,
  type FlowQuery,
  type NatModel,
  type NatSettings,
} from '../core/index.js';
import type { ByteInput } from '../manifest/byte-input.js';
import type { DiffEntry, FlowChange, NatDiffReport, SourcePosition } from '../output/nat-diff.js';
import { flowInput } from './explain.js';
import { loadNatPools, natModelOf, newPoolMemo, type NatPools, type PoolMemo, type PoolSource } from './pools.js';
import { felixNodeName } from '../host/felix-node.js';
import { resolveNatSettings, type FelixSettingsInput } from './settings.js';

/** DiffFormat is an output format of nat diff. */
export type DiffFormat = 'text' | 'json' | 'github';

/**
 * DiffOptions are nat diff's: the two states (files, or undefined for the datastore; at most
 * one of them the datastore), the Felix flags (above each state's FelixConfigurations), an
 * optional flow list to check, and the output format.
 */
export interface DiffOptions {
  /** from is the state before the change: files, or undefined for the datastore. */
  readonly from?: PoolSource;
  /** to is the state after the change: files, or undefined for the datastore. */
  readonly to?: PoolSource;
  readonly settings: FelixSettingsInput;
  readonly flows?: string;
  readonly output: DiffFormat;
}

/** DiffState is one side of the diff, loaded: its pools, its settings and what to call it. */
export interface DiffState {
  readonly label: string;
  readonly pools: NatPools;
  readonly settings: NatSettings;
}

/** Shared is what the loads of both states share: the memo of their documents and the buffer their files are read into. */
interface Shared {
  readonly memo: PoolMemo;
  readonly scratch: ReadScratch;
}

/** sourceLabel names a state in reports: the files as given, or "the datastore". */
function sourceLabel(source: PoolSource | undefined): string {
  return source ? source.files.join(', ') : 'the datastore';
}

/**
 * loadState loads one side: its pools (files through the manifest loader, with no IPPool
 * allowed: a state may have no pools; else the datastore) and its Felix settings, resolved as
 * the other nat commands resolve them from the same source: that state's FelixConfigurations
 * (`default`, then `node.<node>`) with the flags above them, so a change of a FelixConfiguration
 * between the states is a change the diff reports.
 */
async function loadState(source: PoolSource | undefined, flags: FelixSettingsInput, positions: boolean, shared: Shared, ctx: Context): Promise<DiffState> {
  const pools = await loadNatPools(source ?? { files: [], recursive: false }, ctx, { allowEmpty: true, positions, ...shared });
  const { settings } = resolveNatSettings({ node: flags.node ?? felixNodeName(ctx.env), configs: pools.felixConfigs, flags });
  return { label: sourceLabel(source), pools, settings };
}

/**
 * modelsOf builds both states' models for both families, or for IPv4 only (with a warning)
 * when the settings cannot apply to IPv6 (--nat-outgoing-address), as nat explain does.
 */
async function modelsOf(a: DiffState, b: DiffState, ctx: Context): Promise<[NatModel, NatModel]> {
  // The two states mostly share their pools' CIDRs: each text is parsed once.
  const parses = new CidrParses();
  const build = (s: DiffState, families: readonly Family[]): Promise<NatModel> => natModelOf(s.pools.pools, s.settings, families, ctx, undefined, parses);
  try {
    return [await build(a, [4, 6]), await build(b, [4, 6])];
  } catch (e) {
    if (!(e instanceof PoolctlError) || e.code !== 'NAT_ADDRESS_IPV6') throw e;
    ctx.io.stderr.write(`warning: ${e.message}; comparing IPv4 only\n`);
    return [await build(a, [4]), await build(b, [4])];
  }
}

/** checkSources refuses a command line that names fewer than one set of files, or stdin twice. */
function checkSources(opts: DiffOptions): void {
  if (!opts.from && !opts.to) {
    throw usageError('nat diff compares two states: give -f/--to FILES (the datastore → the files), --from FILES (the files → the datastore), or both --from and --to', "run 'poolctl nat diff --help' for examples");
  }
  const stdin = [...(opts.from?.files ?? []), ...(opts.to?.files ?? [])].filter((f) => f === '-').length + (opts.flows === '-' ? 1 : 0);
  if (stdin > 1) throw usageError('stdin (-) can hold one input only: the before state, the after state or the flows');
}

/** locator finds where a cause's pool is written (with the line of what changed in it), when its state came from files. */
function locator(before: DiffState, after: DiffState): (c: DiffCause) => SourcePosition | undefined {
  // regions that share a changed pool share its cause (PoolCauses): each is located once
  const found = new Map<DiffCause, SourcePosition | undefined>();
  return (c) => {
    if (!c.pool) return undefined;
    if (found.has(c)) return found.get(c);
    const res = (c.pool.state === 'before' ? before : after).pools.resource?.(c.pool.name);
    const at = res && (c.pool.path === '' ? res.origin : res.locate(c.pool.path));
    const pos = res && at ? { file: res.origin.file, line: at.line, column: at.column } : undefined;
    found.set(c, pos);
    return pos;
  };
}

/** flowChanges decides every line of the flow list in both models and returns those whose verdict changes, and how many were decided. */
async function flowChanges(input: ByteInput, before: CompiledNat, after: CompiledNat): Promise<{ changes: FlowChange[]; checked: number }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const buf = new Uint8Array(1 << 20);
  for (;;) {
    const n = await input.read(buf, 0, buf.length);
    if (n === 0) break;
    chunks.push(buf.slice(0, n));
    size += n;
  }
  const bytes = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const vb = new NatVerdicts(before);
  const va = new NatVerdicts(after);
  const addr = (family: Family, v4: number, words: Uint32Array, o: number): Addr =>
    family === 4 ? { family, value: BigInt(v4) } : { family, value: ipv6WordsToValue(words, o) };
  const changes: FlowChange[] = [];
  let checked = 0;
  const scanner = new FlowScanner(before);
  const err = scanner.scan(
    bytes,
    (line: FlowScanner, q: FlowQuery) => {
      checked++;
      const src = addr(q.srcFamily, q.src4, q.words, 0);
      const dst = addr(q.dstFamily, q.dst4, q.words, 4);
      const was = vb.verdict(src, dst);
      const now = va.verdict(src, dst);
      if (!sameVerdict(was, now)) changes.push({ src: line.srcText(), dst: line.dstText(), line: line.line, before: was, after: now });
    },
    start,
    bytes.length,
  );
  if (err) throw new PoolctlError('FLOW_INVALID', `${input.name}:${err.line}: ${err.message}`);
  return { changes, checked };
}

/**
 * runNatDiff is nat diff: it loads both states (in parallel), builds and compiles their NAT
 * models, computes the exact regions of flows whose verdict or SNAT target changes (diffNat,
 * the predicate nat explain uses), explains each by the pools and settings that differ,
 * decides the --flows lines in both, and prints the report. It returns whether anything
 * changes (exit 1, as diff and kubectl diff do).
 */
export async function runNatDiff(opts: DiffOptions, ctx: Context): Promise<{ readonly changed: boolean }> {
  checkSources(opts);
  // The printer's module loads while the states are read.
  const printer = import('../output/nat-diff.js');
  printer.catch(() => undefined); // awaited below; an input error must not leave it unhandled
  // Only the github and JSON reports point at pools' lines: the text report keeps no parsed documents.
  const positions = opts.output !== 'text';
  // The states share most documents: one memo reads each distinct document once (PoolMemo), and
  // their files are read into one buffer (ReadScratch: the second into memory already touched).
  const shared: Shared = { memo: newPoolMemo(), scratch: new ReadScratch() };
  const [before, after] = await Promise.all([loadState(opts.from, opts.settings, positions, shared, ctx), loadState(opts.to, opts.settings, positions, shared, ctx)]);
  for (const w of [...before.pools.warnings, ...after.pools.warnings]) ctx.io.stderr.write(w);
  let flows: { changes: FlowChange[]; checked: number } | undefined;
  const report = await natDiffReport(before, after, ctx, async (cb, ca) => {
    if (opts.flows === undefined) return;
    const input = await flowInput(opts.flows, ctx);
    try {
      flows = await flowChanges(input, cb, ca);
    } finally {
      await input.close();
    }
  });
  const out = await printer;
  const full: NatDiffReport = { ...report, ...(flows ? { flows: flows.changes, flowsChecked: flows.checked } : {}) };
  ctx.io.stdout.write(opts.output === 'json' ? out.formatNatDiffJson(full) : opts.output === 'github' ? out.formatNatDiffGitHub(full) : out.formatNatDiffText(full));
  return { changed: report.entries.length > 0 };
}

/**
 * natDiffReport is nat diff's work after loading: both states' models (their warnings on
 * stderr), the exact regions whose verdict or SNAT target changes with the pool sets, and the
 * causes of each; `more` runs with the compiled models before the report is made (the --flows).
 */
export async function natDiffReport(
  before: DiffState,
  after: DiffState,
  ctx: Context,
  more?: (before: CompiledNat, after: CompiledNat) => Promise<void>,
): Promise<NatDiffReport> {
  const [mb, ma] = await modelsOf(before, after, ctx);
  const cb = compileNatModel(mb);
  const ca = compileNatModel(ma);
  // the pool sets of both states (what "outside the IP pools" leaves out) come from the diff's sweep
  const { regions, poolSets } = diffNatReport(cb, ca);
  const entries: DiffEntry[] = [];
  // Causes look up only the changed pools by name: index those, not every pool of both states.
  const names = changedPoolNames(regions);
  const byName = {
    4: [poolsByName(cb.pools(4), names), poolsByName(ca.pools(4), names)],
    6: [poolsByName(cb.pools(6), names), poolsByName(ca.pools(6), names)],
  } as const;
  const settings = { before: before.settings, after: after.settings };
  const known = { 4: new PoolCauses(), 6: new PoolCauses() } as const;
  for (const region of regions) {
    const [pb, pa] = byName[region.family];
    entries.push({ region, causes: regionCauses(region, pb, pa, settings, known[region.family]) });
  }
  await more?.(cb, ca);
  return { before: before.label, after: after.label, entries, poolSets, locate: locator(before, after) };
}
