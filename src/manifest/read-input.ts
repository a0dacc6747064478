import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type BigIntStats, type Dirent } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { formatByteLimit, MAX_INPUT_BYTES, readFileBounded, readStreamBounded, TOO_LARGE, type ReadScratch } from '../base/read-bounded.js';
import type { Diagnostic } from '../core/index.js';

/** Input is one input read as text, or why it could not be (`counted`: it exists, count it as a file). */
export type Input =
  | { readonly file: string; readonly text: string; readonly json: boolean }
  | { readonly file: string; readonly error: Diagnostic; readonly counted: boolean };

/** MANIFEST_EXTENSIONS are the files a directory contributes (calicoctl's file/iter.go). */
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** STDIN_NAME is the file name of "-" in diagnostics. */
const STDIN_NAME = '<stdin>';

function fileError(file: string, code: Diagnostic['code'], message: string, line?: number, column?: number): Diagnostic {
  return { code, severity: 'error', message, file, ...(line !== undefined ? { line, column } : {}) };
}

/** invalidUtf8At returns the offset of the first byte that is not valid UTF-8, or -1. */
function invalidUtf8At(b: Buffer): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    let n: number;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) n = 2;
    else if (c >= 0xf0 && c <= 0xf4) n = 3;
    else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
    }
    // Overlongs, surrogates and code points above U+10FFFF.
    if ((c === 0xe0 && b[i + 1]! < 0xa0) || (c === 0xed && b[i + 1]! > 0x9f) || (c === 0xf0 && b[i + 1]! < 0x90) || (c === 0xf4 && b[i + 1]! > 0x8f)) {
      return i;
    }
    i += n + 1;
  }
  return -1;
}

/** bytePosition is the 1-based line and column (in bytes) of a byte offset. */
function bytePosition(b: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = b.indexOf(10); i >= 0 && i < offset; i = b.indexOf(10, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * decode turns an input's bytes into text: UTF-8 (a BOM is dropped) or UTF-16 with a BOM, as
 * YAML allows. Binary data (a NUL byte) and invalid UTF-8 are errors with their position.
 */
export function decode(file: string, b: Buffer): { text: string } | { error: Diagnostic } {
  if (b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))) {
    const le = b[0] === 0xff;
    try {
      return { text: new TextDecoder(le ? 'utf-16le' : 'utf-16be', { fatal: true }).decode(b.subarray(2)) };
    } catch {
      return { error: fileError(file, 'INPUT_INVALID', `invalid UTF-16${le ? 'LE' : 'BE'} text`) };
    }
  }
  const nul = b.indexOf(0);
  if (nul >= 0) {
    const p = bytePosition(b, nul);
    return { error: fileError(file, 'INPUT_INVALID', `binary file: NUL byte at offset ${nul}; expected YAML or JSON text`, p.line, p.column) };
  }
  const start = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const text = b.toString('utf8', start);
  // Decoding puts U+FFFD where the bytes are not UTF-8: without one, they are (no second pass
  // over the bytes; a one-byte string is searched for it at once). With one, it may be written
  // in the file: isUtf8 decides.
  if (text.indexOf('\uFFFD') < 0 || isUtf8(b)) return { text };
  const bad = invalidUtf8At(b);
  const p = bytePosition(b, bad);
  return {
    error: fileError(file, 'INPUT_INVALID', `invalid UTF-8: byte 0x${b[bad]!.toString(16).padStart(2, '0')} at offset ${bad}`, p.line, p.column),
  };
}

function errorMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links',
    ENXIO: 'no such device or address',
  };
  return (err.code && reasons[err.code]) ?? err.message;
}


/** NOT_REGULAR says why a walk skips a FIFO, socket or device named like a manifest: it could block, or never end. */
const NOT_REGULAR = 'not a regular file (a FIFO, socket or device is read only when named with -f)';

/** byName orders directory entries by name, as calicoctl's filepath.Walk does (bytewise). */
function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** isInside reports whether real path p is dir or lies under it (both real paths). */
function isInside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/** fileKey identifies a file or directory by device and inode, whatever path reaches it. */
function fileKey(st: BigIntStats): string {
  return `${st.dev}:${st.ino}`;
}

/**
 * readInputs expands -f values into inputs, in order: "-" is stdin, a directory gives its
 * manifest files sorted by name (descending into subdirectories when recursive), and a file
 * is read whatever its extension and type. Every input is read through the bounded readers
 * (base/read-bounded.ts): one longer than maxBytes (default MAX_INPUT_BYTES) gets INPUT_TOO_LARGE
 * and is read no further. Failures are Inputs with an error, never exceptions: an unreadable
 * subdirectory is an error naming it, and the walk goes on with the rest.
 *
 * A directory walk keeps to its tree: each directory and file is read once, known by device
 * and inode (a symbolic link back up the tree, or a second path to a file already read, is
 * skipped with a FILE_SKIPPED warning), and a symbolic link whose target lies outside the
 * directory named with -f is not followed (a warning names the link; naming the target with
 * -f reads it). A FIFO, socket or device named like a manifest is skipped with a warning too.
 * Files named with -f are always read.
 */
