/**
 * MAX_INPUT_BYTES is the size limit of every file poolctl reads (manifests, stdin, the config
 * file, the etcd TLS files): 128 MiB. Reading stops there, so memory stays bounded whatever
 * the file is (a regular file, a FIFO, /dev/zero, a terminal).
 */
export const MAX_INPUT_BYTES = 128 * 1024 * 1024;

/** TOO_LARGE is what the readers return for an input longer than the limit. */
export const TOO_LARGE = 'too-large';

/** READ_CHUNK is the most a read of a file of unknown length asks for at a time. */
const READ_CHUNK = 1 << 20;

/** FIRST_CHUNK is the first read's size for a file of unknown length (most are small). */
const FIRST_CHUNK = 1 << 16;

/** formatByteLimit says a limit as people read it: "128 MiB", or "1000 bytes". */
export function formatByteLimit(bytes: number): string {
  const mib = 1024 * 1024;
  return bytes >= mib && bytes % mib === 0 ? `${bytes / mib} MiB` : `${bytes} bytes`;
}

/**
 * BoundedBytes collects an input's bytes up to a limit: add() refuses (returns false) once
 * more than maxBytes have come, and nothing past the limit is kept. Both readers below use
 * it, so the bound is kept in one place.
 */
class BoundedBytes {
  private readonly chunks: Buffer[] = [];
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  /** room is how many more bytes may come before the input is over the limit (one more than fits). */
  get room(): number {
    return this.maxBytes + 1 - this.total;
  }

  /** add keeps b, or returns false when the input is now over the limit. */
  add(b: Buffer): boolean {
    this.total += b.length;
    if (this.total > this.maxBytes) return false;
    if (b.length > 0) this.chunks.push(b);
    return true;
  }

  /** bytes returns everything added, as one buffer. */
  bytes(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.total);
  }
}

/** pause blocks the thread for ms milliseconds (a non-blocking descriptor with nothing to read yet). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * FileReads are the node:fs calls readFileBounded makes. base/ touches no file itself: the
 * folders that may (manifest/, datastore/) hand them over, e.g. `{ openSync, fstatSync,
 * readSync, closeSync }` from node:fs, so that one implementation bounds every read.
 */
export interface FileReads {
  openSync(path: string, flags: 'r'): number;
  fstatSync(fd: number): { isFile(): boolean; readonly size: number };
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: null): number;
  closeSync(fd: number): void;
}

/** readSome is readSync, waiting while a non-blocking descriptor (an inherited pipe or terminal) has nothing yet. */
function readSome(fs: FileReads, fd: number, buf: Buffer, off: number, len: number): number {
  for (;;) {
    try {
      return fs.readSync(fd, buf, off, len, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      pause(10);
    }
  }
}

/**
 * ReadScratch lends readFileBounded one buffer for file after file, so that a second file of
 * about the same size is read into memory already touched: each page of a fresh buffer costs a
 * page fault when the read first writes it (~11 us each on this VM kind: ~4.5 ms for a 1.4 MB
 * file, ~0.4 ms into the reused buffer). What a read with a scratch returns is valid only until
 * the next read with it: the caller decodes (copies) the bytes before reading again. It keeps
 * at most SCRATCH_KEPT bytes.
 */
export class ReadScratch {
  private buf: Buffer | undefined;

  /** take returns a buffer of n bytes: the kept one when it is large enough (its spare room is never touched). */
  take(n: number): Buffer {
    const b = this.buf;
    if (b && b.length >= n) return b.subarray(0, n);
    const made = Buffer.allocUnsafeSlow(n);
    this.buf = n <= SCRATCH_KEPT ? made : undefined;
    return made;
  }
}

/** SCRATCH_KEPT is the largest buffer a ReadScratch keeps for the next read (a larger one is dropped after use). */
const SCRATCH_KEPT = 16 * 1024 * 1024;

/**
 * readFileBounded reads a file whatever its type (a regular file, a FIFO, a character device
 * such as /dev/stdin or /dev/zero, a /proc file, a socket on stdin) through the calls `fs`
 * gives, and returns its bytes, or TOO_LARGE as soon as more than maxBytes have come: a
 * regular file larger than the limit is not read at all, anything else is read at most one
 * byte past it. Open and read failures throw (Node's errno errors). Reads are synchronous:
 * a CLI has nothing else to do meanwhile, and each asynchronous read would wait for a
 * thread-pool thread. With `scratch`, a regular file is read into its buffer (see ReadScratch:
 * the bytes are valid until its next read).
 */
export function readFileBounded(fs: FileReads, path: string, maxBytes = MAX_INPUT_BYTES, scratch?: ReadScratch): Buffer | typeof TOO_LARGE {
  const fd = openInput(fs, path);
  try {
    const st = fs.fstatSync(fd);
    if (st.isFile() && st.size > maxBytes) return TOO_LARGE;
    const out = new BoundedBytes(maxBytes);
    // A regular file's size is known: one read of exactly that (plus a byte to see it grew).
    const known = st.isFile() && st.size > 0;
    let size = known ? st.size + 1 : FIRST_CHUNK;
    for (let first = true; ; first = false) {
      const want = Math.min(size, out.room);
      const buf = first && known && scratch ? scratch.take(want) : Buffer.allocUnsafe(want);
      let got = 0;
      while (got < buf.length) {
        const n = readSome(fs, fd, buf, got, buf.length - got);
        if (n === 0) break;
        got += n;
      }
      if (!out.add(buf.subarray(0, got))) return TOO_LARGE;
      if (got < buf.length) return out.bytes();
      size = READ_CHUNK;
    }
  } finally {
    if (fd !== STDIN_FD) fs.closeSync(fd);
  }
}

/** STDIN_FD is standard input's descriptor; STDIN_PATHS are the names that reopen it. */
const STDIN_FD = 0;
const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/**
 * openInput opens a file for reading. Standard input named as a file (-f /dev/stdin) cannot be
 * reopened when it is a socket (ssh sessions, a parent's socketpair): open fails with ENXIO,
 * and the descriptor itself is read instead.
 */
function openInput(fs: FileReads, path: string): number {
  try {
    return fs.openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENXIO' && STDIN_PATHS.has(path)) return STDIN_FD;
    throw e;
  }
}

/**
 * readStreamBounded reads a stream (stdin for `-f -`) to its end, or returns TOO_LARGE as
 * soon as more than maxBytes have come; it then stops reading (the stream is destroyed, so an
 * endless producer gets EPIPE).
 */
export async function readStreamBounded(stream: AsyncIterable<Buffer | string>, maxBytes = MAX_INPUT_BYTES): Promise<Buffer | typeof TOO_LARGE> {
  const out = new BoundedBytes(maxBytes);
  for await (const c of stream) {
    if (!out.add(typeof c === 'string' ? Buffer.from(c) : c)) return TOO_LARGE;
  }
  return out.bytes();
}
