import { ExitCode } from '../base/exit-codes.js';
import { usageError } from '../base/errors.js';
import { defineCommand } from './command.js';
import { FILE_OPTIONS } from './resource-flags.js';

/**
 * diff: what `apply -f` would change, as kubectl diff shows it. Exit 0 when nothing would
 * change, 1 when something would, 2 when the input is invalid or apply would reject a pool
 * (kubectl diff's "greater than 1"), 3 when the datastore cannot be read.
 */
export default defineCommand({
  name: 'diff',
  describe: 'Show what apply -f would change, as a unified diff per pool (exit 1 when something would change)',
  options: { filename: FILE_OPTIONS.filename, recursive: FILE_OPTIONS.recursive },
  examples: [
    ['poolctl diff -f pools.yaml', 'what apply would change'],
    ['poolctl diff -f pools/ -R || poolctl apply -f pools/ -R', 'apply only when something differs'],
  ],
  async run(args, ctx) {
    const files = args.filename ?? [];
    if (files.length === 0) throw usageError('diff needs -f FILE (a file, a directory, or - for stdin)', 'poolctl diff -f pools.yaml');
    const { diffManifests } = await import('../resources/diff.js');
    const v = await diffManifests({ filename: files, recursive: args.recursive }, ctx);
    return v.failed ? ExitCode.USAGE : v.changed ? ExitCode.FAILURE : ExitCode.OK;
  },
});