export async function readInputs(
  paths: readonly string[],
  opts: { cwd: string; recursive: boolean; maxBytes?: number; stdin?: () => AsyncIterable<Buffer | string>; scratch?: ReadScratch },
): Promise<Input[]> {
  const maxBytes = opts.maxBytes ?? MAX_INPUT_BYTES;
  const out: Input[] = [];
  /** seen maps every directory walked and file read to the name it was read under. */
  const seen = new Map<string, string>();
  const unreadable = (file: string, e: unknown, what = ''): Input => ({
    file,
    counted: false,
    error: fileError(file, 'FILE_UNREADABLE', `cannot read ${what}${file}: ${errorMessage(e)}`),
  });
  const skipped = (file: string, why: string): Input => ({
    file,
    counted: false,
    error: { ...fileError(file, 'FILE_SKIPPED', `skipped ${file}: ${why}`), severity: 'warning' },
  });
  const add = (file: string, b: Buffer | typeof TOO_LARGE, json: boolean): void => {
    if (b === TOO_LARGE) {
      out.push({ file, counted: true, error: fileError(file, 'INPUT_TOO_LARGE', `input exceeds the size limit of ${formatByteLimit(maxBytes)}`) });
      return;
    }
    const d = decode(file, b);
    if ('error' in d) out.push({ file, error: d.error, counted: true });
    else out.push({ file, text: d.text, json });
  };
  const readOne = (file: string, abs: string): void => {
    let b: Buffer | typeof TOO_LARGE;
    try {
      b = readFileBounded({ openSync, fstatSync, readSync, closeSync }, abs, maxBytes, opts.scratch);
    } catch (e) {
      out.push(unreadable(file, e));
      return;
    }
    add(file, b, extname(file).toLowerCase() === '.json');
  };
  /** walk reads directory `dir` (at abs) inside the tree whose real path is root (named `top`); returns the manifest files it found. */
  const walk = (dir: string, abs: string, root: string, top: string): number => {
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true }).sort(byName);
    } catch (e) {
      out.push(unreadable(dir, e, 'directory '));
      return 0;
    }
    let found = 0;
    for (const e of entries) {
      const file = join(dir, e.name);
      const childAbs = join(abs, e.name);
      const manifest = MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase());
      let st: BigIntStats;
      try {
        if (e.isSymbolicLink()) {
          if (!manifest && !opts.recursive) continue;
          let real: string;
          try {
            real = realpathSync.native(childAbs);
            st = statSync(real, { bigint: true });
          } catch (err) {
            // A dangling or looping link: an error when it names a manifest, else nothing to read.
            if (manifest) out.push(unreadable(file, err));
            continue;
          }
          if (st.isDirectory() ? !opts.recursive : !manifest) continue;
          if (!isInside(real, root)) {
            const what = st.isDirectory() ? 'directory' : 'file';
            out.push(skipped(file, `a symbolic link to a ${what} outside ${top} (not followed; name it with -f to read it)`));
            continue;
          }
          if (!st.isDirectory() && !st.isFile()) {
            out.push(skipped(file, NOT_REGULAR));
            continue;
          }
        } else {
          if (e.isDirectory() ? !opts.recursive : !manifest) continue;
          if (!e.isDirectory() && !e.isFile()) {
            out.push(skipped(file, NOT_REGULAR));
            continue;
          }
          st = statSync(childAbs, { bigint: true });
        }
      } catch (err) {
        out.push(unreadable(file, err));
        continue;
      }
      const key = fileKey(st);
      const first = seen.get(key);
      if (first !== undefined) {
        out.push(skipped(file, `the same ${st.isDirectory() ? 'directory' : 'file'} as ${first}, already read`));
        continue;
      }
      seen.set(key, file);
      if (st.isDirectory()) found += walk(file, childAbs, root, top);
      else {
        readOne(file, childAbs);
        found++;
      }
    }
    return found;
  };
  for (const p of paths) {
    if (p === '-') {
      add(STDIN_NAME, opts.stdin ? await readStreamBounded(opts.stdin(), maxBytes) : Buffer.alloc(0), false);
      continue;
    }
    const abs = resolve(opts.cwd, p);
    let st: BigIntStats | null = null;
    try {
      st = statSync(abs, { bigint: true });
    } catch {
      // readOne reports why.
    }
    if (!st?.isDirectory()) {
      if (st) seen.set(fileKey(st), p);
      readOne(p, abs);
      continue;
    }
    const first = seen.get(fileKey(st));
    if (first !== undefined) {
      out.push(skipped(p, `the same directory as ${first}, already read`));
      continue;
    }
    seen.set(fileKey(st), p);
    let root: string;
    try {
      root = realpathSync.native(abs);
    } catch (e) {
      out.push(unreadable(p, e, 'directory '));
      continue;
    }
    if (walk(p, abs, root, p) === 0) {
      out.push({
        file: p,
        counted: false,
        error: { ...fileError(p, 'NO_RESOURCES', `no resources specified in directory ${p}`), severity: 'warning' },
      });
    }
  }
  return out;
}
