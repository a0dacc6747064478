import { CliError, usageError } from '../../cli/cli-error.js';
import type { Context } from '../../cli/context.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { compileNatModel, FlowScanner, ipv6WordsToValue, parseAddr, type Addr, type CompiledNat, type Family, type FlowRowSink, type NatFlowContext, type NatModel, type NatSettings } from '../../core/index.js';
import { iptablesChains } from '../../render/iptables.js';
import * as render from '../../render/explain.js';
import type { FelixArgs } from './felix-options.js';
import { settingsFromArgs } from './felix-settings.js';
import { loadNatPools, natModelOf } from './nat-pools.js';
import type { PoolSourceArgs } from './pool-source.js';

export interface ExplainArgs extends FelixArgs, PoolSourceArgs {
  readonly src?: string;
  readonly dst?: string;
  readonly flows?: string;
  readonly output?: string;
  readonly outInterface?: string;
  readonly protocol?: string;
  readonly live?: boolean;
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

async function poolModelSource(args: ExplainArgs, settings: NatSettings, ctx: Context): Promise<ModelSource> {
  const { pools, warnings } = await loadNatPools(args, ctx);
  for (const w of warnings) ctx.io.stderr.write(w);
  // natModelOf prints the warnings only when it succeeds, so a retry never repeats them.
  return (families) => natModelOf(pools, settings, families, ctx, 'explain IPv4 flows only, or leave out --nat-outgoing-address');
}

/**
 * modelSource picks where the model comes from: the host kernel with --live (read by
 * host/live-model.ts; its rules carry no pool names), else the pools and the Felix flags.
 */
async function modelSource(args: ExplainArgs, settings: NatSettings, ctx: Context): Promise<ModelSource> {
  if (!args.live) return poolModelSource(args, settings, ctx);
  // The kernel's rules already carry the pools and Felix's settings: inputs that would
  // describe them again are refused rather than silently ignored.
  const given = [
    args.filename?.length ? '-f' : '',
    args.natOutgoingAddress !== undefined ? '--nat-outgoing-address' : '',
    args.hostIp?.length ? '--host-ip' : '',
    args.natPortRange !== undefined ? '--nat-port-range' : '',
    args.natOutgoingInterfaceFilter !== undefined ? '--nat-outgoing-interface-filter' : '',
  ].filter(Boolean);
  if (given.length > 0) {
    throw usageError(
      `--live decides from the sets and rules in this host's kernel; ${given.join(', ')} cannot apply to them`,
      'leave out --live to explain from pools and Felix settings',
    );
  }
  const { liveModelSource } = await import('../../host/live-model.js');
  return liveModelSource(ctx.env);
}

/** compile compiles a model with the iptables-restore line of each rule as the text reports show. */
async function compile(model: NatModel): Promise<CompiledNat> {
  const lines = new Map<string, readonly string[]>();
  for (const f of model.families) for (const c of iptablesChains(f)) lines.set(`${f.family} ${c.chain}`, c.lines);
  return compileNatModel(model, { ruleText: (family, chain, index) => lines.get(`${family} ${chain}`)?.[index] ?? '' });
}

async function paintFor(ctx: Context) {
  if (!ctx.color) return render.PLAIN_PAINT;
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return { yes: (s: string) => c.green(s), no: (s: string) => c.red(s), verdict: (s: string) => c.bold(s), dim: (s: string) => c.dim(s) };
}

/** explainOne prints one flow's decision as text or JSON. */
async function explainOne(src: Addr, dst: Addr, source: ModelSource, flow: NatFlowContext, output: string, ctx: Context): Promise<number> {
  const compiled = await compile(await source(src.family === dst.family ? [src.family] : []));
  const decision = compiled.decide(src, dst, flow);
  ctx.io.stdout.write(
    output === 'json' ? render.formatDecisionJson(decision) : render.formatDecisionText(decision, await paintFor(ctx)),
  );
  return ExitCode.OK;
}

/** write writes a chunk of output, waiting when the stream asks for it (pipes); written runs once the chunk is written. */
function write(ctx: Context, s: string | Uint8Array, written?: () => void): Promise<void> | undefined {
  if (s.length === 0 || ctx.io.stdout.write(s, written)) return undefined;
  return new Promise((resolve) => ctx.io.stdout.once('drain', resolve));
}

/** FlowInput is a list of "SRC DST" lines: its name for messages, its size in bytes when known, and its bytes. */
interface FlowInput {
  readonly name: string;
  readonly size: number;
  /** read puts the next bytes into buf[off, off + len) and returns how many: 0 at the end. */
  read(buf: Uint8Array, off: number, len: number): Promise<number>;
  close(): Promise<void>;
}

/** streamInput reads a flow list from chunks (stdin, or the arguments as one line). */
function streamInput(name: string, chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): FlowInput {
  const it = (async function* () {
    yield* chunks;
  })();
  let pending: Uint8Array = new Uint8Array(0);
  return {
    name,
    size: 0,
    async read(buf, off, len) {
      while (pending.length === 0) {
        const r = await it.next();
        if (r.done) return 0;
        pending = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      }
      const n = Math.min(len, pending.length);
      buf.set(pending.subarray(0, n), off);
      pending = pending.subarray(n);
      return n;
    },
    async close() {},
  };
}

/**
 * flowInput opens --flows FILE (- for stdin). A file is read with synchronous reads: each
 * asynchronous one would wait for a thread-pool thread, which a busy machine makes slow.
 */
async function flowInput(file: string, ctx: Context): Promise<FlowInput> {
  if (file === '-') return streamInput('<stdin>', ctx.io.stdin);
  const [{ closeSync, fstatSync, openSync, readSync }, { resolve }] = await Promise.all([import('node:fs'), import('node:path')]);
  const path = resolve(ctx.cwd, file);
  let fd = -1;
  let size: number;
  try {
    fd = openSync(path, 'r');
    size = fstatSync(fd).size;
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new CliError('FILE_UNREADABLE', `--flows ${file}: ${why}`, { exitCode: ExitCode.USAGE });
  }
  return {
    name: file,
    size,
    read: async (buf, off, len) => readSync(fd, buf, off, len, null),
    close: async () => closeSync(fd),
  };
}

/**
 * explainBatch decides every line of a flow list as it is read: chunks of READ_CHUNK bytes
 * read into one reused buffer, addresses parsed in place, one compiled model, output written
 * once per chunk (CSV and tables as bytes; a table once its first rows have set the column
 * widths).
 */
async function explainBatch(input: FlowInput, source: ModelSource, flow: NatFlowContext, format: string, ctx: Context): Promise<number> {
  const { createProgress } = await import('../../output/progress.js');
  // Both families up front; a family the settings refuse (IPv6 with --nat-outgoing-address)
  // fails only when a flow of it comes.
  let refused: CliError | undefined;
  let model: NatModel;
  try {
    model = await source([4, 6]);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    refused = e;
    model = await source([4]);
  }
  const compiled = await compile(model);
  const scanner = new FlowScanner(compiled, flow);
  // A chunk's CSV is about three times its input (IPv4): room for it, so the buffer rarely grows.
  const csv = format === 'csv' ? new render.CsvFlowWriter(compiled, 4 * READ_CHUNK) : null;
  const table = format === 'table' ? new render.TableFlowWriter(compiled) : null;
  const paint = format === 'text' ? await paintFor(ctx) : render.PLAIN_PAINT;
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
          throw new CliError(refused.code, `${input.name}:${line.line}: ${refused.message}`, {
            exitCode: refused.exitCode,
            ...(refused.hint ? { hint: refused.hint } : {}),
          });
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
  const invalid = (line: number, message: string): CliError =>
    new CliError('FLOW_INVALID', `${input.name}:${line}: ${message}`, { exitCode: ExitCode.USAGE, hint: 'each line is "SRC DST"; # starts a comment' });
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
    if (!(e instanceof CliError)) throw new CliError('FILE_UNREADABLE', `${input.name}: ${(e as Error).message}`, { exitCode: ExitCode.USAGE });
    await flush(true); // the flows before the failing line are decided: print them
    throw e;
  } finally {
    progress.done();
  }
  return ExitCode.OK;
}

