import type { IO, ProcessSignal, Signals } from '../base/context.js';
import { ExitCode } from '../base/exit-codes.js';
import type { BaseContext } from './make-context.js';
import type { Line } from './path-line.js';
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
  /** on / off subscribe to process signals (the Node process has them; tests may leave them out). */
  on?(signal: ProcessSignal, handler: () => void): unknown;
  off?(signal: ProcessSignal, handler: () => void): unknown;
  /** emitWarning prints Node's warnings (process.emitWarning); main wraps it to drop SILENCED_WARNINGS. */
  emitWarning?: (warning: string | Error, ...rest: any[]) => void;
  /** exit ends the process with exitCode; only for a closed output stream (endOnClosedPipe). */
  exit(): void;
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
 * endOnClosedPipe ends the process at once, quietly, with CLOSED_PIPE when the reader of
 * stdout or stderr goes away (`poolctl get | head -1`), as a process killed by SIGPIPE ends:
 * Node ignores SIGPIPE, so the next write fails with EPIPE, which unhandled would print a
 * stack trace; and the command has nobody left to tell, so its work stops there (an endless
 * `nat explain --flows -` too). Any other write error (a full disk under `> file`) ends it
 * with FAILURE, said on stderr when stderr still works.
 */
function endOnClosedPipe(proc: Proc): void {
  const end = (code: number): void => {
    proc.exitCode = code;
    proc.exit();
  };
  const onError = (stream: 'stdout' | 'stderr') => (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') return end(ExitCode.CLOSED_PIPE);
    if (stream === 'stdout') {
      try {
        proc.stderr.write(`poolctl: cannot write the output: ${e.message}\n`);
      } catch {
        // stderr failed too: nothing left to tell.
      }
    }
    end(ExitCode.FAILURE);
  };
  proc.stdout.on('error', onError('stdout'));
  proc.stderr.on('error', onError('stderr'));
}

/**
 * lineOf loads what runs a command line: the line of its command path when it has one
 * (path-line.ts: `nat diff`, `nat explain` and `validate`, whose start bundles hold only their own code),
 * else line.ts (the whole CLI).
 */
function lineOf(args: readonly string[]): Promise<Line> {
  if (args[0] === 'nat' && args[1] === 'diff') return import('./line-nat-diff.js');
  if (args[0] === 'nat' && args[1] === 'explain') return import('./line-nat-explain.js');
  if (args[0] === 'validate') return import('./line-validate.js');
  return import('./line.js');
}

/**
 * main is poolctl's single entry and exit point. `version` is answered before anything else
 * loads (lineOf's lines hold the rest); other command lines go through the fast parser (fast-args.ts, from the commands'
 * declared flags) and only help, completion and usage errors load yargs. Nothing below main
 * calls process.exit; main sets process.exitCode, decides which Node warnings to silence, and
 * ends the process early only when its output is closed (endOnClosedPipe).
 */
export async function main(proc: Proc): Promise<void> {
  endOnClosedPipe(proc);
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
  const signals: Signals | undefined =
    proc.on && proc.off ? { on: (s, h) => void proc.on!.call(proc, s, h), off: (s, h) => void proc.off!.call(proc, s, h) } : undefined;
  const base: BaseContext = { io, env: proc.env, cwd: proc.cwd(), ...(signals ? { signals } : {}) };
  const { dispatch, reportError } = await lineOf(args);
  let code: number;
  try {
    code = await dispatch(args, base);
  } catch (e) {
    code = reportError(e, io, proc.env);
  }
  proc.exitCode = code;
}
