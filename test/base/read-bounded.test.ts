import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { formatByteLimit, MAX_INPUT_BYTES, readFileBounded as readWith, ReadScratch, readStreamBounded, TOO_LARGE } from '../../src/base/read-bounded.js';
import { tempDir } from '../manifest/helpers.js';

/** readFileBounded reads through node:fs, as manifest/ and datastore/ hand it over. */
const readFileBounded = (path: string, maxBytes?: number) => readWith(fs, path, maxBytes);

const tmp = tempDir();
const MiB = 1024 * 1024;

/** writers are the FIFO writers a test started; each is killed after its test, whatever happened. */
const writers: ChildProcess[] = [];
afterEach(() => {
  for (const w of writers.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
});

/** fifo makes a FIFO in the temp dir and starts `cmd args` writing into it (the command opens it). */
function fifoWith(name: string, cmd: string, args: (fifo: string) => string[]): { path: string; exited: Promise<string | number | null> } {
  const path = join(tmp.dir, name);
  execFileSync('mkfifo', [path]);
  const w = spawn(cmd, args(path), { stdio: 'ignore' });
  writers.push(w);
  return { path, exited: new Promise((resolve) => w.on('exit', (code, signal) => resolve(signal ?? code))) };
}

describe('readFileBounded', () => {
  it('reads a regular file exactly, and refuses one over the limit', () => {
    const small = tmp.write('small.yaml', 'a: 1\n');
    expect(readFileBounded(small, 5)).toEqual(Buffer.from('a: 1\n'));
    expect(readFileBounded(small, 4)).toBe(TOO_LARGE);
    expect(readFileBounded(tmp.write('empty.yaml', ''), 4)).toEqual(Buffer.alloc(0));
  });

  it('stops at the limit on endless character devices (/dev/zero, /dev/urandom)', () => {
    expect(readFileBounded('/dev/zero', MiB)).toBe(TOO_LARGE);
    expect(readFileBounded('/dev/urandom', 3 * MiB + 7)).toBe(TOO_LARGE);
  });

  it('reads a FIFO to its end, and stops at the limit on a FIFO whose writer never stops', async () => {
    const content = tmp.write('content.yaml', 'x'.repeat(200_000));
    const finite = fifoWith('finite.fifo', 'cp', (f) => [content, f]);
    expect(readFileBounded(finite.path, MiB)).toEqual(Buffer.from('x'.repeat(200_000)));
    expect(await finite.exited).toBe(0);
    // dd writes zeros for ever; the reader closes at the limit, and dd dies of the broken pipe.
    const endless = fifoWith('endless.fifo', 'dd', (f) => ['if=/dev/zero', `of=${f}`, 'bs=65536', 'status=none']);
    expect(readFileBounded(endless.path, 2 * MiB)).toBe(TOO_LARGE);
    expect(await endless.exited).toBe('SIGPIPE');
  });

  it('reads file after file into one scratch buffer: each read gives exactly its file, a larger file gets a larger buffer', () => {
    const scratch = new ReadScratch();
    const sizes = [200_000, 150_000, 0, 249_999, 250_001, 7, 300_000];
    const files = sizes.map((n, i) => tmp.write(`scratch-${i}.yaml`, Array.from({ length: n }, (_, k) => String.fromCharCode(97 + ((k * 7 + i) % 26))).join('')));
    for (const f of files) {
      const b = readWith(fs, f, MiB, scratch);
      expect(b).not.toBe(TOO_LARGE);
      // Valid until the next read: compared now (Buffer.equals: toEqual over 300 KB is slow).
      expect((b as Buffer).equals(fs.readFileSync(f))).toBe(true);
    }
    // Two reads in a row share the scratch's buffer (the largest file's, kept since), and the second holds its own file.
    const first = readWith(fs, files[0]!, MiB, scratch) as Buffer;
    const second = readWith(fs, files[1]!, MiB, scratch) as Buffer;
    expect(second.buffer).toBe(first.buffer);
    expect(second.length).toBe(sizes[1]);
    expect(second.equals(fs.readFileSync(files[1]!))).toBe(true);
    // Without a scratch, each read has a buffer of its own.
    expect((readWith(fs, files[0]!, MiB) as Buffer).buffer).not.toBe(first.buffer);
    expect(readWith(fs, files[6]!, 100_000, scratch)).toBe(TOO_LARGE);
  });

  it('throws the open error of a missing file', () => {
    expect(() => readFileBounded(join(tmp.dir, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('readStreamBounded', () => {
  it('returns a finite stream whole', async () => {
    expect(await readStreamBounded(Readable.from([Buffer.from('ab'), 'cd']), 4)).toEqual(Buffer.from('abcd'));
  });

  it('stops pulling from an endless producer once the limit is passed', async () => {
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled++;
          yield Buffer.alloc(64 * 1024, 0x79);
        }
      })(),
    );
    expect(await readStreamBounded(endless, MiB)).toBe(TOO_LARGE);
    // 16 chunks fill the limit, the 17th passes it; a few more may sit in the stream's buffer.
    expect(pulled).toBeGreaterThanOrEqual(17);
    expect(pulled).toBeLessThan(40);
    expect(endless.destroyed).toBe(true);
  });
});

describe('formatByteLimit', () => {
  it('says MiB for whole mebibytes, else bytes', () => {
    expect(formatByteLimit(MAX_INPUT_BYTES)).toBe('128 MiB');
    expect(formatByteLimit(1000)).toBe('1000 bytes');
  });
});
