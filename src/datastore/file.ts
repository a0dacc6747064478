import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Datastore, ListResult, StoredPool } from './datastore.js';
import { EngineDatastore, sortedByName, type Backend, type Session, type Write } from './engine.js';
import { UnavailableError } from './errors.js';

// The embedded store is a directory of immutable snapshots, each a whole store:
//
//   <dir>/pools.000000000041.json    snapshot 41 (older ones are removed after a commit)
//   <dir>/pools.000000000042.json    snapshot 42 = the current state
//   <dir>/.tmp-<host>-<pid>-<rand>   a snapshot being written
//
// A writer reads the newest snapshot N, writes N+1 to a temp file (mode 0600), fsyncs it and
// link()s it to pools.<N+1>.json. link() fails with EEXIST if another writer got there first:
// that is the compare-and-swap, and the loser re-reads and re-plans (engine.ts); a link to a
// number already used and since removed is undone when a newer snapshot exists. The new name
// appears atomically and only with complete, synced content, so a crash (SIGKILL, power loss
// after the directory fsync) leaves the old or the new state, never a torn file, and no lock
// can be left behind. Readers take the newest snapshot; one removed under them is retried.

const SNAPSHOT = /^pools\.(\d{12})\.json$/;
const FORMAT = 'poolctl.store/v1';

/** StoreFile is the content of a snapshot. revision is the store-wide resourceVersion counter. */
interface StoreFile {
  readonly format: typeof FORMAT;
  readonly revision: string;
  readonly items: StoredPool[];
}

function snapshotName(seq: number): string {
  return `pools.${String(seq).padStart(12, '0')}.json`;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Snapshot is one loaded snapshot: its sequence number, the counter and the pools by name. */
interface Snapshot {
  readonly seq: number;
  readonly revision: number;
  readonly pools: Map<string, StoredPool>;
}

class FileBackend implements Backend {
  readonly kind = 'file' as const;
  private readonly host = hostname();

  constructor(readonly location: string) {}

  private unavailable(what: string, e: unknown): UnavailableError {
    const reason = errno(e) === 'ENOTDIR' ? 'not a directory' : (e as Error).message;
    return new UnavailableError(`cannot ${what} the store at ${this.location}: ${reason}`);
  }

  /** latest returns the sequence numbers of the snapshots present, newest first. */
  private snapshots(): number[] {
    let names: string[];
    try {
      names = readdirSync(this.location);
    } catch (e) {
      if (errno(e) === 'ENOENT') return [];
      throw this.unavailable('read', e);
    }
    const seqs: number[] = [];
    for (const n of names) {
      const m = SNAPSHOT.exec(n);
      if (m) seqs.push(Number(m[1]));
    }
    return seqs.sort((a, b) => b - a);
  }

  /** load reads the newest snapshot (an empty store if there is none). */
  private load(): Snapshot {
    for (let attempt = 0; attempt < 100; attempt++) {
      const seq = this.snapshots()[0];
      if (seq === undefined) return { seq: 0, revision: 0, pools: new Map() };
      const path = join(this.location, snapshotName(seq));
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        if (errno(e) === 'ENOENT') continue; // replaced and removed by a newer commit
        throw this.unavailable('read', e);
      }
      let data: StoreFile;
      try {
        data = JSON.parse(text) as StoreFile;
      } catch (e) {
        throw new UnavailableError(`the store file ${path} is not valid JSON: ${(e as Error).message}`);
      }
      if (data.format !== FORMAT || !Array.isArray(data.items)) {
        throw new UnavailableError(`${path} is not a poolctl store file (format ${JSON.stringify(data.format)})`);
      }
      return { seq, revision: Number(data.revision), pools: new Map(data.items.map((p) => [p.metadata.name, p])) };
    }
    throw new UnavailableError(`cannot read the store at ${this.location}: it keeps changing`);
  }

  async session(): Promise<Session> {
    let snap = this.load();
    return {
      list: async (): Promise<ListResult> => ({
        items: sortedByName(snap.pools.values()),
        revision: String(snap.revision),
      }),
      prefetch: async () => {},
      get: async (name) => snap.pools.get(name),
      commit: async (writes: readonly Write[]) => {
        const pools = new Map(snap.pools);
        let revision = snap.revision;
        const versions: string[] = [];
        for (const w of writes) {
          const rv = String(++revision);
          versions.push(rv);
          // The staged pool is this batch's own object; the engine gives it this version too.
          if (w.pool) {
            w.pool.metadata.resourceVersion = rv;
            pools.set(w.name, w.pool);
          } else pools.delete(w.name);
        }
        const items = sortedByName(pools.values());
        const file: StoreFile = { format: FORMAT, revision: String(revision), items };
        if (!this.write(snap.seq + 1, `${JSON.stringify(file)}\n`)) return null;
        snap = { seq: snap.seq + 1, revision, pools };
        return versions;
      },
    };
  }

  /** write publishes snapshot `seq`; false when another writer published it first. */
  private write(seq: number, content: string): boolean {
    const dir = this.location;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw this.unavailable('create', e);
    }
    const tmp = join(dir, `.tmp-${this.host}-${process.pid}-${randomBytes(6).toString('hex')}`);
    let won: boolean;
    try {
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeSync(fd, content);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const target = join(dir, snapshotName(seq));
      try {
        linkSync(tmp, target);
        won = true;
      } catch (e) {
        if (errno(e) !== 'EEXIST') throw e;
        won = false;
      }
      // A slow writer can find its number free again because snapshots older than the previous
      // one are removed; a newer snapshot then exists, and this write lost the race.
      if (won && this.snapshots()[0] !== seq) {
        unlinkSync(target);
        won = false;
      }
      if (won) syncDir(dir);
    } catch (e) {
      throw this.unavailable('write', e);
    } finally {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
    if (won) this.collect(seq);
    return won;
  }

  /** collect removes snapshots older than the previous one and temp files of dead local processes. */
  private collect(seq: number): void {
    let names: string[];
    try {
      names = readdirSync(this.location);
    } catch {
      return;
    }
    for (const n of names) {
      const m = SNAPSHOT.exec(n);
      let stale = m !== null && Number(m[1]) < seq - 1;
      if (!m && n.startsWith(`.tmp-${this.host}-`)) stale = !isAlive(Number(n.split('-').at(-2)));
      if (stale) {
        try {
          unlinkSync(join(this.location, n));
        } catch {
          // removed by another writer
        }
      }
    }
  }

  async close(): Promise<void> {}
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}

/**
 * openFileDatastore opens the embedded store in directory `path` (created with mode 0700 on
 * the first write). A path that exists and is not a directory is reported as unavailable.
 */
export function openFileDatastore(path: string): Datastore {
  try {
    if (!statSync(path).isDirectory()) throw new UnavailableError(`cannot open the store at ${path}: not a directory`);
  } catch (e) {
    if (e instanceof UnavailableError) throw e;
    if (errno(e) !== 'ENOENT') throw new UnavailableError(`cannot open the store at ${path}: ${(e as Error).message}`);
  }
  return new EngineDatastore(new FileBackend(path));
}
