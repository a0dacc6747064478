import { spawn } from 'node:child_process';
import { closeSync, constants as fs, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../cli/cli-error.js';
import { ExitCode } from '../cli/exit-codes.js';

/**
 * The NAT lock of a network namespace, held by `nat agent` for as long as it runs: a second
 * agent in the same namespace refuses to start, and `nat apply` refuses to write while an
 * agent keeps the namespace in step (README "nat agent").
 *
 * It is an flock(2) on `/run/poolctl/net-<dev>-<inode>.lock`, named after the inode of the
 * process's network namespace (/proc/self/ns/net: `ip netns exec NS` gives each namespace its
 * own lock). The file is opened here and util-linux flock(1) locks that open file as its fd 3,
 * so the lock is the process's own and ends with it, however it ends (SIGKILL included): no
 * stale pid file to judge. The file names the holder ("pid N (nat agent) since T") for the
 * message of whoever finds it taken. This is the same file and format as `nat apply`'s host
 * lock (issue 13), so one namespace has one lock.
 */

/** NatLock is a held lock; release() lets go of it (idempotent). */
export interface NatLock {
  readonly path: string;
  release(): void;
}

/** LOCK_DIR is where the lock files live: root's, in /run, gone at reboot. */
export const LOCK_DIR = '/run/poolctl';

/** NETNS_SELF is the network namespace of this process. */
const NETNS_SELF = '/proc/self/ns/net';

function lockError(code: 'HOST_LOCKED' | 'HOST_LOCK_UNSAFE' | 'HOST_COMMAND_FAILED', message: string, hint?: string): CliError {
  return new CliError(code, message, { exitCode: ExitCode.UNAVAILABLE, ...(hint ? { hint } : {}) });
}

/** namespaceLockPath is the lock file of this process's network namespace in dir. */
export function namespaceLockPath(dir = LOCK_DIR): string {
  const ns = statSync(NETNS_SELF);
  return join(dir, `net-${ns.dev}-${ns.ino}.lock`);
}

/** lockHolder reads who holds a lock file ("poolctl nat agent (pid 123, since ...)"), or null when the file names none. */
export function lockHolder(path: string): { text: string; what: string; pid: number } | null {
  let text = '';
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
  const m = /^pid (\d+) \((.*)\) since (\S+)$/.exec(text);
  return m ? { text: `poolctl ${m[2]} (pid ${m[1]}, since ${m[3]})`, what: m[2]!, pid: Number(m[1]) } : null;
}

/** flockFd runs `flock OPTIONS 3` with fd as its fd 3; resolves with its exit status. */
function flockFd(fd: number, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', [...args, '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? lockError('HOST_COMMAND_FAILED', 'flock not found on PATH: install the package "util-linux"')
          : lockError('HOST_COMMAND_FAILED', `cannot run flock: ${e.message}`),
      ),
    );
    child.on('close', (code) => (code === 0 || code === 1 ? resolve(code) : reject(lockError('HOST_COMMAND_FAILED', `flock failed (${code}): ${err.trim()}`))));
  });
}

/**
 * lockNamespace takes the NAT lock of this process's network namespace for `what` (e.g. "nat
 * agent") without waiting: HOST_LOCKED (exit 3) naming the holder when another process has
 * it. The directory is created (0700) and must belong to root and be writable by it alone.
 */
export async function lockNamespace(what: string, dir = LOCK_DIR): Promise<NatLock> {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError('HOST_LOCK_UNSAFE', `cannot create the lock directory ${dir}: ${(e as Error).message}`);
  }
  const st = lstatSync(dir);
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
  if (!st.isDirectory() || st.uid !== uid || st.mode & 0o022) {
    throw lockError('HOST_LOCK_UNSAFE', `cannot use the lock directory ${dir}: it must be a directory of uid ${uid} that no one else may write`);
  }
  const path = namespaceLockPath(dir);
  for (;;) {
    const fd = openSync(path, fs.O_RDWR | fs.O_CREAT | fs.O_NOFOLLOW, 0o600);
    let held = false;
    try {
      if ((await flockFd(fd, ['--exclusive', '--nonblock'])) === 1) {
        const holder = lockHolder(path);
        throw lockError(
          'HOST_LOCKED',
          `${what}: ${holder?.text ?? 'another poolctl process'} holds the NAT lock of this network namespace (${path})`,
          holder?.what !== 'nat agent'
            ? 'run it again when the other run has finished'
            : what === 'nat agent'
              ? 'an agent already keeps this namespace in step: leave it running, or stop it first (SIGTERM)'
              : 'the agent programs the pools of the datastore: change them there, or stop the agent (SIGTERM) to program this host by hand',
        );
      }
      // the holder we raced with may have removed the file: then lock the new one
      let current: number | null = null;
      try {
        current = statSync(path).ino;
      } catch {
        // removed
      }
      if (current !== fstatSync(fd).ino) continue;
      ftruncateSync(fd, 0);
      writeSync(fd, `pid ${process.pid} (${what}) since ${new Date().toISOString()}\n`, 0);
      held = true;
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
          closeSync(fd);
        },
      };
    } finally {
      if (!held) closeSync(fd);
    }
  }
}
