import type { CommandSpec } from '../commands/command.js';
import type { BaseContext } from './make-context.js';
import { reportError } from './report-error.js';
import { runFast } from './run-fast.js';

/** Line is what main loads to run a command line (line.ts, or a command path's line). */
export interface Line {
  dispatch(argv: readonly string[], base: BaseContext): Promise<number>;
  reportError: typeof reportError;
}

/**
 * pathLine is the line of one command path (`nat diff`, `nat explain`, `validate`): it holds only that
 * command's declaration and code, so that bin/poolctl.js's start bundle of it (scripts/build.mjs)
 * reads and deserializes a fraction of the whole CLI. A line the fast parser runs is run as
 * line.ts's dispatch runs it; any other (help, usage errors, forms left to yargs) goes, before
 * anything has run, to line.ts with its own error reporter (in the start bundles line.ts is
 * another bundle, whose error classes are not this one's).
 */
export function pathLine(commands: readonly CommandSpec[]): Line {
  return {
    async dispatch(argv, base) {
      const ran = runFast(argv, commands, base);
      if (ran) return ran;
      const line = await import('./line.js');
      try {
        return await line.dispatch(argv, base);
      } catch (e) {
        return line.reportError(e, base.io, base.env);
      }
    },
    reportError,
  };
}
