import { CliError, usageError } from '../../cli/cli-error.js';
import type { Context } from '../../cli/context.js';
import { ExitCode } from '../../cli/exit-codes.js';
import type { Addr, CompiledNat, Family, FlowRowSink, NatFlowContext, NatModel, NatSettings } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { FELIX_OPTIONS, settingsFromArgs, type FelixArgs } from './felix-options.js';
import { POOL_SOURCE_OPTIONS, type PoolSourceArgs } from './pool-source.js';

interface ExplainArgs extends FelixArgs, PoolSourceArgs {
  readonly src?: string;
  readonly dst?: string;
  readonly flows?: string;
  readonly output?: string;
  readonly outInterface?: string;
  readonly protocol?: string;
  readonly live?: boolean;
}

/** READ_CHUNK is how much of a flow list is read at a time. */
const READ_CHUNK = 1 << 20;
/** TABLE_SAMPLE is how many rows set the table's column widths. */
const TABLE_SAMPLE = 4096;

/**
 * ModelSource builds the model for the families explain needs. The default builds it from the
 * pools (-f or the datastore) and the Felix flags; `nat explain --live` can put one read from
 * the host kernel in its place.
 */
type ModelSource = (families: readonly Family[]) => Promise<NatModel>;

async function poolModelSource(args: ExplainArgs, settings: NatSettings, ctx: Context): Promise<ModelSource> {
  const { loadNatPools, natModelOf } = await import('./pool-source.js');
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
  const [{ compileNatModel }, { iptablesChains }] = await Promise.all([import('../../core/index.js'), import('../../render/iptables.js')]);
  const lines = new Map<string, readonly string[]>();
  for (const f of model.families) for (const c of iptablesChains(f)) lines.set(`${f.family} ${c.chain}`, c.lines);
  return compileNatModel(model, { ruleText: (family, chain, index) => lines.get(`${family} ${chain}`)?.[index] ?? '' });
}

async function paintFor(ctx: Context) {
  const { PLAIN_PAINT } = await import('../../render/explain.js');
  if (!ctx.color) return PLAIN_PAINT;
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return { yes: (s: string) => c.green(s), no: (s: string) => c.red(s), verdict: (s: string) => c.bold(s), dim: (s: string) => c.dim(s) };
}

/** explainOne prints one flow's decision as text or JSON. */
async function explainOne(src: Addr, dst: Addr, source: ModelSource, flow: NatFlowContext, output: string, ctx: Context): Promise<number> {
  const compiled = await compile(await source(src.family === dst.family ? [src.family] : []));
  const decision = compiled.decide(src, dst, flow);
  const render = await import('../../render/explain.js');
  ctx.io.stdout.write(
    output === 'json' ? render.formatDecisionJson(decision) : render.formatDecisionText(decision, await paintFor(ctx)),
  );
  return ExitCode.OK;
}

/** write writes a chunk of output, waiting when the stream asks for it (pipes). */
function write(ctx: Context, s: string | Uint8Array): Promise<void> | undefined {
  if (s.length === 0 || ctx.io.stdout.write(s)) return undefined;
  return new Promise((resolve) => ctx.io.stdout.once('drain', resolve));
}

/** FlowInput is a list of "SRC DST" lines: its name for messages, its chunks, and its size in bytes when known. */
interface FlowInput {
  readonly name: string;
  readonly chunks: AsyncIterable<Buffer | string> | Iterable<string>;
  readonly size: number;
}

/** flowInput opens --flows FILE (- for stdin) as a stream of chunks. */
async function flowInput(file: string, ctx: Context): Promise<FlowInput> {
  if (file === '-') return { name: '<stdin>', chunks: ctx.io.stdin, size: 0 };
  const [{ createReadStream }, { stat }, { resolve }] = await Promise.all([import('node:fs'), import('node:fs/promises'), import('node:path')]);
  const path = resolve(ctx.cwd, file);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new CliError('FILE_UNREADABLE', `--flows ${file}: ${why}`, { exitCode: ExitCode.USAGE });
  }
  return { name: file, chunks: createReadStream(path, { highWaterMark: READ_CHUNK }), size };
}

/**
 * explainBatch decides every line of a flow list as it streams in: addresses parsed in place
 * (the input is read as latin1, one byte per character; addresses are ASCII), one compiled
 * model, output written in large chunks (CSV as bytes; a table after its first TABLE_SAMPLE
 * rows have set the column widths).
 */
