import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { BIN, ROOT } from './paths.js';

export { BIN, ROOT };

let dataHome: string | undefined;
/**
 * privateDataHome returns this test process's own XDG_DATA_HOME (made on first use) inside
 * the run's directory (global-setup.ts), which is removed when the run ends.
 */
function privateDataHome(): string {
  dataHome ??= mkdtempSync(join(inject('testRoot'), 'data-'));
  return dataHome;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * runCli spawns the built bin/poolctl.js with the given arguments, optional stdin and
 * environment additions, and resolves with its exit code and output.
 */
export function runCli(
  args: readonly string[],
  opts: { input?: string | Buffer; env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  // XDG_DATA_HOME points the default embedded store at a private directory, so no test ever
  // touches the real ~/.local/share/poolctl; a test may still override it.
  return spawnCollect(process.execPath, [BIN, ...args], { ...opts, env: { NO_COLOR: '1', XDG_DATA_HOME: privateDataHome(), ...opts.env } });
}

/**
 * spawnCollect spawns cmd with argv (never through a shell) in cwd (default ROOT), with the
 * test's environment plus env (an undefined value unsets a variable) and stdin input; it
 * resolves with the exit code and output, killing the child after timeoutMs (default 60 s).
 * onStart is told the child's pid (a test that kills it).
 */
export function spawnCollect(
  cmd: string,
  argv: readonly string[],
  opts: {
    input?: string | Buffer;
    env?: Record<string, string | undefined>;
    cwd?: string;
    timeoutMs?: number;
    onStart?: (pid: number) => void;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(cmd, argv, {
      cwd: opts.cwd ?? ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) opts.onStart?.(child.pid);
    const out: Buffer[] = [];
    const errs: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => errs.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errs).toString('utf8') });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
