import type { CommandSpec } from '../commands/command.js';
import { fastParse, joinDashValues } from './fast-args.js';
import { makeContext, type BaseContext } from './make-context.js';

/**
 * runFast runs a command line with the commands' own run when the fast parser understands it
 * completely (fast-args.ts), and returns null otherwise (help, completion, usage errors and
 * every form left to yargs), before anything has run or been written.
 */
export function runFast(argv: readonly string[], commands: readonly CommandSpec[], base: BaseContext): Promise<number> | null {
  const fast = fastParse(joinDashValues(argv, commands), commands);
  return fast?.spec.run ? fast.spec.run(fast.args, makeContext(base, fast.args)) : null;
}
