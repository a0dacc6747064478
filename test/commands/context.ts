import { Readable, Writable } from 'node:stream';
import type { Context } from '../../src/base/context.js';
import type { Datastore } from '../../src/datastore/datastore.js';
import { openMemoryDatastore } from '../../src/datastore/memory.js';

/** TestContext is a command Context over buffered streams and an injected datastore. */
export interface TestContext extends Context {
  readonly datastore: Datastore;
  stdout(): string;
  stderr(): string;
  /** reset clears the captured output (the datastore keeps its pools). */
  reset(): void;
}

function sink(): { stream: Writable; text: () => string; clear: () => void } {
  let chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join(''), clear: () => (chunks = []) };
}

/**
 * testContext returns a Context like the CLI's (kubectl's NewTestIOStreams): stdin from a
 * string, stdout and stderr captured, colour off, the memory datastore unless one is given.
 */
export function testContext(opts: { stdin?: string; datastore?: Datastore; cwd?: string; env?: Record<string, string> } = {}): TestContext {
  const out = sink();
  const err = sink();
  return {
    io: { stdin: Readable.from([opts.stdin ?? '']), stdout: out.stream, stderr: err.stream, stdoutIsTTY: false, stderrIsTTY: false },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    color: false,
    global: { color: false },
    datastore: opts.datastore ?? openMemoryDatastore(),
    stdout: out.text,
    stderr: err.text,
    reset() {
      out.clear();
      err.clear();
    },
  };
}
