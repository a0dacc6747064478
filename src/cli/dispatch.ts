import { findCommand, loadAllCommands, loadCommand } from '../commands/index.js';
import { commandWord, joinDashValues } from './fast-args.js';
import { GLOBAL_OPTIONS } from './global-options.js';
import type { BaseContext } from './make-context.js';
import { runFast } from './run-fast.js';

/**
 * dispatch runs a command line. It loads only the named command's declaration and runs it
 * through the fast parser when that understands the line completely; otherwise (help,
 * completion, unknown commands, usage errors) it loads every declaration and yargs.
 * `__complete` (the shell completion scripts' callback) goes to complete-run.ts.
 */
export async function dispatch(argv: readonly string[], base: BaseContext): Promise<number> {
  if (argv[0] === '__complete') {
    const [commands, { runComplete }] = await Promise.all([loadAllCommands(), import('./complete-run.js')]);
    return runComplete(argv.slice(1), base, commands, GLOBAL_OPTIONS);
  }
  const entry = findCommand(commandWord(argv));
  if (entry) {
    const ran = runFast(argv, [await loadCommand(entry)], base);
    if (ran) return ran;
  }
  const commands = await loadAllCommands();
  const { runApp } = await import('./app.js');
  return runApp(joinDashValues(argv, commands), commands, base);
}
