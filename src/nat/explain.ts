import type { Context } from '../base/context.js';
import { PoolctlError, usageError } from '../base/errors.js';
import { buildNatModel, compileNatModel, felixBackend, FlowScanner, livePools, modelDrift, type DriftItem, type NatPool, ipv6WordsToValue, parseAddr, type Addr, type CompiledNat, type Family, type FelixNatSettings, type FlowRowSink, type NatFlowContext, type NatModel, type NatSettings } from '../core/index.js';
import { openByteFile, streamByteInput, type ByteInput } from '../manifest/byte-input.js';
import * as render from '../output/explain.js';
import { loadPaint, PLAIN, type Paint } from '../output/paint.js';
import type { BackendChoice, RequestedBackend } from '../host/backend.js';
import { iptablesChains } from '../render/iptables.js';
import type { BackendRequest } from './host-plan.js';
import { loadNatInputs, natModelOf, type PoolSource } from './pools.js';
import { parseNatSettings, type FelixSettingsInput, type ResolvedNatSettings } from './settings.js';

/** ExplainFormat is an output format of nat explain. */
export type ExplainFormat = 'text' | 'json' | 'csv' | 'table';

/**
 * ExplainOptions are nat explain's: one flow (src and dst) or a flow list (flows: a file or -
 * for stdin), where the model comes from (the pools and Felix settings, or the kernel with
 * live), the flow's protocol and egress interface, and the output format (default text for
 * one flow, table for a list).
 */
export interface ExplainOptions {
  readonly source: PoolSource;
  readonly settings: FelixSettingsInput;
  readonly live: boolean;
  /** backend is --backend: the ruleset --live reads (absent: the node's nftablesMode, else auto, as nat status). */
  readonly backend?: BackendRequest;
  readonly src?: string;
  readonly dst?: string;
  readonly flows?: string;
  readonly output?: ExplainFormat;
  readonly protocol?: string;
  readonly outInterface?: string;
}

/**
 * READ_CHUNK is how much of a flow list is read at a time, and the longest line it may hold:
 * a longer line (an endless one from /dev/zero, say) is refused, so memory stays bounded.
 */
const READ_CHUNK = 1 << 20;

/**
 * ModelSource builds the model for the families explain needs. The default builds it from the
 * pools (-f or the datastore) and the Felix flags; `nat explain --live` can put one read from
 * the host kernel in its place.
 */
type ModelSource = (families: readonly Family[]) => Promise<NatModel>;

/**
 * Models is where explain's model comes from, the settings it was built with (none for
 * --live), and for --live the backend read and why, and the drift found between the kernel
 * and the pools (filled in by source, per family asked for).
 */
interface Models {
  readonly source: ModelSource;
  readonly resolved?: ResolvedNatSettings;
  readonly backend?: BackendChoice;
  readonly drift?: DriftItem[];
}

/**
 * liveBackend is the backend `nat explain --live` reads, chosen as nat status chooses it:
 * --backend, else the node's nftablesMode from the FelixConfigurations (felixBackend, with why),
 * else auto (host detection). felix is undefined when the FelixConfigurations could not be read.
 */
export function liveBackend(flag: BackendRequest | undefined, felix: FelixNatSettings | undefined): RequestedBackend {
  if (flag !== undefined) return { backend: flag };
  const chosen = felix ? felixBackend(felix) : undefined;
  return chosen ?? { backend: 'auto' };
}

async function poolModelSource(source: PoolSource, flags: FelixSettingsInput, ctx: Context): Promise<Models> {
  const { pools, warnings, resolved } = await loadNatInputs(source, flags, ctx, 'nat explain');
  for (const w of warnings) ctx.io.stderr.write(w);
  const settings: NatSettings = resolved.settings;
  // natModelOf prints the warnings only when it succeeds, so a retry never repeats them.
  return { source: (families) => natModelOf(pools, settings, families, ctx, 'explain IPv4 flows only, or leave out --nat-outgoing-address'), resolved };
}

