import type { Writable, Readable } from 'node:stream';

/** IO are the streams a command may use; commands never touch process or console. */
export interface IO {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
}

/** GlobalOptions are the options every command accepts (spec/cli.md "Invocation"). */
export interface GlobalOptions {
  readonly config?: string;
  readonly store?: string;
  readonly color: boolean;
}

/** ProcessSignal is a signal a long-running command (nat agent) reacts to. */
export type ProcessSignal = 'SIGHUP' | 'SIGTERM' | 'SIGINT';

/** Signals lets a long-running command subscribe to process signals (main passes the process's). */
export interface Signals {
  on(signal: ProcessSignal, handler: () => void): void;
  off(signal: ProcessSignal, handler: () => void): void;
}

/**
 * Context is what a command runs with: streams, environment, working directory, colour and
 * the global options. The datastore is opened from it on demand (datastore/index.ts), so
 * commands that need none pay nothing.
 */
export interface Context {
  readonly io: IO;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly color: boolean;
  readonly global: GlobalOptions;
  /** signals, where the caller offers them (main: the process), for commands that run until told to stop. */
  readonly signals?: Signals;
}
