import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { delimiter, join } from 'node:path';
import { PoolctlError } from '../base/errors.js';

/** ExecResult is what one finished system command produced. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * RunOptions: stdin and a timeout (default 60 s). Stdin is a string or an iterable of chunks
 * (strings or UTF-8 bytes), written as the tool reads them (a large restore input is produced
 * while the tool works through it, and never held whole).
 */
export interface RunOptions {
  readonly input?: string | Iterable<string | Uint8Array>;
  readonly timeoutMs?: number;
}

/**
 * HostExec is the only way poolctl runs system commands: a tool name and an argument array
 * (never a shell), optional stdin, a timeout, captured stdout/stderr. run() resolves with the
 * exit status of a command that ran; it throws PoolctlError when the tool is missing
 * (HOST_TOOL_MISSING, naming the package to install), when the host refuses for want of
 * privileges (HOST_NOT_ROOT), or when the command cannot start or times out
 * (HOST_COMMAND_UNAVAILABLE). Callers decide what a non-zero status means.
 */
export interface HostExec {
  run(tool: string, args: readonly string[], opts?: RunOptions): Promise<ExecResult>;
  /** has reports whether the tool is on PATH (an executable file). */
  has(tool: string): boolean;
  /** requireRoot throws HOST_NOT_ROOT unless running as root. */
  requireRoot(what: string): void;
  /**
   * start starts a tool that runs until its stdin ends (the host lock's holder): stdin and
   * stdout are the caller's; `done` resolves with its exit status and stderr once it has
   * exited (stdout empty), and rejects as run() does when it cannot start.
   */
  start(tool: string, args: readonly string[]): StartedTool;
  /**
   * inherit makes `stream` (a pipe) the fd 3 of every tool started from now on (null: none).
   * The host lock (host-lock.ts) is passed on so: its holder runs until no process holds
   * that pipe any more, so the lock stays held while a tool poolctl started still runs, even
   * when poolctl was killed.
   */
  inherit(stream: Writable | null): void;
}

/** StartedTool is a tool start() started: its stdin, its stdout, and its end. */
export interface StartedTool {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly done: Promise<ExecResult>;
  /** detach lets poolctl exit while the tool still runs (it no longer waits for it). */
  detach(): void;
}

/** HostExecOptions: the environment (PATH decides which tools run) and an optional netns. */
export interface HostExecOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** netns runs every tool as `ip netns exec NETNS tool ...` (tests, benchmarks). */
  readonly netns?: string;
  /** euid overrides the effective uid (tests of the not-root path). */
  readonly euid?: number;
  /**
   * signal, when aborted, kills the tools still running (a command that fails while its
   * reads of the kernel are under way does not wait for them).
   */
  readonly signal?: AbortSignal;
}

/** TOOL_PACKAGES maps each tool poolctl runs to the Debian/Ubuntu/Fedora package that ships it. */
const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  iptables: 'iptables',
  ip6tables: 'iptables',
  'iptables-save': 'iptables',
  'ip6tables-save': 'iptables',
  'iptables-restore': 'iptables',
  'ip6tables-restore': 'iptables',
  ipset: 'ipset',
  nft: 'nftables',
  ip: 'iproute2',
  flock: 'util-linux',
  cat: 'coreutils',
  mkdir: 'coreutils',
  stat: 'coreutils',
  sed: 'sed',
};

const DEFAULT_TIMEOUT_MS = 60_000;

/** toolMissing is the HOST_TOOL_MISSING error for a tool that is not installed. */
export function toolMissing(tool: string): PoolctlError {
  // iptables-legacy-save, ip6tables-nft-restore, ...: the iptables package too
  const pkg = TOOL_PACKAGES[tool] ?? (/^ip6?tables-/.test(tool) ? 'iptables' : tool);
  return new PoolctlError('HOST_TOOL_MISSING', `${tool} not found on PATH: install the package "${pkg}"`, {
    hint: `e.g. apt-get install ${pkg} (Debian/Ubuntu) or dnf install ${pkg} (Fedora/RHEL)`,
  });
}

function notRoot(what: string, detail?: string): PoolctlError {
  return new PoolctlError(
    'HOST_NOT_ROOT',
    `${what} needs root (CAP_NET_ADMIN) to read and program the kernel's NAT tables${detail ? `: ${detail}` : ''}`,
    { hint: 'run it as root, e.g. sudo poolctl nat ...' },
  );
}

// Messages the tools print when the kernel refuses for want of privileges.
const PERMISSION_RE = /Permission denied \(you must be root\)|you must be root|Operation not permitted|Kernel error received: Operation not permitted/;

/** findOnPath returns the path of an executable named tool on the PATH in env, or null. */
export function findOnPath(tool: string, env: Readonly<Record<string, string | undefined>>): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, tool);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

// What the tools may see of poolctl's environment: where to find programs, the locale, and
// the xtables settings iptables reads (XTABLES_LOCKFILE, XTABLES_LIBDIR; IPTABLES_LIB_DIR and
// IP6TABLES_LIB_DIR in older releases). Nothing else: no ETCD_PASSWORD, no other secret.
const TOOL_ENV_RE = /^(?:PATH|LANG|LANGUAGE|LC_[A-Z_]+|XTABLES_[A-Z_]+|IP6?TABLES_LIB_DIR)$/;