/**
 * liveModels is --live's source: the kernel's model (host/live-model.ts) of the backend
 * liveBackend chooses from the FelixConfigurations read with the pools, its set members named
 * after the pools (the datastore's, or -f) as the kernel's sets say (livePools: a member no
 * IPPool has is named as such, never as "no pool"), and the drift between what the pools ask
 * for and what the kernel holds. Pools that cannot be read (no datastore) leave the members
 * unnamed and the backend to --backend or auto, with a warning: the decision is the kernel's
 * either way.
 */
async function liveModels(opts: ExplainOptions, ctx: Context): Promise<Models> {
  const { liveModelSource } = await import('../host/live-model.js');
  let wanted: { pools: NatPool[]; settings: NatSettings; felix: FelixNatSettings } | undefined;
  try {
    const { pools, warnings, resolved } = await loadNatInputs(opts.source, opts.settings, ctx, 'nat explain --live');
    for (const w of warnings) ctx.io.stderr.write(w);
    wanted = { pools, settings: resolved.settings, felix: resolved.felix };
  } catch (e) {
    if (!(e instanceof PoolctlError) || opts.source.files.length > 0 || (e.code !== 'DATASTORE_UNREACHABLE' && e.code !== 'NO_RESOURCES')) throw e;
    ctx.io.stderr.write(`warning: the pools could not be read (${e.message}): the kernel's set members are not named after them, and drift is not checked\n`);
  }
  const requested = liveBackend(opts.backend, wanted?.felix);
  const { source: live, choice } = await liveModelSource(ctx.env, requested.backend, requested.why);
  const drift: DriftItem[] = [];
  const source: ModelSource = async (families) => {
    const model = await live(families);
    if (!wanted) return model;
    const built = buildNatModel(wanted.pools, wanted.settings, { families });
    if (!built.ok) return model;
    drift.push(...modelDrift(built.value, model));
    return { ...model, families: model.families.map((f) => ({ ...f, pools: livePools(f, built.value.families.find((d) => d.family === f.family)) })) };
  };
  return { source, drift, backend: choice };
}

/**
 * modelSource picks where the model comes from: the host kernel with --live (liveModels),
 * else the pools and the Felix settings.
 */
async function modelSource(opts: ExplainOptions, ctx: Context): Promise<Models> {
  if (!opts.live) {
    if (opts.backend !== undefined) throw usageError('--backend chooses the ruleset --live reads', 'without --live, explain decides from the pools and Felix settings, whatever the backend');
    return poolModelSource(opts.source, opts.settings, ctx);
  }
  // The kernel's rules already carry Felix's settings: flags that would describe them again
  // are refused rather than silently ignored. (-f gives the pools the kernel is compared with.)
  const given = [
    opts.settings.natOutgoingAddress !== undefined ? '--nat-outgoing-address' : '',
    opts.settings.hostIPs?.length ? '--host-ip' : '',
    opts.settings.natPortRange !== undefined ? '--nat-port-range' : '',
    opts.settings.interfaceFilter !== undefined ? '--nat-outgoing-interface-filter' : '',
  ].filter(Boolean);
  if (given.length > 0) {
    throw usageError(
      `--live decides from the sets and rules in this host's kernel; ${given.join(', ')} cannot apply to them`,
      'leave out --live to explain from pools and Felix settings',
    );
  }
  return liveModels(opts, ctx);
}

/** compile compiles a model with the iptables-restore line of each rule as the text reports show. */
async function compile(model: NatModel): Promise<CompiledNat> {
  const lines = new Map<string, readonly string[]>();
  for (const f of model.families) for (const c of iptablesChains(f)) lines.set(`${f.family} ${c.chain}`, c.lines);
  return compileNatModel(model, { ruleText: (family, chain, index) => lines.get(`${family} ${chain}`)?.[index] ?? '' });
}

function paintFor(ctx: Context): Promise<Paint> | Paint {
  return ctx.color ? loadPaint() : PLAIN;
}

/**
 * explainOne prints one flow's decision as text or JSON, with the Felix settings it was
 * decided with and where each came from (not for --live: the kernel's rules carry them).
 */
