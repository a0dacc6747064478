import { PoolctlError, usageError } from '../base/errors.js';
import type { Context } from '../base/context.js';
import { ExitCode } from '../base/exit-codes.js';
import { VERSION } from '../base/version-info.js';
import type { IPPool } from '../core/index.js';
import { REPORT_FORMATS } from '../output/diagnostics/formats.js';
import { defineCommand } from './command.js';
import { FILE_OPTIONS } from './resource-flags.js';

/**
 * validate: judge IPPool manifests as `create` (or `--op apply|replace`) would (spec/ippool.md §4,
 * decisions 2 and 6) and report every problem with its position (manifest/validate-report.ts,
 * output/diagnostics/).
 */
export default defineCommand({
  name: 'validate',
  describe: "Validate IPPool manifests offline with Calico's rules (exit 0 valid, 1 invalid)",
  options: {
    filename: { type: 'string', alias: 'f', array: true, files: true, nonEmpty: true, describe: 'file, directory (.yaml/.yml/.json) or - for stdin; repeatable' },
    recursive: FILE_OPTIONS.recursive!,
    output: {
      type: 'string',
      alias: 'o',
      choices: REPORT_FORMATS,
      default: 'text',
      describe: 'report format: text, json, junit (JUnit XML), sarif (SARIF 2.1.0), github (Actions annotations)',
    },
    'against-store': { type: 'boolean', default: false, describe: "also check names and overlaps against the datastore's pools" },
    op: {
      type: 'string',
      choices: ['create', 'apply', 'replace'],
      default: 'create',
      describe: 'judge each pool as this command would: create (a resourceVersion is an error), apply or replace (it is a precondition)',
    },
  },
  examples: [
    ['poolctl validate -f pools.yaml', 'check one file'],
    ['poolctl validate -f manifests/ -R -o json', 'check a tree, JSON report'],
    ['kubectl get ippools.crd.projectcalico.org -o yaml | poolctl validate -f -', 'check stdin'],
    ['poolctl validate -f pools/ -o sarif > poolctl.sarif', 'SARIF for GitHub code scanning'],
    ['poolctl validate -f new-pools.yaml --against-store', 'would `create` accept these pools on this datastore?'],
    ['poolctl validate -f pools.yaml --op apply --against-store', 'would `apply` accept them (updates of existing pools included)?'],
  ],
  async run(args, ctx) {
    const paths = args.filename ?? [];
    if (paths.length === 0) throw usageError('validate needs at least one -f/--filename (a file, a directory or - for stdin)');
    const [{ streamValidation }, out] = await Promise.all([import('../manifest/validate-report.js'), import('../output/diagnostics/index.js')]);
    const store = args.againstStore ? await storePools(ctx) : [];
    const paint = ctx.color && args.output === 'text' ? await out.loadPaint() : out.PLAIN;
    const writer = out.reportWriter(args.output, { paint, version: VERSION });
    const opts = { recursive: args.recursive, stdin: () => ctx.io.stdin, cwd: ctx.cwd, op: args.op, againstStore: args.againstStore };
    const outcome = await streamValidation(paths, opts, store, (r) => writer.result(r));
    // One write request: a reader that stops early (| head) gets what fits in the pipe, not an EPIPE on a later
    // piece. Corked, a pipe or socket takes the pieces in one writev; they are not first copied into one buffer
    // (a 10,000-pool JSON report is ~2 MB of fresh memory to fault in and fill).
    const pieces = writer.finish(outcome);
    const stdout = ctx.io.stdout;
    stdout.cork();
    for (const p of pieces) stdout.write(p);
    stdout.uncork();
    return outcome.valid ? ExitCode.OK : ExitCode.FAILURE;
  },
});

/** storePools lists the datastore's pools for --against-store (DATASTORE_UNREACHABLE when it cannot be read). */
async function storePools(ctx: Context): Promise<IPPool[]> {
  const { openDatastore } = await import('../datastore/index.js');
  const ds = await openDatastore(ctx);
  try {
    return [...(await ds.list()).items];
  } catch (e) {
    if (e instanceof PoolctlError) throw e;
    throw new PoolctlError('DATASTORE_UNREACHABLE', `cannot list pools from ${ds.location}: ${(e as Error).message}`);
  } finally {
    await ds.close();
  }
}
