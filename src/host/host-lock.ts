import { join } from 'node:path';
import { PoolctlError } from '../base/errors.js';
import { commandFailed, toolMissing, type ExecResult, type HostExec, type StartedTool } from './host-exec.js';

/**
 * The host lock: `nat apply` and `nat status` hold it from their first read of the kernel to
 * their last write, so that two runs never interleave (two applies would otherwise create,
 * swap and destroy each other's temporary ipsets, and a status would see an apply half done).
 *
 * "Host" is the network namespace the kernel objects live in: ipsets, iptables and nft tables
 * all belong to one. The lock is an flock(2) on `/run/poolctl/net-<dev>-<inode>.lock`, named
 * after the inode of that namespace (`stat -L /proc/self/ns/net` run where the tools run):
 * runs in one namespace exclude each other, runs in different namespaces do not.
 *
 * How, with host/ touching no file itself (it only runs tools):
 *   - util-linux `flock(1)` takes the lock and runs `sed -u 'w FILE'` while it holds it;
 *     poolctl writes the holder's line ("pid N (nat apply) since T") to sed's stdin, and sed
 *     writes it into the lock file, then echoes it: the echo says the lock is held and named.
 *     The lock ends when sed ends, that is when no process holds sed's stdin any more;
 *   - an flock lock belongs to the open file, so a holder killed with SIGKILL cannot leave
 *     it stuck (no stale pid file to judge): its end of sed's stdin closes with it;
 *   - every tool poolctl runs while holding the lock gets that end of sed's stdin as its
 *     fd 3 (HostExec.inherit), so a tool still running after poolctl was killed keeps the next
 *     run waiting until it has finished;
 *   - an abstract Unix socket (iptables 1.4's "@xtables") would be scoped to the network
 *     namespace by the kernel, but any local user could bind the name and block root's apply;
 *     a file in a directory only root may write cannot be taken by anyone else;
 *   - mount namespaces: the file must be the same file for every run in the namespace. Runs
 *     under `ip netns exec` share /run with the host; a container that runs poolctl must
 *     mount the host's /run/poolctl, as it mounts /run/xtables.lock for iptables.
 * The files stay when the lock is let go (removing one safely would race with a waiter that
 * has it open): one small file per network namespace, in /run, gone at reboot.
 */

/** HostLock is a held lock; release() lets go of it (idempotent; see RELEASE_WAIT_MS). */
export interface HostLock {
  readonly path: string;
  release(): Promise<void>;
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
  /**
   * besideAgent: what to do when a running `nat agent` holds the lock (it holds it for its
   * whole life, so waiting is pointless): refuse (HOST_LOCKED at once: a run that writes, or a
   * second agent), or read (a run that only reads goes on without the lock; it may see the
   * agent's write under way). Absent: wait as for any other holder.
   */
  readonly besideAgent?: 'refuse' | 'read';
}

/** LOCK_DIR is where the lock files live: root's, in /run, gone at reboot. */
export const LOCK_DIR = '/run/poolctl';

function unsafe(dir: string, why: string): PoolctlError {
  return new PoolctlError('HOST_LOCK_UNSAFE', `cannot use the lock directory ${dir}: ${why}`, {
    hint: `it must be a directory owned by root and writable by root only; remove it and poolctl creates it (mode 0700)`,
  });
}

/** lockDir creates dir (0700) when missing and checks that no one but root may write in it. */
async function lockDir(exec: HostExec, dir: string): Promise<void> {
  const look = (): Promise<ExecResult> => exec.run('stat', ['-c', '%F|%u|%a', dir]);
  let r = await look();
  if (r.code !== 0) {
    const made = await exec.run('mkdir', ['-p', '-m', '0700', dir]);
    if (made.code !== 0) throw unsafe(dir, made.stderr.trim() || `mkdir exited with status ${made.code}`);
    r = await look();
    if (r.code !== 0) throw unsafe(dir, r.stderr.trim() || `stat exited with status ${r.code}`);
  }
  const [type, owner, mode] = r.stdout.trim().split('|');
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
  if (type !== 'directory') throw unsafe(dir, 'it is not a directory');
  if (Number(owner) !== uid) throw unsafe(dir, `it belongs to uid ${owner}`);
  if (parseInt(mode ?? '0', 8) & 0o022) throw unsafe(dir, `its mode is ${mode}`);
}

