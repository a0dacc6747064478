import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { formatByteLimit, MAX_INPUT_BYTES, readFileBounded as readWith, readStreamBounded, TOO_LARGE } from '../../src/base/read-bounded.js';
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