async function explainOne(src: Addr, dst: Addr, models: Models, flow: NatFlowContext, output: ExplainFormat, ctx: Context): Promise<void> {
  const compiled = await compile(await models.source(src.family === dst.family ? [src.family] : []));
  const decision = compiled.decide(src, dst, flow);
  const felix = models.resolved?.felix;
  const { drift, backend } = models;
  if (output === 'json') {
    const extra = {
      ...(felix ? { settings: render.settingsJson(felix) } : {}),
      ...(backend ? { backend: { value: backend.backend, from: backend.why } } : {}),
      ...(drift ? { drift: drift.map((d) => ({ family: d.family, text: d.text })) } : {}),
    };
    ctx.io.stdout.write(render.formatDecisionJson({ ...decision, ...extra }));
    return;
  }
  ctx.io.stdout.write(
    (backend ? `backend: ${backend.backend} (${backend.why})\n` : '') +
      (drift ? render.formatDriftText(drift) : '') +
      render.formatDecisionText(decision, await paintFor(ctx)) +
      (felix ? render.formatSettingsText(felix) : ''),
  );
}

/** write writes a chunk of output, waiting when the stream asks for it (pipes); written runs once the chunk is written. */
function write(ctx: Context, s: string | Uint8Array, written?: () => void): Promise<void> | undefined {
  if (s.length === 0 || ctx.io.stdout.write(s, written)) return undefined;
  return new Promise((resolve) => ctx.io.stdout.once('drain', resolve));
}

/**
 * explainBatch decides every line of a flow list as it is read: chunks of READ_CHUNK bytes
 * read into one reused buffer, addresses parsed in place, one compiled model, output written
 * once per chunk (CSV and tables as bytes; a table once its first rows have set the column
 * widths).
 */
async function explainBatch(input: ByteInput, source: ModelSource, flow: NatFlowContext, format: ExplainFormat, ctx: Context): Promise<void> {
  const { createProgress } = await import('../output/progress.js');
  // Both families up front; a family the settings refuse (IPv6 with --nat-outgoing-address)
  // fails only when a flow of it comes.
  let refused: PoolctlError | undefined;
  let model: NatModel;
  try {
    model = await source([4, 6]);
  } catch (e) {
    if (!(e instanceof PoolctlError)) throw e;
    refused = e;
    model = await source([4]);
  }
  const compiled = await compile(model);
  const scanner = new FlowScanner(compiled, flow);
  // A chunk's CSV is about three times its input (IPv4): room for it, so the buffer rarely grows.
  const csv = format === 'csv' ? new render.CsvFlowWriter(compiled, 4 * READ_CHUNK) : null;
  const table = format === 'table' ? new render.TableFlowWriter(compiled) : null;
  const paint = format === 'text' ? await paintFor(ctx) : PLAIN;
  let out = '';
  let texts = 0;
  const addr = (family: Family, v4: number, words: Uint32Array, off: number): Addr =>
    family === 4 ? { family, value: BigInt(v4) } : { family, value: ipv6WordsToValue(words, off) };
  const emit: FlowRowSink = csv
    ? (line, q) => csv.row(line, q)
    : table
      ? (line, q) => table.row(line, q)
      : (_line, q) => {
          const d = compiled.decide(addr(q.srcFamily, q.src4, q.words, 0), addr(q.dstFamily, q.dst4, q.words, 4), flow);
          out += format === 'json' ? render.formatDecisionJson(d, true) : `${texts++ > 0 ? '\n' : ''}${render.formatDecisionText(d, paint)}`;
        };
  const sink: FlowRowSink =
    refused === undefined
      ? emit
      : (line, q) => {
          if (q.srcFamily !== 6 || q.dstFamily !== 6) return emit(line, q);
          throw new PoolctlError(refused.code, `${input.name}:${line.line}: ${refused.message}`, refused.hint ? { hint: refused.hint } : {});
        };
  const flush = async (final: boolean): Promise<void> => {
    let pending: Promise<void> | undefined;
    if (csv) {
      const bytes = csv.take();
      pending = write(ctx, bytes, () => csv.recycle(bytes));
    } else {
      pending = write(ctx, table ? table.take(final) : out);
    }
    out = '';
    if (pending) await pending;
  };
  const invalid = (line: number, message: string): PoolctlError => new PoolctlError('FLOW_INVALID', `${input.name}:${line}: ${message}`);
  const scan = (bytes: Uint8Array, start: number, end: number): void => {
    const err = scanner.scan(bytes, sink, start, end);
    if (err) throw invalid(err.line, err.message);
  };
  const progress = createProgress(ctx.io, input.size, `explaining ${input.name}`);
  // buf[0, keep) holds the start of a line whose end is not read yet. A Uint8Array, not a
  // Buffer: the address parsers also see Uint8Arrays, and one kind keeps them monomorphic.
  const buf = new Uint8Array(READ_CHUNK);
  let keep = 0;
  let first = true;
  try {
    for (;;) {
      // Every line before the one held is scanned: it is line scanner.line + 1.
      if (keep === buf.length) throw invalid(scanner.line + 1, 'line too long (1 MiB or more)');
      const n = await input.read(buf, keep, buf.length - keep);
      progress.tick(n);
      let end = keep + n;
      if (first && (end >= 3 || n === 0)) {
        first = false;
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
          // A UTF-8 byte order mark.
          buf.copyWithin(0, 3, end);
          end -= 3;
        }
      }
      if (n === 0) {
        scan(buf, 0, end);
        break;
      }
      const cut = first ? 0 : buf.lastIndexOf(10, end - 1) + 1;
      if (cut > 0) {
        scan(buf, 0, cut);
        await flush(false);
      }
      buf.copyWithin(0, cut, end);
      keep = end - cut;
    }
    await flush(true);
  } catch (e) {
    if (!(e instanceof PoolctlError)) throw new PoolctlError('FILE_UNREADABLE', `${input.name}: ${(e as Error).message}`);
    await flush(true); // the flows before the failing line are decided: print them
    throw e;
  } finally {
    progress.done();
  }
}

