import { CliError } from '../base/errors.js';
import { ExitCode } from '../base/exit-codes.js';
import type { IO } from '../base/context.js';

/**
 * reportError prints an error that ended a command, without a stack trace, and returns the
 * exit status. CliErrors print their message (and hint); anything else is a bug and says so.
 */
export function reportError(e: unknown, io: Pick<IO, 'stderr'>): ExitCode {
  if (e instanceof CliError) {
    const where = e.source ? `${e.source.file}:${e.source.line}:${e.source.col}: ` : '';
    io.stderr.write(`${where}${e.message}\n`);
    if (e.hint) io.stderr.write(`hint: ${e.hint}\n`);
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.stderr.write(`internal error: ${msg}\nThis is a bug in poolctl; please report it with the command you ran.\n`);
  if (process.env.POOLCTL_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return ExitCode.FAILURE;
}
