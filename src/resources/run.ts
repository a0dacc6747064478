import { PoolctlError, usageError } from '../base/errors.js';
import type { Context } from '../base/context.js';
import { IPPOOL_KIND, type Diagnostic, type ResourceKind } from '../core/index.js';
import type { BatchOutcome, Datastore, KindStore } from '../datastore/datastore.js';
import { openDatastore } from '../datastore/index.js';
import { loadPaint, PLAIN } from '../output/paint.js';
import { createProgress } from '../output/progress.js';
import type { ResourceResult, ResultFormat } from '../output/results.js';
import type { InputSet } from './inputs.js';
import { otherKindStep, stepFor, type Modify, type OpOptions, type OpResult, type ResourceInput, type Verb } from './operations.js';
import { reportOutcomes, resultsOf } from './report.js';

/** ResourceArgs are the flags of create, apply, replace and delete (each uses its own subset). */
export interface ResourceArgs {
  readonly filename?: readonly string[];
  readonly recursive?: boolean;
  readonly skipEmpty?: boolean;
  readonly skipExists?: boolean;
  readonly skipNotExists?: boolean;
  readonly dryRun?: boolean;
  /** names (delete, patch and label by name) when there is no -f, of `kind` (IPPool when absent). */
  readonly names?: readonly string[];
  readonly kind?: ResourceKind;
  /** modify is what patch and label do to each named pool. */
  readonly modify?: Modify;
  /** force (delete): delete pools whose IPAM blocks still have addresses in use. */
  readonly force?: boolean;
  /** output prints a result per resource (output/results.ts) instead of the summary lines. */
  readonly output?: ResultFormat;
  /** report replaces the summary lines (label prints calicoctl's own). */
  readonly report?: (results: readonly ResourceResult[]) => { stdout: string[]; stderr: string[] };
}

/** dryRunStore reads through a KindStore and checks writes as it would (existence, resourceVersion) without making them. */
export function dryRunStore(store: KindStore): KindStore {
  const check = async (name: string, rv?: string) => {
    const cur = await store.get(name);
    if (rv && rv !== cur.metadata.resourceVersion) await store.update({ ...cur, metadata: { ...cur.metadata, resourceVersion: rv } }); // throws the ConflictError
    return cur;
  };
  return {
    list: () => store.list(),
    get: (n) => store.get(n),
    create: async (v) => {
      const exists = await store.get(v.metadata.name).then(
        () => true,
        () => false,
      );
      if (exists) return store.create(v); // throws the AlreadyExistsError without writing
      return { ...v, metadata: { ...v.metadata, resourceVersion: '', uid: '', creationTimestamp: '' } };
    },
    update: async (v) => ({ ...(await check(v.metadata.name, v.metadata.resourceVersion)), spec: v.spec }),
    delete: (n, rv) => check(n, rv),
  };
}

/**
 * runAll runs every input: the IPPools in one batch (datastore.ts; delete through
 * deletePools, which disables first and checks Calico IPAM), the other kinds one by one
 * through their KindStore, outcomes in input order.
 */
async function runAll(
  ds: Datastore,
  verb: Verb,
  inputs: readonly ResourceInput[],
  opts: OpOptions & { dryRun: boolean; force: boolean; onCommitted: (n: number) => void },
): Promise<BatchOutcome<OpResult>[]> {
  const outcomes: BatchOutcome<OpResult>[] = new Array(inputs.length);
  const pools: number[] = [];
  inputs.forEach((input, i) => {
    if (!input.kind || input.kind === IPPOOL_KIND) pools.push(i);
  });
  if (pools.length > 0) {
    const poolInputs = pools.map((i) => inputs[i]!);
    const got =
      verb === 'delete'
        ? await (await import('./delete-pools.js')).deletePools(ds, poolInputs, opts)
        : await ds.batch(poolInputs, stepFor(verb, opts), { dryRun: opts.dryRun, onCommitted: opts.onCommitted });
    pools.forEach((i, k) => (outcomes[i] = got[k]!));
  }
  // the names each kind's creates took so far: a second create of a name is DUPLICATE_NAME
  const created = new Map<ResourceKind, Set<string>>();
  for (let i = 0; i < inputs.length; i++) {
    if (outcomes[i]) continue;
    const input = inputs[i]!;
    const real = ds.resources(input.kind!.plural as 'felixconfigurations');
    let names = created.get(input.kind!);
    if (!names) created.set(input.kind!, (names = new Set()));
    try {
      outcomes[i] = { ok: true, value: await otherKindStep(verb, opts.dryRun ? dryRunStore(real) : real, input, opts, names) };
    } catch (e) {
      outcomes[i] = { ok: false, error: e as Error };
    }
    opts.onCommitted(1);
  }
  return outcomes;
}

