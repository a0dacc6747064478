import { closeSync, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync, constants as fs } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../cli/cli-error.js';
import { ExitCode } from '../cli/exit-codes.js';
import type { HostExec } from './host-exec.js';

/**
 * The host lock: `nat apply` and `nat status` hold it from their first read of the kernel to
 * their last write, so that two runs never interleave (two applies would otherwise create,
 * swap and destroy each other's temporary ipsets, and a status would see an apply half done).
 *
 * "Host" is the network namespace the kernel objects live in: ipsets, iptables and nft tables
 * all belong to one. The lock is an flock(2) on `/run/poolctl/net-<dev>-<inode>.lock`, named
 * after the inode of that namespace (`/proc/self/ns/net`, or `/run/netns/NAME` for a HostExec
 * working in another one): runs in one namespace exclude each other, runs in different
 * namespaces do not.
 *
 * Why flock on a file, and how without flock in Node's core:
 *   - an flock lock belongs to the open file, so it ends when the last descriptor of it is
 *     closed: a holder killed with SIGKILL cannot leave it stuck (no stale pid file to judge);
 *   - poolctl opens the file and hands the descriptor to util-linux `flock(1)` as its fd 3
 *     (`flock --exclusive 3`): the lock taken is on poolctl's own open file, and stays when
 *     flock exits. Every tool apply runs gets the descriptor too (HostExec.inherit), so a tool
 *     still running after poolctl was killed keeps the next run waiting until it has finished;
 *   - an abstract Unix socket (iptables 1.4's "@xtables") would be scoped to the network
 *     namespace by the kernel, but any local user could bind the name and block root's apply;
 *     a file in a directory only root may write cannot be taken by anyone else;
 *   - mount namespaces: the file must be the same file for every run in the namespace. Runs
 *     under `ip netns exec` share /run with the host; a container that runs poolctl must
 *     mount the host's /run/poolctl, as it mounts /run/xtables.lock for iptables.
 * A holder removes the file when it lets go (a waiter that then locks the removed file sees
 * that and starts again), so /run/poolctl holds files only for locks held or abandoned.
 */

/** HostLock is a held lock; release() lets go of it (idempotent). */
export interface HostLock {
  readonly path: string;
  release(): void;
}

/** LockOptions: what is waiting (for messages), how long to wait, and where to say so. */
export interface LockOptions {
  /** what: the command, e.g. "nat apply" */
  readonly what: string;
  /** timeoutMs: how long to wait for another run to finish (0: do not wait) */
  readonly timeoutMs: number;
  /** onWait is told once, when the lock is held by another run and this one starts waiting. */
  readonly onWait?: (message: string) => void;
  /** dir holds the lock files (default /run/poolctl; tests). */
  readonly dir?: string;
}

/** LOCK_DIR is where the lock files live: root's, in /run, gone at reboot. */
export const LOCK_DIR = '/run/poolctl';

function unsafe(dir: string, why: string): CliError {
  return new CliError('HOST_LOCK_UNSAFE', `cannot use the lock directory ${dir}: ${why}`, {
    exitCode: ExitCode.UNAVAILABLE,
    hint: `it must be a directory owned by root and writable by root only; remove it and poolctl creates it (mode 0700)`,
  });
}

/** lockDir creates dir (0700) when missing and checks that no one but root may write in it. */
function lockDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw unsafe(dir, (e as Error).message);
  }
  const st = lstatSync(dir);
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
  if (!st.isDirectory()) throw unsafe(dir, 'it is not a directory');
  if (st.uid !== uid) throw unsafe(dir, `it belongs to uid ${st.uid}`);
  if (st.mode & 0o022) throw unsafe(dir, `its mode is ${(st.mode & 0o777).toString(8)}`);
}

