import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PoolctlError, usageError } from '../../src/base/errors.js';
import { reportError } from '../../src/cli/report-error.js';

function stderr(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(c: Buffer | string, _e, cb) {
      chunks.push(c.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('reportError', () => {
  it('prints the message, the position and the hint, and returns the exit status of the code', () => {
    const err = stderr();
    const e = new PoolctlError('INPUT_INVALID', 'bad pool', { source: { file: 'p.yaml', line: 3, col: 7 }, hint: 'fix it' });
    expect(reportError(e, { stderr: err.stream }, {})).toBe(1);
    expect(err.text()).toBe('p.yaml:3:7: bad pool\nhint: fix it\n');
    const usage = stderr();
    expect(reportError(usageError('no such flag'), { stderr: usage.stream }, {})).toBe(2);
    expect(usage.text()).toBe('no such flag\n');
  });

  it("prints the code's hint from the table when the error has none", () => {
    const err = stderr();
    expect(reportError(new PoolctlError('FLOW_INVALID', 'flows.txt:2: bad address'), { stderr: err.stream }, {})).toBe(2);
    expect(err.text()).toBe('flows.txt:2: bad address\nhint: each line is "SRC DST"; # starts a comment\n');
  });

  it('prints nothing for an error already reported, and still maps its code', () => {
    const err = stderr();
    expect(reportError(new PoolctlError('DATASTORE_UNREACHABLE', 'etcd is gone', { reported: true }), { stderr: err.stream }, {})).toBe(3);
    expect(err.text()).toBe('');
  });

  it('calls anything else a bug, with the stack only when the injected env sets POOLCTL_DEBUG', () => {
    const plain = stderr();
    const saved = process.env.POOLCTL_DEBUG;
    process.env.POOLCTL_DEBUG = '1';
    try {
      expect(reportError(new TypeError('x is undefined'), { stderr: plain.stream }, {})).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.POOLCTL_DEBUG;
      else process.env.POOLCTL_DEBUG = saved;
    }
    expect(plain.text()).toBe('internal error: x is undefined\nThis is a bug in poolctl; please report it with the command you ran.\n');
    const debug = stderr();
    reportError(new TypeError('x is undefined'), { stderr: debug.stream }, { POOLCTL_DEBUG: '1' });
    expect(debug.text()).toMatch(/^internal error: x is undefined\n.*\nTypeError: x is undefined\n\s+at /s);
  });
});