/** runExplain is nat explain's run: one flow from SRC DST, or every line of --flows. */
export async function runExplain(args: ExplainArgs, ctx: Context): Promise<number> {
  if (args.flows !== undefined) {
    if (args.src !== undefined) throw usageError('give either SRC DST or --flows FILE, not both');
    if (args.flows === '-' && args.filename?.includes('-')) throw usageError('stdin can hold the flows (--flows -) or the pools (-f -), not both');
  } else if (args.src === undefined || args.dst === undefined) {
    throw usageError('nat explain needs SRC and DST, or --flows FILE', "run 'poolctl nat explain --help' for examples");
  }
  const settings = settingsFromArgs(args);
  const flow: NatFlowContext = {
    ...(args.protocol !== undefined ? { protocol: args.protocol.toLowerCase() } : {}),
    ...(args.outInterface !== undefined ? { outInterface: args.outInterface } : {}),
  };
  if (args.flows !== undefined) {
    const input = await flowInput(args.flows, ctx);
    try {
      return await explainBatch(input, await modelSource(args, settings, ctx), flow, args.output ?? 'table', ctx);
    } finally {
      await input.close();
    }
  }
  const parse = (what: string, s: string): Addr => {
    const r = parseAddr(s);
    if (!r.ok) throw usageError(`${what} ${JSON.stringify(s)}: ${r.error.message}`);
    return r.value;
  };
  const src = parse('SRC', args.src!);
  const dst = parse('DST', args.dst!);
  const source = await modelSource(args, settings, ctx);
  const output = args.output ?? 'text';
  if (output === 'text' || output === 'json') return explainOne(src, dst, source, flow, output, ctx);
  // One flow as a CSV or table row: a flow list of one line.
  return explainBatch(streamInput('arguments', [`${args.src} ${args.dst}\n`]), source, flow, output, ctx);
}
