import { err, ok, type Result } from '../core/index.js';

/**
 * ByteInput is an input read as bytes, chunk by chunk into the caller's buffer (a flow list
 * of millions of lines is never held whole): its name for messages, its size in bytes when
 * known (0 otherwise), and its bytes.
 */
export interface ByteInput {
  readonly name: string;
  readonly size: number;
  /** read puts the next bytes into buf[off, off + len) and returns how many: 0 at the end. */
  read(buf: Uint8Array, off: number, len: number): Promise<number>;
  close(): Promise<void>;
}

/** streamByteInput reads chunks (stdin, or a text given on the command line) as a ByteInput. */
export function streamByteInput(name: string, chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): ByteInput {
  const it = (async function* () {
    yield* chunks;
  })();
  let pending: Uint8Array = new Uint8Array(0);
  return {
    name,
    size: 0,
    async read(buf, off, len) {
      while (pending.length === 0) {
        const r = await it.next();
        if (r.done) return 0;
        pending = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      }
      const n = Math.min(len, pending.length);
      buf.set(pending.subarray(0, n), off);
      pending = pending.subarray(n);
      return n;
    },
    async close() {},
  };
}

/**
 * openByteFile opens a file (relative to cwd) as a ByteInput, or says why it cannot ("no such
 * file", or the system's message). The file is read with synchronous reads: each asynchronous
 * one would wait for a thread-pool thread, which a busy machine makes slow.
 */
export async function openByteFile(file: string, cwd: string): Promise<Result<ByteInput, string>> {
  const [{ closeSync, fstatSync, openSync, readSync }, { resolve }] = await Promise.all([import('node:fs'), import('node:path')]);
  let fd = -1;
  let size: number;
  try {
    fd = openSync(resolve(cwd, file), 'r');
    size = fstatSync(fd).size;
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    return err((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  return ok({
    name: file,
    size,
    read: async (buf, off, len) => readSync(fd, buf, off, len, null),
    close: async () => closeSync(fd),
  });
}