/** lockPath is the lock file of the network namespace the tools of exec work in. */
export async function lockPath(exec: HostExec, dir = LOCK_DIR): Promise<string> {
  const r = await exec.run('stat', ['-L', '-c', '%d-%i', '/proc/self/ns/net']);
  if (r.code !== 0 || !/^\d+-\d+$/.test(r.stdout.trim())) throw commandFailed('stat', 'name the network namespace', r);
  return join(dir, `net-${r.stdout.trim()}.lock`);
}

const ANOTHER = 'another poolctl run';

/** AGENT is how a nat agent names itself in the lock file. */
const AGENT = 'nat agent';

/**
 * Holder is who a lock file names: text for messages; agent when it is a running nat agent;
 * settled when the file names a running process (an unnamed holder or a dead pid may be a new
 * holder that has the lock and has not yet written its line over the last one's).
 */
interface Holder {
  readonly text: string;
  readonly agent: boolean;
  readonly settled: boolean;
}

/** holderOf describes the run named in a lock file ("pid 123 (nat apply) since ..."), saying when that process is gone. */
async function holderOf(exec: HostExec, path: string): Promise<Holder> {
  const r = await exec.run('cat', [path]);
  const m = /^pid (\d+) \((.*)\) since (\S+)$/.exec(r.code === 0 ? r.stdout.trim() : '');
  if (!m) return { text: ANOTHER, agent: false, settled: false };
  let alive = true;
  try {
    process.kill(Number(m[1]), 0);
  } catch (e) {
    alive = (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return alive
    ? { text: `poolctl ${m[2]} (pid ${m[1]}, since ${m[3]})`, agent: m[2] === AGENT, settled: true }
    : { text: `a tool started by poolctl ${m[2]} (pid ${m[1]}, since ${m[3]}, no longer running)`, agent: false, settled: false };
}

/** agentLocked is HOST_LOCKED for a run that must not go on beside a running nat agent. */
function agentLocked(what: string, holder: Holder, path: string): PoolctlError {
  return new PoolctlError('HOST_LOCKED', `${what}: ${holder.text} holds the NAT lock of this network namespace (${path})`, {
    hint:
      what === AGENT
        ? 'an agent already keeps this namespace in step: leave it running, or stop it first (SIGTERM)'
        : 'the agent programs the pools of the datastore: change them there, or stop the agent (SIGTERM) to program this host by hand',
  });
}

/**
 * RELEASE_WAIT_MS is how long release() waits for the holder to end: at once when no tool
 * holds the lock any more; a tool still running (a killed tool's child, say) keeps the lock
 * held after that, and poolctl does not wait for it.
 */
const RELEASE_WAIT_MS = 1000;

/**
 * SETTLE_MS is how long a run that finds the lock held by an unnamed holder, or one naming a
 * pid that is gone, looks again (every SETTLE_STEP_MS) before it says who holds it: a new
 * holder writes its line a moment after it took the lock, and on a loaded machine that moment
 * has been seen to exceed 200 ms (CI: "a tool started by poolctl nat apply (..., no longer
 * running)" while a second apply held the lock). A holder still unnamed after it is a tool
 * left running by a run that is gone.
 */
const SETTLE_MS = 1000;
const SETTLE_STEP_MS = 100;

/** BUSY is the status flock(1) exits with when another holds the lock (--conflict-exit-code). */
const BUSY = 75;

/**
 * hold runs `flock FILE sed -u 'w FILE'` (not waiting, or waiting up to waitMs) and resolves with
 * it once it holds the lock (sed wrote and echoed the holder's line), or null when another held the
 * lock throughout.
 */
async function hold(exec: HostExec, path: string, line: string, waitMs: number | null): Promise<StartedTool | null> {
  const wait = waitMs === null ? ['--nonblock'] : ['--wait', (waitMs / 1000).toFixed(3)];
  const holder = exec.start('flock', ['--exclusive', '--conflict-exit-code', String(BUSY), ...wait, path, 'sed', '-u', '-e', `w ${path}`]);
  holder.stdin.write(line);
  const echoed = new Promise<boolean>((resolve) => {
    let seen = '';
    holder.stdout.on('data', (b: Buffer) => {
      seen += b.toString('utf8');
      if (seen.includes('\n')) resolve(true);
    });
    holder.stdout.on('end', () => resolve(false));
  });
  const ended = holder.done.then((r) => ({ r }));
  const first = await Promise.race([echoed.then((ok) => (ok ? null : ended)), ended]);
  if (first === null) return holder;
  const { r } = await first;
  if (r.code === BUSY) return null;
  throw new PoolctlError('HOST_COMMAND_UNAVAILABLE', `cannot take the NAT lock ${path}: flock exited with status ${r.code}: ${r.stderr.trim()}`);
}

/**
 * lockHost takes the host lock of exec's network namespace, waiting up to opts.timeoutMs for
 * another run to finish (telling opts.onWait once). It fails with HOST_LOCKED when the wait
 * ends, HOST_TOOL_MISSING without flock(1). A running nat agent is not waited for
 * (opts.besideAgent). While held, every tool exec starts inherits the lock (see above).
 */
export async function lockHost(exec: HostExec, opts: LockOptions): Promise<HostLock> {
  if (!exec.has('flock')) throw toolMissing('flock');
  const dir = opts.dir ?? LOCK_DIR;
  const [, path] = await Promise.all([lockDir(exec, dir), lockPath(exec, dir)]);
  const deadline = Date.now() + opts.timeoutMs;
  const line = `pid ${process.pid} (${opts.what}) since ${new Date().toISOString()}\n`;
  let holder = await hold(exec, path, line, null);
  if (!holder) {
    let who = await holderOf(exec, path);
    // the holder names itself just after it got the lock (until then the file is empty or still
    // names the run before it, whose pid is gone): give it a moment to, taking the lock if it
    // is let go meanwhile (see SETTLE_MS)
    for (const end = Date.now() + SETTLE_MS; !who.settled && Date.now() < end; ) {
      await new Promise((res) => setTimeout(res, SETTLE_STEP_MS));
      holder = await hold(exec, path, line, null);
      if (holder) break;
      who = await holderOf(exec, path);
    }
    if (!holder) {
      if (who.agent && opts.besideAgent === 'refuse') throw agentLocked(opts.what, who, path);
      if (who.agent && opts.besideAgent === 'read') return { path, release: async () => {} };
      const left = deadline - Date.now();
      if (left > 0) {
        opts.onWait?.(`waiting for ${who.text} to finish: it holds the NAT lock of this network namespace (${path}); waiting up to ${Math.ceil(opts.timeoutMs / 1000)} s`);
        holder = await hold(exec, path, line, left);
      }
      if (!holder) {
        throw new PoolctlError(
          'HOST_LOCKED',
          `${opts.what}: ${who.text} holds the NAT lock of this network namespace (${path}), and it was not released within ${opts.timeoutMs / 1000} s`,
          { hint: 'run it again when the other run has finished, or wait longer with --lock-timeout SECONDS' },
        );
      }
    }
  }
  const held = holder;
  exec.inherit(held.stdin);
  let released: Promise<void> | null = null;
  return {
    path,
    release() {
      released ??= (async () => {
        exec.inherit(null);
        // close (not shut down) poolctl's end: sed ends once no tool holds it either
        held.stdin.destroy();
        held.detach();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([held.done.catch(() => {}), new Promise((res) => (timer = setTimeout(res, RELEASE_WAIT_MS)))]);
        clearTimeout(timer);
      })();
      return released;
    },
  };
}
