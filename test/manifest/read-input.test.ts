import { isUtf8 } from 'node:buffer';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, readInputs, type Input } from '../../src/manifest/read-input.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();

const POOL = (name: string): string => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: 10.0.0.0/16\n`;

/** summary lists each input as "file: line" (its name line, else its first) or "file: SEVERITY CODE message". */
function summary(inputs: readonly Input[]): string[] {
  return inputs.map((i) => {
    if ('error' in i) return `${i.file}: ${i.error.severity} ${i.error.code} ${i.error.message}`;
    const lines = i.text.split('\n');
    return `${i.file}: ${lines.find((l) => l.includes('name:')) ?? lines[0]}`;
  });
}

/**
 * tree builds, under a fresh directory `root` of the temp dir:
 *   outside/secret.yaml        a file outside the tree (its first line must never be echoed)
 *   outside/dir/o.yaml
 *   tree/a.yaml, tree/b.yaml   tree/alias.yaml -> a.yaml (a second path to a file)
 *   tree/leak.yaml -> ../outside/secret.yaml        tree/out -> ../outside/dir
 *   tree/sub/c.yaml            tree/sub/loop -> ..   tree/sub/again -> ../sub
 *   tree/dangling.yaml -> nowhere.yaml
 */
function tree(root: string): string {
  tmp.write(`${root}/outside/secret.yaml`, 'password: hunter2\n');
  tmp.write(`${root}/outside/dir/o.yaml`, POOL('outside'));
  tmp.write(`${root}/tree/a.yaml`, POOL('a'));
  tmp.write(`${root}/tree/b.yaml`, POOL('b'));
  tmp.write(`${root}/tree/sub/c.yaml`, POOL('c'));
  const t = join(tmp.dir, root, 'tree');
  symlinkSync('a.yaml', join(t, 'alias.yaml'));
  symlinkSync('../outside/secret.yaml', join(t, 'leak.yaml'));
  symlinkSync('../outside/dir', join(t, 'out'));
  symlinkSync('..', join(t, 'sub', 'loop'));
  symlinkSync('../sub', join(t, 'sub', 'again'));
  symlinkSync('nowhere.yaml', join(t, 'dangling.yaml'));
  return t;
}

describe('readInputs: a directory walk keeps to its tree', () => {
  it('-R reads each file once, stops at links back up the tree, and refuses links out of it', async () => {
    tree('r1');
    const inputs = await readInputs(['r1/tree'], { cwd: tmp.dir, recursive: true });
    expect(summary(inputs)).toEqual([
      'r1/tree/a.yaml:   name: a',
      'r1/tree/alias.yaml: warning FILE_SKIPPED skipped r1/tree/alias.yaml: the same file as r1/tree/a.yaml, already read',
      'r1/tree/b.yaml:   name: b',
      'r1/tree/dangling.yaml: error FILE_UNREADABLE cannot read r1/tree/dangling.yaml: no such file or directory',
      'r1/tree/leak.yaml: warning FILE_SKIPPED skipped r1/tree/leak.yaml: a symbolic link to a file outside r1/tree (not followed; name it with -f to read it)',
      'r1/tree/out: warning FILE_SKIPPED skipped r1/tree/out: a symbolic link to a directory outside r1/tree (not followed; name it with -f to read it)',
      'r1/tree/sub/again: warning FILE_SKIPPED skipped r1/tree/sub/again: the same directory as r1/tree/sub, already read',
      'r1/tree/sub/c.yaml:   name: c',
      'r1/tree/sub/loop: warning FILE_SKIPPED skipped r1/tree/sub/loop: the same directory as r1/tree, already read',
    ]);
    expect(JSON.stringify(inputs)).not.toContain('hunter2');
  });

  it('without -R reads only the top directory, with the same rule for links', async () => {
    tree('r2');
    const inputs = await readInputs(['r2/tree'], { cwd: tmp.dir, recursive: false });
    expect(summary(inputs).map((s) => s.split(':')[0])).toEqual(['r2/tree/a.yaml', 'r2/tree/alias.yaml', 'r2/tree/b.yaml', 'r2/tree/dangling.yaml', 'r2/tree/leak.yaml']);
    expect(JSON.stringify(inputs)).not.toContain('hunter2');
  });

  it('reads a link or a directory outside the tree when it is named with -f', async () => {
    const t = tree('r3');
    const inputs = await readInputs([join(t, 'leak.yaml'), 'r3/tree/out'], { cwd: tmp.dir, recursive: true });
    expect(summary(inputs)).toEqual([`${join(t, 'leak.yaml')}: password: hunter2`, 'r3/tree/out/o.yaml:   name: outside']);
  });

  it('reads a directory named twice once', async () => {
    tree('r4');
    const inputs = await readInputs(['r4/tree/sub', 'r4/tree/sub/'], { cwd: tmp.dir, recursive: false });
    expect(summary(inputs)).toEqual(['r4/tree/sub/c.yaml:   name: c', 'r4/tree/sub/: warning FILE_SKIPPED skipped r4/tree/sub/: the same directory as r4/tree/sub, already read']);
  });

  it('skips a FIFO or a device named like a manifest (it could block or never end), unless named with -f', async () => {
    const { execFileSync } = await import('node:child_process');
    tmp.write('r6/tree/a.yaml', POOL('a'));
    execFileSync('mkfifo', [join(tmp.dir, 'r6/tree/pipe.yaml')]);
    symlinkSync('/dev/zero', join(tmp.dir, 'r6/tree/zero.yaml'));
    symlinkSync('pipe.yaml', join(tmp.dir, 'r6/tree/pipe-link.yaml'));
    const inputs = await readInputs(['r6/tree'], { cwd: tmp.dir, recursive: true });
    expect(summary(inputs)).toEqual([
      'r6/tree/a.yaml:   name: a',
      'r6/tree/pipe-link.yaml: warning FILE_SKIPPED skipped r6/tree/pipe-link.yaml: not a regular file (a FIFO, socket or device is read only when named with -f)',
      'r6/tree/pipe.yaml: warning FILE_SKIPPED skipped r6/tree/pipe.yaml: not a regular file (a FIFO, socket or device is read only when named with -f)',
      'r6/tree/zero.yaml: warning FILE_SKIPPED skipped r6/tree/zero.yaml: a symbolic link to a file outside r6/tree (not followed; name it with -f to read it)',
    ]);
    const named = await readInputs(['r6/tree/zero.yaml'], { cwd: tmp.dir, recursive: false, maxBytes: 1000 });
    expect(summary(named)).toEqual(['r6/tree/zero.yaml: error INPUT_TOO_LARGE input exceeds the size limit of 1000 bytes']);
  });

  it('caps stdin and names it', async () => {
    const inputs = await readInputs(['-'], { cwd: tmp.dir, recursive: false, maxBytes: 10, stdin: () => Readable.from([Buffer.alloc(11, 0x20)]) });
    expect(summary(inputs)).toEqual(['<stdin>: error INPUT_TOO_LARGE input exceeds the size limit of 10 bytes']);
  });
});

describe('decode: UTF-8 is checked by the decoding itself', () => {
  /** BYTES are pieces of text as bytes: ASCII, valid sequences (U+FFFD itself among them) and every kind of invalid one. */
  const BYTES: readonly number[][] = [
    [0x61], [0x0a], [0x3a, 0x20],
    [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xef, 0xbf, 0xbd], [0xef, 0xbb, 0xbf],
    [0x80], [0xc3], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8], [0xff], [0xe2, 0x82],
  ];

  it('accepts exactly the bytes isUtf8 accepts, with the same text as Buffer.toString, and names the first bad byte', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...BYTES), { maxLength: 30 }), (pieces) => {
        const b = Buffer.from(pieces.flat());
        const d = decode('f.yaml', b);
        if (isUtf8(b)) {
          const bom = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
          expect(d).toEqual({ text: b.toString('utf8', bom) });
        } else {
          expect('error' in d && d.error.code).toBe('INPUT_INVALID');
          expect('error' in d && d.error.message).toMatch(/^invalid UTF-8: byte 0x[0-9a-f]{2} at offset \d+$/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a file that holds U+FFFD itself, and refuses one whose bytes decode to it', () => {
    expect(decode('f.yaml', Buffer.from('name: a\uFFFDb\n'))).toEqual({ text: 'name: a\uFFFDb\n' });
    expect(decode('f.yaml', Buffer.from([0x6e, 0x3a, 0x20, 0xe9, 0x0a]))).toEqual({
      error: expect.objectContaining({ code: 'INPUT_INVALID', message: 'invalid UTF-8: byte 0xe9 at offset 3', line: 1, column: 4 }),
    });
  });
});