/** toolEnv is the environment the tools run with: the TOOL_ENV_RE variables of env, and LC_ALL=C. */
export function toolEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && TOOL_ENV_RE.test(k)) out[k] = v;
  out.LC_ALL = 'C';
  return out;
}

/** createHostExec returns the spawning HostExec (argument arrays, no shell). */
export function createHostExec(opts: HostExecOptions): HostExec {
  const env = toolEnv(opts.env);
  const euid = opts.euid ?? (typeof process.geteuid === 'function' ? process.geteuid() : 0);
  let inherited: Writable | null = null;
  const command = (tool: string, args: readonly string[]): [string, string[]] =>
    opts.netns ? ['ip', ['netns', 'exec', opts.netns, tool, ...args]] : [tool, [...args]];
  /** failedToStart is run()'s and start()'s error for a tool that could not be started. */
  const failedToStart = (cmd: string, tool: string, e: NodeJS.ErrnoException): PoolctlError =>
    e.code === 'ENOENT'
      ? toolMissing(cmd)
      : e.code === 'EACCES'
        ? notRoot(tool, e.message)
        : new PoolctlError('HOST_COMMAND_UNAVAILABLE', `cannot run ${tool}: ${e.message}`);

  const exec: HostExec = {
    has: (tool) => findOnPath(tool, env) !== null,
    requireRoot(what) {
      if (euid !== 0) throw notRoot(what, `running as uid ${euid}`);
    },
    inherit(stream) {
      inherited = stream;
    },
    start(tool, args) {
      const [cmd, argv] = command(tool, args);
      const child = spawn(cmd, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
      const errs: Buffer[] = [];
      child.stderr.on('data', (b: Buffer) => errs.push(b));
      child.stdin.on('error', () => {
        // the tool is gone; done tells how it ended
      });
      const done = new Promise<ExecResult>((resolve, reject) => {
        child.on('error', (e: NodeJS.ErrnoException) => reject(failedToStart(cmd, tool, e)));
        child.on('close', (code, signal) => {
          const stderr = Buffer.concat(errs).toString('utf8');
          const status = code ?? (signal ? 128 : 1);
          if (opts.netns && status !== 0 && /^exec of "[^"]*" failed: No such file or directory/.test(stderr)) reject(toolMissing(tool));
          else resolve({ code: status, stdout: '', stderr });
        });
      });
      const detach = (): void => {
        child.unref();
        for (const s of [child.stdin, child.stdout, child.stderr] as const) (s as Partial<{ unref(): void }>).unref?.();
      };
      return { stdin: child.stdin, stdout: child.stdout, done, detach };
    },
    run(tool, args, runOpts = {}) {
      const [cmd, argv] = command(tool, args);
      const stdio: ('pipe' | Writable)[] = inherited === null ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', inherited];
      return new Promise<ExecResult>((resolve, reject) => {
        // stdin, stdout and stderr are always pipes (fd 3, when inherited, is the lock)
        const child = spawn(cmd, argv, { env, stdio, ...(opts.signal ? { signal: opts.signal } : {}) }) as ChildProcessWithoutNullStreams;
        const out: Buffer[] = [];
        const errs: Buffer[] = [];
        let timedOut = false;
        const timeoutMs = runOpts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs);
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.stderr.on('data', (b: Buffer) => errs.push(b));
        child.on('error', (e: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          reject(failedToStart(cmd, tool, e));
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          const stdout = Buffer.concat(out).toString('utf8');
          const stderr = Buffer.concat(errs).toString('utf8');
          if (timedOut) {
            reject(new PoolctlError('HOST_COMMAND_UNAVAILABLE', `${tool} ${args.join(' ')} did not finish within ${timeoutMs / 1000} s`));
            return;
          }
          const status = code ?? (signal ? 128 : 1);
          // `ip netns exec` reports a missing tool itself.
          if (opts.netns && status !== 0 && /^exec of "[^"]*" failed: No such file or directory/.test(stderr)) {
            reject(toolMissing(tool));
            return;
          }
          if (status !== 0 && PERMISSION_RE.test(stderr)) {
            reject(notRoot(tool, stderr.trim().split('\n')[0]));
            return;
          }
          resolve({ code: status, stdout, stderr });
        });
        let stdinFailed = false;
        child.stdin.on('error', () => {
          // the tool exited before reading all of stdin; its status tells what happened
          stdinFailed = true;
        });
        const input = runOpts.input ?? '';
        if (typeof input === 'string') {
          child.stdin.end(input);
          return;
        }
        // write chunks until the pipe is full, go on when it drains; stop if the tool is gone
        const chunks = input[Symbol.iterator]();
        const pump = (): void => {
          while (!stdinFailed) {
            const next = chunks.next();
            if (next.done) {
              child.stdin.end();
              return;
            }
            if (!child.stdin.write(next.value)) {
              child.stdin.once('drain', pump);
              return;
            }
          }
        };
        pump();
      });
    },
  };
  return exec;
}

/** commandFailed is the HOST_COMMAND_FAILED error for a tool that ran and failed. */
export function commandFailed(tool: string, what: string, r: ExecResult): PoolctlError {
  const msg = (r.stderr.trim() || r.stdout.trim() || `exit status ${r.code}`).split('\n').slice(0, 12).join('\n  ');
  return new PoolctlError('HOST_COMMAND_FAILED', `failed to ${what}: ${tool} exited with status ${r.code}:\n  ${msg}`);
}
