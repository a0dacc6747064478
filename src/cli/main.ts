import type { IO } from '../base/context.js';
import { dispatch } from './dispatch.js';
import { ExitCode } from '../base/exit-codes.js';
import type { BaseContext } from './make-context.js';
import { reportError } from './report-error.js';
import { versionText } from '../base/version-info.js';

/** Proc is the part of the Node process main uses; tests pass their own. */
export interface Proc {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: IO['stdin'];
  readonly stdout: IO['stdout'] & { isTTY?: boolean };
  readonly stderr: IO['stderr'] & { isTTY?: boolean };
  cwd(): string;
  exitCode?: number | string | undefined;
  /** emitWarning prints Node's warnings (process.emitWarning); main wraps it to drop SILENCED_WARNINGS. */
  emitWarning?: (warning: string | Error, ...rest: any[]) => void;
}

/**
 * SILENCED_WARNINGS are the Node warnings a user can do nothing about, by code: DEP0123, which
 * Node prints on every etcd TLS connection to an endpoint given as an IP address (gRPC sets the
 * TLS server name to the endpoint's host). Every other warning still prints.
 */
const SILENCED_WARNINGS: ReadonlySet<string> = new Set(['DEP0123']);

/** silenceWarnings makes proc.emitWarning drop the SILENCED_WARNINGS (once per process). */
function silenceWarnings(proc: Proc): void {
  const emit = proc.emitWarning;
  if (!emit || (emit as { silenced?: boolean }).silenced) return;
  const filtered = (warning: string | Error, ...rest: any[]): void => {
    const code: unknown = typeof rest[0] === 'object' && rest[0] !== null ? rest[0].code : rest[1];
    if (typeof code === 'string' && SILENCED_WARNINGS.has(code)) return;
    emit.call(proc, warning, ...rest);
  };
  proc.emitWarning = Object.assign(filtered, { silenced: true });
}

/**
 * main is poolctl's single entry and exit point. `version` is answered before anything else
 * loads; other command lines go through the fast parser (fast-args.ts, from the commands'
 * declared flags) and only help, completion and usage errors load yargs. Nothing below main
 * calls process.exit; main sets process.exitCode, and decides which Node warnings to silence.
 */
export async function main(proc: Proc): Promise<void> {
  const args = proc.argv.slice(2);
  const io: IO = {
    // A getter: creating process.stdin costs ~5 ms, and most commands never read it.
    get stdin() {
      return proc.stdin;
    },
    stdout: proc.stdout,
    stderr: proc.stderr,
    stdoutIsTTY: proc.stdout.isTTY === true,
    stderrIsTTY: proc.stderr.isTTY === true,
  };
  if (args.length === 1 && (args[0] === 'version' || args[0] === '--version')) {
    io.stdout.write(versionText());
    proc.exitCode = ExitCode.OK;
    return;
  }
  silenceWarnings(proc);
  const base: BaseContext = { io, env: proc.env, cwd: proc.cwd() };
  let code: number;
  try {
    code = await dispatch(args, base);
  } catch (e) {
    code = reportError(e, io, proc.env);
  }
  proc.exitCode = code;
}
