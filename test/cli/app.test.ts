import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runApp } from '../../src/cli/app.js';
import { dispatch } from '../../src/cli/dispatch.js';
import { fastParse, joinDashValues } from '../../src/cli/fast-args.js';
import type { BaseContext } from '../../src/cli/make-context.js';
import { loadAllCommands } from '../../src/commands/index.js';

const commands = await loadAllCommands();

/** base is a BaseContext over buffered streams; err() returns what went to stderr. */
function base(): { ctx: BaseContext; out: () => string; err: () => string } {
  const sink = () => {
    const chunks: string[] = [];
    return { stream: new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }), text: () => chunks.join('') };
  };
  const out = sink();
  const err = sink();
  const ctx: BaseContext = {
    io: { stdin: Readable.from(['']), stdout: out.stream, stderr: err.stream, stdoutIsTTY: false, stderrIsTTY: false },
    env: { POOLCTL_STORE: '/nonexistent/poolctl-test-store' },
    cwd: '/',
  };
  return { ctx, out: out.text, err: err.text };
}

describe('a string option given without its value', () => {
  it.each([
    [['validate', '-f'], 'poolctl validate: flag -f needs a value', 'validate'],
    [['get', 'ippools', '-o'], 'poolctl get: flag -o needs a value', 'get'],
    [['nat', 'explain', '--flows'], 'poolctl nat explain: flag --flows needs a value', 'nat explain'],
    [['validate', '-f', ''], '-f/--filename needs a file name, not an empty value', 'validate'],
    [['nat', 'render', '-f', 'x.yaml', '-f', ''], '-f/--filename needs a file name, not an empty value', 'nat render'],
  ])('%j: the fast parser leaves it to yargs, which answers with a usage error (exit 2)', async (argv, message, command) => {
    expect(fastParse(joinDashValues(argv, commands), commands)).toBeNull();
    const y = base();
    expect(await runApp(argv, commands, y.ctx)).toBe(2);
    expect(y.err()).toBe(`${message}\nhint: run 'poolctl ${command} --help' for usage\n`);
    const d = base();
    expect(await dispatch(argv, d.ctx)).toBe(2);
    expect(d.err()).toBe(y.err());
    expect(d.out()).toBe('');
  });

  it('an error a command throws is still not a usage error', async () => {
    const b = base();
    // `get` on a store path that cannot be a directory: the datastore's own error (exit 3).
    // (POOLCTL_STORE: a --store that is not a directory is refused before the store is opened.)
    const code = await runApp(['get', 'ippools'], commands, { ...b.ctx, env: { POOLCTL_STORE: '/dev/null' } });
    expect(code).toBe(3);
    expect(b.err()).not.toContain('--help');
  });
});
