import { PoolctlError } from '../base/errors.js';
import { visible, visibleMessage } from '../base/terminal-text.js';
import { ExitCode } from '../base/exit-codes.js';
import type { Context, IO } from '../base/context.js';
import { exitStatusOf, hintOf } from './exit-status.js';

/**
 * reportError prints an error that ended a command, without a stack trace, and returns the
 * exit status its code maps to (exit-status.ts). PoolctlErrors print their message (and hint),
 * or nothing when they are already reported; anything else is a bug and says so, with the
 * stack when POOLCTL_DEBUG is set in the environment. Messages quote input (names, values,
 * paths, tool output): they are clipped and made visible (base/terminal-text.ts), so no
 * escape sequence from the input reaches the terminal raw.
 */
export function reportError(e: unknown, io: Pick<IO, 'stderr'>, env: Context['env']): ExitCode {
  const text = (s: string): string => visibleMessage(s, { newlines: true });
  if (e instanceof PoolctlError) {
    if (e.reported) return exitStatusOf(e);
    const where = e.source ? `${visible(e.source.file)}:${e.source.line}:${e.source.col}: ` : '';
    io.stderr.write(`${where}${text(e.message)}\n`);
    const hint = hintOf(e);
    if (hint) io.stderr.write(`hint: ${text(hint)}\n`);
    return exitStatusOf(e);
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.stderr.write(`internal error: ${text(msg)}\nThis is a bug in poolctl; please report it with the command you ran.\n`);
  if (env.POOLCTL_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return ExitCode.FAILURE;
}