/**
 * runExplain is nat explain: one flow from src and dst, or every line of a flow list. It
 * checks the options (one flow or a list, not both; stdin for one of them only), the Felix
 * settings and the addresses before it loads any pools.
 */
export async function runExplain(opts: ExplainOptions, ctx: Context): Promise<void> {
  if (opts.flows !== undefined) {
    if (opts.src !== undefined) throw usageError('give either SRC DST or --flows FILE, not both');
    if (opts.flows === '-' && opts.source.files.includes('-')) throw usageError('stdin can hold the flows (--flows -) or the pools (-f -), not both');
  } else if (opts.src === undefined || opts.dst === undefined) {
    throw usageError('nat explain needs SRC and DST, or --flows FILE', "run 'poolctl nat explain --help' for examples");
  }
  parseNatSettings(opts.settings); // bad flags are usage errors before anything is read
  const flow: NatFlowContext = {
    ...(opts.protocol !== undefined ? { protocol: opts.protocol.toLowerCase() } : {}),
    ...(opts.outInterface !== undefined ? { outInterface: opts.outInterface } : {}),
  };
  if (opts.flows !== undefined) {
    const input = await flowInput(opts.flows, ctx);
    try {
      return await explainBatch(input, (await modelSource(opts, ctx)).source, flow, opts.output ?? 'table', ctx);
    } finally {
      await input.close();
    }
  }
  const parse = (what: string, s: string): Addr => {
    const r = parseAddr(s);
    if (!r.ok) throw usageError(`${what} ${JSON.stringify(s)}: ${r.error.message}`);
    return r.value;
  };
  const src = parse('SRC', opts.src!);
  const dst = parse('DST', opts.dst!);
  const models = await modelSource(opts, ctx);
  const output = opts.output ?? 'text';
  if (output === 'text' || output === 'json') return explainOne(src, dst, models, flow, output, ctx);
  // One flow as a CSV or table row: a flow list of one line.
  return explainBatch(streamByteInput('arguments', [`${opts.src} ${opts.dst}\n`]), models.source, flow, output, ctx);
}

/** flowInput opens the flow list: - is stdin, else a file through manifest's reader (FILE_UNREADABLE naming --flows). */
export async function flowInput(file: string, ctx: Context): Promise<ByteInput> {
  if (file === '-') return streamByteInput('<stdin>', ctx.io.stdin);
  const r = await openByteFile(file, ctx.cwd);
  if (!r.ok) throw new PoolctlError('FILE_UNREADABLE', `--flows ${file}: ${r.error}`);
  return r.value;
}
