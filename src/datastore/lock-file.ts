import { closeSync, constants as fs, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PoolctlError } from '../base/errors.js';

// The file side of the network namespace's NAT lock (host/namespace-lock.ts takes the flock):
// a directory only root may write, a lock file named after the namespace, the line naming
// its holder, and its removal when the holder lets go. Here because only datastore/ and
// manifest/ touch files.

/** LOCK_DIR is where the lock files live: root's, in /run, gone at reboot. */
export const LOCK_DIR = '/run/poolctl';

/** NETNS_SELF is the network namespace of this process. */
const NETNS_SELF = '/proc/self/ns/net';

/** unsafeDir is HOST_LOCK_UNSAFE for a lock directory others could write in (or that cannot be made). */
function unsafeDir(dir: string, why: string): PoolctlError {
  return new PoolctlError('HOST_LOCK_UNSAFE', `cannot use the lock directory ${dir}: ${why}`, {
    hint: 'it must be a directory owned by root and writable by root only; remove it and poolctl creates it (mode 0700)',
  });
}

/**
 * prepareLockDir creates dir (0700) when it is missing and checks that it is a directory of
 * this user that no one else may write (HOST_LOCK_UNSAFE otherwise): a lock file elsewhere
 * could be taken, or replaced, by another user.
 */
export function prepareLockDir(dir = LOCK_DIR): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw unsafeDir(dir, (e as Error).message);
  }
  const st = lstatSync(dir);
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
  if (!st.isDirectory()) throw unsafeDir(dir, 'it is not a directory');
  if (st.uid !== uid) throw unsafeDir(dir, `it belongs to uid ${st.uid}`);
  if (st.mode & 0o022) throw unsafeDir(dir, `its mode is ${(st.mode & 0o777).toString(8)}`);
}

/** namespaceLockPath is the lock file of this process's network namespace in dir: net-<dev>-<inode>.lock. */
export function namespaceLockPath(dir = LOCK_DIR): string {
  const ns = statSync(NETNS_SELF);
  return join(dir, `net-${ns.dev}-${ns.ino}.lock`);
}

/** LockHolder is who a lock file names: "pid N (WHAT) since TIME". */
export interface LockHolder {
  /** text describes it for messages: "poolctl nat agent (pid 123, since ...)". */
  readonly text: string;
  readonly what: string;
  readonly pid: number;
}

/** readLockHolder reads who a lock file names, or null when it names none (or is gone). */
export function readLockHolder(path: string): LockHolder | null {
  let text = '';
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
  const m = /^pid (\d+) \((.*)\) since (\S+)$/.exec(text);
  return m ? { text: `poolctl ${m[2]} (pid ${m[1]}, since ${m[3]})`, what: m[2]!, pid: Number(m[1]) } : null;
}

/** LockFile is an open lock file: its descriptor, for flock, and what to do once locked or given up. */
export interface LockFile {
  readonly path: string;
  readonly fd: number;
  /** current reports whether path still names this open file (a holder removes the file when it lets go). */
  current(): boolean;
  /** claim writes the holder line for this process ("pid N (what) since TIME"). */
  claim(what: string): void;
  /** close closes the descriptor (the lock, if any, ends with it); with remove, the file is removed first. */
  close(remove: boolean): void;
}

/** openLockFile opens (creating, 0600, never through a symlink) the lock file at path. */
export function openLockFile(path: string): LockFile {
  const fd = openSync(path, fs.O_RDWR | fs.O_CREAT | fs.O_NOFOLLOW, 0o600);
  let closed = false;
  return {
    path,
    fd,
    current() {
      try {
        return statSync(path).ino === fstatSync(fd).ino;
      } catch {
        return false;
      }
    },
    claim(what) {
      ftruncateSync(fd, 0);
      writeSync(fd, `pid ${process.pid} (${what}) since ${new Date().toISOString()}\n`, 0);
    },
    close(remove) {
      if (closed) return;
      closed = true;
      if (remove) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
      closeSync(fd);
    },
  };
}
