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
}
