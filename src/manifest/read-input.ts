import { isUtf8 } from 'node:buffer';
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
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
  const bad = isUtf8(b) ? -1 : invalidUtf8At(b);
  if (bad >= 0) {
    const p = bytePosition(b, bad);
    return {
      error: fileError(file, 'INPUT_INVALID', `invalid UTF-8: byte 0x${b[bad]!.toString(16).padStart(2, '0')} at offset ${bad}`, p.line, p.column),
    };
  }
  return { text: b.toString('utf8', start) };
}

async function readStdin(stdin: Readable, maxBytes: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stdin) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    n += b.length;
    if (n > maxBytes) return 'too-large';
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

function errorMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links',
  };
  return (err.code && reasons[err.code]) ?? err.message;
}

/** statOrNull is statSync, or null when the path cannot be stat'ed (missing, no permission, a loop). */
function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/**
 * readInputs expands -f values into inputs, in order: "-" is stdin, a directory gives its
 * manifest files sorted by name (descending into subdirectories when recursive), and a file
 * is read whatever its extension. Failures are Inputs with an error, never exceptions.
 * Files are read synchronously: a CLI has nothing else to do meanwhile, and each asynchronous
 * call would wait for a thread-pool thread (and load fs/promises).
 */
export async function readInputs(
  paths: readonly string[],
  opts: { cwd: string; recursive: boolean; maxBytes: number; stdin?: () => Readable },
): Promise<Input[]> {
  const out: Input[] = [];
  const tooLarge = (file: string): Input => ({
    file,
    counted: true,
    error: fileError(file, 'INPUT_TOO_LARGE', `input exceeds the size limit of ${opts.maxBytes} bytes`),
  });
  const readOne = (file: string, abs: string): void => {
    try {
      const st = statSync(abs);
      if (st.size > opts.maxBytes) {
        out.push(tooLarge(file));
        return;
      }
      const d = decode(file, readFileSync(abs));
      if ('error' in d) out.push({ file, error: d.error, counted: true });
      else out.push({ file, text: d.text, json: extname(file).toLowerCase() === '.json' });
    } catch (e) {
      out.push({ file, counted: false, error: fileError(file, 'FILE_UNREADABLE', `cannot read ${file}: ${errorMessage(e)}`) });
    }
  };
  const walk = (dir: string, abs: string, top: boolean): number => {
    let found = 0;
    const entries = readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const file = join(dir, e.name);
      const childAbs = join(abs, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const st = statOrNull(childAbs);
        isDir = st?.isDirectory() ?? false;
        isFile = st?.isFile() ?? false;
      }
      if (isDir && opts.recursive) found += walk(file, childAbs, false);
      else if (isFile && MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase())) {
        readOne(file, childAbs);
        found++;
      }
    }
    if (top && found === 0) {
      out.push({
        file: dir,
        counted: false,
        error: { ...fileError(dir, 'NO_RESOURCES', `no resources specified in directory ${dir}`), severity: 'warning' },
      });
    }
    return found;
  };
  for (const p of paths) {
    if (p === '-') {
      const b = opts.stdin ? await readStdin(opts.stdin(), opts.maxBytes) : Buffer.alloc(0);
      if (b === 'too-large') {
        out.push(tooLarge(STDIN_NAME));
        continue;
      }
      const d = decode(STDIN_NAME, b);
      if ('error' in d) out.push({ file: STDIN_NAME, error: d.error, counted: true });
      else out.push({ file: STDIN_NAME, text: d.text, json: false });
      continue;
    }
    const abs = resolve(opts.cwd, p);
    const st = statOrNull(abs);
    if (st?.isDirectory()) {
      try {
        walk(p, abs, true);
      } catch (e) {
        out.push({ file: p, counted: false, error: fileError(p, 'FILE_UNREADABLE', `cannot read ${p}: ${errorMessage(e)}`) });
      }
    } else {
      readOne(p, abs);
    }
  }
  return out;
}