/** PREFETCH_ABOVE is how many resources make replace and delete read all pools at once. */
const PREFETCH_ABOVE = 16;

const PROGRESS_LABEL: Readonly<Record<Verb, string>> = {
  create: 'creating',
  apply: 'applying',
  replace: 'replacing',
  delete: 'deleting',
  patch: 'patching',
  label: 'labeling',
};

function write(stream: Context['io']['stdout'], lines: readonly string[]): void {
  if (lines.length > 0) stream.write(`${lines.map((l) => l.replace(/\n+$/, '')).join('\n')}\n`);
}

/**
 * runResourceCommand is the one pipeline of create, apply, replace and delete (calicoctl's
 * ExecuteConfigCommand): read and strictly check the -f inputs (or take the names), open the
 * datastore, run the verb's step for each resource in one batch, report per resource.
 * Input errors stop the command before anything is written. It returns whether every resource
 * succeeded (the failures are reported); when the datastore became unreachable on the way, it
 * reports and then throws DATASTORE_UNREACHABLE marked as reported.
 */
export async function runResourceCommand(verb: Verb, args: ResourceArgs, ctx: Context): Promise<boolean> {
  const { formatDiagnostic } = await import('../output/diagnostics/text.js');
  const paint = ctx.color ? await loadPaint() : PLAIN;
  let inputs: ResourceInput[];
  let sourceLine: InputSet['sourceLine'] | undefined;
  const format = (ds: readonly Diagnostic[]): string => ds.map((d) => formatDiagnostic(d, { sourceLine, paint })).join('');
  if (args.filename && args.filename.length > 0) {
    const { loadInputs } = await import('./inputs.js');
    const set = await loadInputs(args.filename, { recursive: args.recursive ?? false }, ctx);
    const kinds = new Set(set.inputs.map((i) => (i.kind ?? IPPOOL_KIND).kind));
    const what = kinds.size <= 1 ? `'${[...kinds][0] ?? IPPOOL_KIND.kind}' resources` : 'resources';
    sourceLine = set.sourceLine;
    if (set.notices.length > 0) write(ctx.io.stderr, [format(set.notices)]);
    if (set.errors.length > 0) {
      write(ctx.io.stderr, [
        format(set.errors),
        `Failed to ${verb} any ${what}: ${set.errors.length} error(s) in the input; nothing was written`,
      ]);
      return false;
    }
    if (set.empty) {
      if (args.skipEmpty) {
        write(ctx.io.stdout, ['No resources specified']);
        return true;
      }
      write(ctx.io.stderr, [`Failed to ${verb} any ${what}: no resources specified`]);
      return false;
    }
    inputs = set.inputs;
  } else if (verb === 'delete' || verb === 'patch' || verb === 'label') {
    inputs = (args.names ?? []).map((name) => ({ name, ...(args.kind ? { kind: args.kind } : {}) }));
  } else {
    throw usageError(`${verb} needs -f FILE (a file, a directory, or - for stdin)`, `poolctl ${verb} -f pools.yaml`);
  }
  const ds = await openDatastore(ctx, { create: verb === 'create' || verb === 'apply' });
  const progress = createProgress(ctx.io, inputs.length, PROGRESS_LABEL[verb]);
  let outcomes;
  try {
    const opts = {
      skipExists: args.skipExists ?? false,
      skipNotExists: args.skipNotExists ?? false,
      prefetch: inputs.length > PREFETCH_ABOVE,
      ...(args.modify ? { modify: args.modify } : {}),
    };
    outcomes = await runAll(ds, verb, inputs, { ...opts, force: args.force ?? false, dryRun: args.dryRun ?? false, onCommitted: (n) => progress.tick(n) });
  } finally {
    progress.done();
    await ds.close();
  }
  const { lines, failed, unreachable } = reportOutcomes(verb, inputs, outcomes, { dryRun: args.dryRun ?? false, formatDiagnostics: format });
  if (args.output) {
    const { formatResults } = await import('../output/results.js');
    ctx.io.stdout.write(await formatResults(args.output, resultsOf(inputs, outcomes), args.dryRun ?? false));
    write(ctx.io.stderr, lines.stderr);
  } else if (args.report) {
    const own = args.report(resultsOf(inputs, outcomes));
    write(ctx.io.stdout, own.stdout);
    write(ctx.io.stderr, own.stderr);
  } else {
    write(ctx.io.stdout, lines.stdout);
    write(ctx.io.stderr, lines.stderr);
  }
  if (unreachable) throw new PoolctlError(unreachable.code, unreachable.message, { reported: true });
  return !failed;
}
