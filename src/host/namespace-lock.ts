import { spawn } from 'node:child_process';
import { PoolctlError } from '../base/errors.js';
import { LOCK_DIR, namespaceLockPath, openLockFile, prepareLockDir, readLockHolder } from '../datastore/lock-file.js';

/**
 * The NAT lock of a network namespace, held by `nat agent` for as long as it runs: a second
 * agent in the same namespace refuses to start, and `nat apply` refuses to write while an
 * agent keeps the namespace in step (README "nat agent").
 *
 * It is an flock(2) on `/run/poolctl/net-<dev>-<inode>.lock`, named after the inode of the
 * process's network namespace (/proc/self/ns/net: `ip netns exec NS` gives each namespace its
 * own lock; datastore/lock-file.ts keeps the file). The file is opened by poolctl and
 * util-linux flock(1) locks that open file as its fd 3, so the lock is the process's own and
 * ends with it, however it ends (SIGKILL included): no stale pid file to judge. The file names
 * the holder ("pid N (nat agent) since T") for the message of whoever finds it taken. This is
 * the same file and format as `nat apply`'s host lock (issue 13), so one namespace has one
 * lock; once that lands, the two become one mechanism.
 */

/** NatLock is a held lock; release() lets go of it (idempotent). */
export interface NatLock {
  readonly path: string;
  release(): void;
}

/** flockFd runs `flock OPTIONS 3` with fd as its fd 3; resolves with its exit status (0 locked, 1 held by another). */
function flockFd(fd: number, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', [...args, '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new PoolctlError('HOST_TOOL_MISSING', 'flock not found on PATH: install the package "util-linux"')
          : new PoolctlError('HOST_COMMAND_UNAVAILABLE', `cannot run flock: ${e.message}`),
      ),
    );
    child.on('close', (code) =>
      code === 0 || code === 1 ? resolve(code) : reject(new PoolctlError('HOST_COMMAND_FAILED', `flock failed (${code}): ${err.trim()}`)),
    );
  });
}

/**
 * lockNamespace takes the NAT lock of this process's network namespace for `what` (e.g. "nat
 * agent") without waiting: HOST_LOCKED naming the holder when another process has it,
 * HOST_LOCK_UNSAFE when the directory is not root's alone.
 */
export async function lockNamespace(what: string, dir = LOCK_DIR): Promise<NatLock> {
  prepareLockDir(dir);
  const path = namespaceLockPath(dir);
  for (;;) {
    const file = openLockFile(path);
    let held = false;
    try {
      if ((await flockFd(file.fd, ['--exclusive', '--nonblock'])) === 1) {
        const holder = readLockHolder(path);
        throw new PoolctlError('HOST_LOCKED', `${what}: ${holder?.text ?? 'another poolctl process'} holds the NAT lock of this network namespace (${path})`, {
          hint:
            holder?.what !== 'nat agent'
              ? 'run it again when the other run has finished'
              : what === 'nat agent'
                ? 'an agent already keeps this namespace in step: leave it running, or stop it first (SIGTERM)'
                : 'the agent programs the pools of the datastore: change them there, or stop the agent (SIGTERM) to program this host by hand',
        });
      }
      // the holder we raced with may have removed the file: then lock the new one
      if (!file.current()) continue;
      file.claim(what);
      held = true;
      return { path, release: () => file.close(true) };
    } finally {
      if (!held) file.close(false);
    }
  }
}
