import { visible, visibleMessage } from '../base/terminal-text.js';
import { CliError } from './cli-error.js';
import type { IO } from './context.js';
import { ExitCode } from './exit-codes.js';

/**
 * reportError prints an error that ended a command, without a stack trace, and returns the
 * exit status. CliErrors print their message (and hint); anything else is a bug and says so.
 * Messages quote input (names, values, paths, tool output): they are clipped and made visible
 * (base/terminal-text.ts), so no escape sequence from the input reaches the terminal raw.
 */
export function reportError(e: unknown, io: Pick<IO, 'stderr'>): ExitCode {
  const text = (s: string): string => visibleMessage(s, { newlines: true });
  if (e instanceof CliError) {
    const where = e.source ? `${visible(e.source.file)}:${e.source.line}:${e.source.col}: ` : '';
    io.stderr.write(`${where}${text(e.message)}\n`);
    if (e.hint) io.stderr.write(`hint: ${text(e.hint)}\n`);
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.stderr.write(`internal error: ${text(msg)}\nThis is a bug in poolctl; please report it with the command you ran.\n`);
  if (process.env.POOLCTL_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return ExitCode.FAILURE;
}
