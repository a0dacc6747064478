import { PoolctlError } from '../base/errors.js';
import { ExitCode } from '../base/exit-codes.js';
import type { Context, IO } from '../base/context.js';
import { exitStatusOf, hintOf } from './exit-status.js';

/**
 * reportError prints an error that ended a command, without a stack trace, and returns the
 * exit status its code maps to (exit-status.ts). PoolctlErrors print their message (and hint),
 * or nothing when they are already reported; anything else is a bug and says so, with the
 * stack when POOLCTL_DEBUG is set in the environment.
 */
export function reportError(e: unknown, io: Pick<IO, 'stderr'>, env: Context['env']): ExitCode {
  if (e instanceof PoolctlError) {
    if (e.reported) return exitStatusOf(e);
    const where = e.source ? `${e.source.file}:${e.source.line}:${e.source.col}: ` : '';
    io.stderr.write(`${where}${e.message}\n`);
    const hint = hintOf(e);
    if (hint) io.stderr.write(`hint: ${hint}\n`);
    return exitStatusOf(e);
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.stderr.write(`internal error: ${msg}\nThis is a bug in poolctl; please report it with the command you ran.\n`);
  if (env.POOLCTL_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return ExitCode.FAILURE;
}
