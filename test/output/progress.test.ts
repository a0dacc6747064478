import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/output/progress.js';

describe('createProgress', () => {
  it('draws on a terminal, showing a label that names an input visibly', () => {
    const chunks: string[] = [];
    const stderr = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
    const p = createProgress({ stderr, stderrIsTTY: true }, 200, 'explaining fl\u001b]0;x\u0007ows.txt');
    p.tick(200);
    expect(chunks).toEqual(['\rexplaining fl\\x1b]0;x\\x07ows.txt [##############################] 200/200 100%']);
    p.done();
    expect(chunks.at(-1)).toBe('\r\u001b[2K');
  });

  it('is silent when stderr is not a terminal', () => {
    const chunks: string[] = [];
    const stderr = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
    const p = createProgress({ stderr, stderrIsTTY: false }, 1000, 'x');
    p.tick(500);
    p.done();
    expect(chunks).toEqual([]);
  });
});
