import { COMMANDS } from '../commands/index.js';
import { fastParse, joinDashValues } from './fast-args.js';
import { makeContext, type BaseContext } from './make-context.js';

/**
 * dispatch runs a command line: through the fast parser when it understands it completely,
 * else through yargs (help, completion, usage errors), loaded only then.
 */
export async function dispatch(argv: readonly string[], base: BaseContext): Promise<number> {
  const args = joinDashValues(argv, COMMANDS);
  const fast = fastParse(args, COMMANDS);
  if (fast?.spec.run) return fast.spec.run(fast.args, makeContext(base, fast.args));
  const { runApp } = await import('./app.js');
  return runApp(args, base);
}