async function explainBatch(input: FlowInput, source: ModelSource, flow: NatFlowContext, format: string, ctx: Context): Promise<number> {
  const [core, render, { createProgress }] = await Promise.all([
    import('../../core/index.js'),
    import('../../render/explain.js'),
    import('../../output/progress.js'),
  ]);
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
  const scanner = new core.FlowScanner(compiled, flow);
  const csv = format === 'csv' ? new render.CsvFlowWriter(compiled) : null;
  const table = format === 'table' ? new render.TableFlowWriter(compiled) : null;
  const paint = format === 'text' ? await paintFor(ctx) : render.PLAIN_PAINT;
  let out = '';
  let rows: string[][] = [];
  let texts = 0;
  const addr = (family: Family, v4: number, words: Uint32Array, off: number): Addr =>
    family === 4 ? { family, value: BigInt(v4) } : { family, value: core.ipv6WordsToValue(words, off) };
  const emit: FlowRowSink = csv
    ? (line, q) => csv.row(line, q)
    : table
      ? (line, q) => {
          rows.push(table.cells(line, q));
        }
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
    if (table && rows.length > 0 && (final || rows.length >= TABLE_SAMPLE)) {
      out += table.rows(rows);
      rows = [];
    }
    const pending = write(ctx, csv ? csv.take() : out);
    out = '';
    if (pending) await pending;
  };
  const scan = (text: string): void => {
    const err = scanner.scan(text, sink);
    if (!err) return;
    // Undo the latin1 reading for the message: the line may hold UTF-8.
    const message = Buffer.from(err.message, 'latin1').toString('utf8');
    throw new CliError('FLOW_INVALID', `${input.name}:${err.line}: ${message}`, {
      exitCode: ExitCode.USAGE,
      hint: 'each line is "SRC DST"; # starts a comment',
    });
  };
  const progress = createProgress(ctx.io, input.size, `explaining ${input.name}`);
  let tail = '';
  let first = true;
  try {
    for await (const chunk of input.chunks) {
      progress.tick(chunk.length);
      let text = tail + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
      if (first && text.startsWith('\u00ef\u00bb\u00bf')) text = text.slice(3); // a UTF-8 byte order mark
      first = false;
      const cut = text.lastIndexOf('\n') + 1;
      tail = text.slice(cut);
      scan(text.slice(0, cut));
      await flush(false);
    }
    scan(tail);
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

export default defineCommand<ExplainArgs>({
  name: 'explain',
  describe: 'Explain the NAT decision for a flow, or for every flow of a list, as Felix would take it',
  positionals: [
    { name: 'src', describe: 'source address (a pod IP)' },
    { name: 'dst', describe: 'destination address' },
  ],
  options: {
    ...POOL_SOURCE_OPTIONS,
    flows: { type: 'string', describe: 'explain every "SRC DST" line of FILE (- for stdin); # comments and blank lines are skipped' },
    output: {
      type: 'string',
      alias: 'o',
      choices: ['text', 'json', 'csv', 'table'],
      describe: 'text (default for one flow), table (default for --flows), csv, json (JSON Lines with --flows)',
    },
    'out-interface': { type: 'string', describe: 'egress interface, tested against --nat-outgoing-interface-filter' },
    protocol: { type: 'string', describe: 'protocol (tcp, udp, ...): with --nat-port-range, tcp and udp get the port range' },
    live: { type: 'boolean', default: false, describe: "decide from the sets and rules in this host's kernel (root; iptables or nftables) instead of the pools" },
    ...FELIX_OPTIONS,
  },
  examples: [
    ['poolctl nat explain 10.244.1.5 1.1.1.1', 'is this pod NATed to the internet? (pools from the datastore)'],
    ['poolctl nat explain 10.244.1.5 172.16.4.2 -f examples/pools.yaml', 'the same with pools from a manifest'],
    ['poolctl nat explain 10.244.1.5 10.0.0.12 --nat-outgoing-exclusions IPPoolsAndHostIPs --host-ip 10.0.0.12', 'traffic to another node'],
    ['poolctl nat explain 10.244.1.5 1.1.1.1 -o json', 'the decision and its trace as JSON'],
    ['poolctl nat explain --flows flows.txt -o csv > decisions.csv', 'decide a list of "SRC DST" lines'],
    ['sudo poolctl nat explain --live 10.244.1.5 1.1.1.1', "decide from what this host's kernel holds"],
  ],
  async run(args, ctx) {
    if (args.flows !== undefined) {
      if (args.src !== undefined) throw usageError('give either SRC DST or --flows FILE, not both');
      if (args.flows === '-' && args.filename?.includes('-')) throw usageError('stdin can hold the flows (--flows -) or the pools (-f -), not both');
    } else if (args.src === undefined || args.dst === undefined) {
      throw usageError('nat explain needs SRC and DST, or --flows FILE', "run 'poolctl nat explain --help' for examples");
    }
    const settings = await settingsFromArgs(args);
    const flow: NatFlowContext = {
      ...(args.protocol !== undefined ? { protocol: args.protocol.toLowerCase() } : {}),
      ...(args.outInterface !== undefined ? { outInterface: args.outInterface } : {}),
    };
    if (args.flows !== undefined) {
      const input = await flowInput(args.flows, ctx);
      return explainBatch(input, await modelSource(args, settings, ctx), flow, args.output ?? 'table', ctx);
    }
    const { parseAddr } = await import('../../core/index.js');
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
    const line = `${args.src} ${args.dst}\n`;
    return explainBatch({ name: 'arguments', chunks: [line], size: 0 }, source, flow, output, ctx);
  },
});
