import { PoolctlError, usageError } from '../base/errors.js';
import type { Context } from '../base/context.js';
import type { Diagnostic } from '../core/index.js';
import { openDatastore } from '../datastore/index.js';
import { loadPaint, PLAIN } from '../output/paint.js';
import { createProgress } from '../output/progress.js';
import type { ResourceResult, ResultFormat } from '../output/results.js';
import type { InputSet } from './inputs.js';
import { stepFor, type Modify, type ResourceInput, type Verb } from './operations.js';
import { reportOutcomes, resultsOf } from './report.js';

/** ResourceArgs are the flags of create, apply, replace and delete (each uses its own subset). */
export interface ResourceArgs {
  readonly filename?: readonly string[];
  readonly recursive?: boolean;
  readonly skipEmpty?: boolean;
  readonly skipExists?: boolean;
  readonly skipNotExists?: boolean;
  readonly dryRun?: boolean;
  /** names (delete, patch and label by name) when there is no -f. */
  readonly names?: readonly string[];
  /** modify is what patch and label do to each named pool. */
  readonly modify?: Modify;
  /** force (delete): delete pools whose IPAM blocks still have addresses in use. */
  readonly force?: boolean;
  /** output prints a result per resource (output/results.ts) instead of the summary lines. */
  readonly output?: ResultFormat;
  /** report replaces the summary lines (label prints calicoctl's own). */
  readonly report?: (results: readonly ResourceResult[]) => { stdout: string[]; stderr: string[] };
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
    sourceLine = set.sourceLine;
    if (set.notices.length > 0) write(ctx.io.stderr, [format(set.notices)]);
    if (set.errors.length > 0) {
      write(ctx.io.stderr, [
        format(set.errors),
        `Failed to ${verb} any 'IPPool' resources: ${set.errors.length} error(s) in the input; nothing was written`,
      ]);
      return false;
    }
    if (set.empty) {
      if (args.skipEmpty) {
        write(ctx.io.stdout, ['No resources specified']);
        return true;
      }
      write(ctx.io.stderr, [`Failed to ${verb} any 'IPPool' resources: no resources specified`]);
      return false;
    }
    inputs = set.inputs;
  } else if (verb === 'delete' || verb === 'patch' || verb === 'label') {
    inputs = (args.names ?? []).map((name) => ({ name }));
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
    const onCommitted = (n: number): void => progress.tick(n);
    if (verb === 'delete') {
      const { deletePools } = await import('./delete-pools.js');
      outcomes = await deletePools(ds, inputs, { ...opts, force: args.force ?? false, dryRun: args.dryRun ?? false, onCommitted });
    } else {
      outcomes = await ds.batch(inputs, stepFor(verb, opts), { dryRun: args.dryRun ?? false, onCommitted });
    }
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