/** lockPath is the lock file of the network namespace the tools of exec work in. */
export function lockPath(exec: HostExec, dir = LOCK_DIR): string {
  const ns = statSync(exec.netnsPath());
  return join(dir, `net-${ns.dev}-${ns.ino}.lock`);
}

const ANOTHER = 'another poolctl run';

/** holderOf describes the run named in a lock file ("pid 123 (nat apply) since ..."), saying when that process is gone. */
function holderOf(path: string): string {
  let text = '';
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    // gone in between
  }
  const m = /^pid (\d+) \((.*)\) since (\S+)$/.exec(text);
  if (!m) return ANOTHER;
  let alive = true;
  try {
    process.kill(Number(m[1]), 0);
  } catch (e) {
    alive = (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return alive
    ? `poolctl ${m[2]} (pid ${m[1]}, since ${m[3]})`
    : `a tool started by poolctl ${m[2]} (pid ${m[1]}, since ${m[3]}, no longer running)`;
}

/**
 * lockHost takes the host lock of exec's network namespace, waiting up to opts.timeoutMs for
 * another run to finish (telling opts.onWait once). It fails with HOST_LOCKED (exit 3) when
 * the wait ends, HOST_TOOL_MISSING without flock(1). While held, every tool exec starts
 * inherits the lock (see above).
 */
export async function lockHost(exec: HostExec, opts: LockOptions): Promise<HostLock> {
  const dir = opts.dir ?? LOCK_DIR;
  lockDir(dir);
  const path = lockPath(exec, dir);
  const deadline = Date.now() + opts.timeoutMs;
  let told = false;
  let holder = '';
  for (;;) {
    const fd = openSync(path, fs.O_RDWR | fs.O_CREAT | fs.O_NOFOLLOW, 0o600);
    let locked = false;
    try {
      exec.inherit(fd);
      let r = await exec.run('flock', ['--exclusive', '--nonblock', '3']);
      if (r.code === 1) {
        holder = holderOf(path);
        // the holder names itself just after it got the lock: give it a moment to
        if (holder === ANOTHER) {
          await new Promise((res) => setTimeout(res, 200));
          holder = holderOf(path);
        }
        const left = deadline - Date.now();
        if (left > 0) {
          if (!told) {
            opts.onWait?.(`waiting for ${holder} to finish: it holds the NAT lock of this network namespace (${path}); waiting up to ${Math.ceil(left / 1000)} s`);
            told = true;
          }
          r = await exec.run('flock', ['--exclusive', '--wait', (left / 1000).toFixed(3), '3'], { timeoutMs: left + 10_000 });
        }
      }
      if (r.code !== 0 && r.code !== 1) {
        throw new CliError('HOST_COMMAND_FAILED', `cannot take the NAT lock ${path}: flock exited with status ${r.code}: ${r.stderr.trim()}`, {
          exitCode: ExitCode.UNAVAILABLE,
        });
      }
      if (r.code === 1) {
        throw new CliError(
          'HOST_LOCKED',
          `${opts.what}: ${holder || holderOf(path)} holds the NAT lock of this network namespace (${path}), and it was not released within ${opts.timeoutMs / 1000} s`,
          { exitCode: ExitCode.UNAVAILABLE, hint: 'run it again when the other run has finished, or wait longer with --lock-timeout SECONDS' },
        );
      }
      // the file may have been removed by the holder we waited for: then lock the new one
      let current: number | null = null;
      try {
        current = statSync(path).ino;
      } catch {
        // removed
      }
      if (current !== fstatSync(fd).ino) continue;
      ftruncateSync(fd, 0);
      writeSync(fd, `pid ${process.pid} (${opts.what}) since ${new Date().toISOString()}\n`, 0);
      locked = true;
      let held = true;
      return {
        path,
        release() {
          if (!held) return;
          held = false;
          exec.inherit(null);
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
          closeSync(fd);
        },
      };
    } finally {
      if (!locked) {
        exec.inherit(null);
        closeSync(fd);
      }
    }
  }
}
