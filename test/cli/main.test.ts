import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main, type Proc } from '../../src/cli/main.js';

function proc(argv: string[], warnings: unknown[][]): Proc & { out: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(c: Buffer | string, _e, cb) {
      chunks.push(c.toString());
      cb();
    },
  });
  return {
    argv: ['node', 'poolctl', ...argv],
    env: {},
    stdin: Readable.from(['']),
    stdout: out,
    stderr: out,
    cwd: () => process.cwd(),
    emitWarning: (...args: unknown[]) => void warnings.push(args),
    exit: () => {
      throw new Error('main ended the process early');
    },
    out: () => chunks.join(''),
  };
}

describe('main', () => {
  it('answers version and sets the exit status', async () => {
    const p = proc(['version'], []);
    await main(p);
    expect(p.exitCode).toBe(0);
    expect(p.out()).toMatch(/^poolctl version \S+ \(Calico v3\.31 semantics, node /);
  });

  it('silences DEP0123 (TLS server name is an IP address) and no other warning', async () => {
    const warnings: unknown[][] = [];
    const p = proc(['completion', 'bash'], warnings);
    await main(p);
    expect(p.exitCode).toBe(0);
    p.emitWarning!('Setting the TLS ServerName to an IP address is not permitted by RFC 6066.', 'DeprecationWarning', 'DEP0123');
    p.emitWarning!('the same, as options', { type: 'DeprecationWarning', code: 'DEP0123' });
    p.emitWarning!('Buffer() is deprecated', 'DeprecationWarning', 'DEP0005');
    p.emitWarning!('an experimental feature');
    expect(warnings).toEqual([['Buffer() is deprecated', 'DeprecationWarning', 'DEP0005'], ['an experimental feature']]);
    // A second run in the same process does not wrap twice.
    await main(p);
    p.emitWarning!('once', 'Warning', 'X1');
    expect(warnings.at(-1)).toEqual(['once', 'Warning', 'X1']);
    expect(warnings).toHaveLength(3);
  });
});
