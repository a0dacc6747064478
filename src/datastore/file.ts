import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { NatPool } from '../core/index.js';
import type { Datastore, ListResult, NatListing, NatWatchHandlers, StoredPool } from './datastore.js';
import { compareNames, EngineDatastore, type Backend, type Session, type Write } from './engine.js';
import { UnavailableError } from './errors.js';
import { watchFileStore } from './file-watch.js';
import { natPoolOf } from './nat-pool.js';
import { damagedSnapshot, decodeNatLine, decodeSnapshot, encodeSnapshot, PoolTable, v2Frame } from './snapshot.js';

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
// What a snapshot holds, and the NAT projection the NAT commands read alone: snapshot.ts.

const SNAPSHOT = /^pools\.(\d{12})\.json$/;

function snapshotName(seq: number): string {
  return `pools.${String(seq).padStart(12, '0')}.json`;
}

/** snapshotSeqs returns the sequence numbers of the snapshots among a directory's names, newest first. */
function snapshotSeqs(names: readonly string[]): number[] {
  const seqs: number[] = [];
  for (const n of names) {
    const m = SNAPSHOT.exec(n);
    if (m) seqs.push(Number(m[1]));
  }
  return seqs.sort((a, b) => b - a);
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Snapshot is one loaded snapshot: its sequence number, the counter and the pools (snapshot.ts). */
interface Snapshot {
  readonly seq: number;
  readonly revision: number;
  readonly pools: PoolTable;
}

/** HEAD_BYTES is the first read of a snapshot for the NAT projection: a v2 header line is far shorter. */
const HEAD_BYTES = 4096;

class FileBackend implements Backend {
  readonly kind = 'file' as const;
  private readonly host = hostname();

  constructor(readonly location: string) {}

  private unavailable(what: string, e: unknown): UnavailableError {
    const reason = errno(e) === 'ENOTDIR' ? 'not a directory' : (e as Error).message;
    return new UnavailableError(`cannot ${what} the store at ${this.location}: ${reason}`);
  }

  /** names returns the names in the store directory (none when it does not exist yet). */
  private names(): string[] {
    try {
      return readdirSync(this.location);
    } catch (e) {
      if (errno(e) === 'ENOENT') return [];
      throw this.unavailable('read', e);
    }
  }

  /**
   * newest calls read with the path of the newest snapshot and returns its result, or
   * returns null when the store has no snapshot. A snapshot removed by a newer commit before
   * it could be opened (ENOENT) is retried with the next newest.
   */
  private newest<T>(read: (path: string) => T): { seq: number; value: T } | null {
    for (let attempt = 0; attempt < 100; attempt++) {
      const seq = snapshotSeqs(this.names())[0];
      if (seq === undefined) return null;
      const path = join(this.location, snapshotName(seq));
      try {
        return { seq, value: read(path) };
      } catch (e) {
        if (errno(e) === 'ENOENT') continue; // replaced and removed by a newer commit
        if (e instanceof UnavailableError || errno(e) === undefined) throw e;
        throw this.unavailable('read', e);
      }
    }
    throw new UnavailableError(`cannot read the store at ${this.location}: it keeps changing`);
  }

  /** load reads the newest snapshot (an empty store if there is none). */
  private load(): Snapshot {
    const r = this.newest((path) => decodeSnapshot(readFileSync(path), path));
    return r ? { seq: r.seq, revision: r.value.revision, pools: r.value.pools } : { seq: 0, revision: 0, pools: PoolTable.fromPools([]) };
  }

  /**
   * natPools reads natPoolOf of every pool: from a v2 snapshot its NAT line only (opened once,
   * so a concurrent commit cannot mix two snapshots), from a v1 snapshot the whole file.
   */
  async natPools(): Promise<NatPool[]> {
    return [...(await this.natList()).pools];
  }

  /** natList is natPools with the snapshot's revision counter (and, for watchNat, its sequence number and mtime). */
  async natList(): Promise<NatListing & { readonly seq: number; readonly mtimeMs: number }> {
    const r = this.newest((path) => {
      const fd = openSync(path, 'r');
      try {
        const head = readAt(fd, HEAD_BYTES, 0);
        const st = fstatSync(fd);
        const frame = v2Frame(head, st.size, path);
        if (!frame) {
          const d = decodeSnapshot(readAt(fd, st.size, 0), path);
          return { pools: d.pools.all().map(natPoolOf), revision: String(d.revision), mtimeMs: st.mtimeMs };
        }
        const line = readAt(fd, frame.header.natBytes, frame.natStart);
        if (line[line.length - 1] !== 10) throw damagedSnapshot(path, 'the NAT line does not end where the header says');
        const pools = decodeNatLine(line.toString('utf8', 0, line.length - 1), frame.header.count, path);
        return { pools, revision: String(frame.header.revision), mtimeMs: st.mtimeMs };
      } finally {
        closeSync(fd);
      }
    });
    return r ? { ...r.value, seq: r.seq } : { pools: [], revision: '0', seq: 0, mtimeMs: Date.now() };
  }

  /** newestSeq is the sequence number of the newest snapshot (0: none), from one directory read. */
  newestSeq(): number {
    return snapshotSeqs(this.names())[0] ?? 0;
  }

  watchNat(from: NatListing, handlers: NatWatchHandlers): Promise<() => Promise<void>> {
    return watchFileStore(this.location, { newestSeq: () => this.newestSeq(), read: () => this.natList() }, from, handlers);
  }

  async session(): Promise<Session> {
    let snap = this.load();
    return {
      list: async (): Promise<ListResult> => ({ items: snap.pools.all(), revision: String(snap.revision) }),
      prefetch: async () => {},
      get: async (name) => snap.pools.find(name),
      peek: (name) => snap.pools.find(name),
      commit: async (writes: readonly Write[]) => {
        let revision = snap.revision;
        const versions: string[] = [];
        const changed = new Map<string, StoredPool | null>();
        for (const w of writes) {
          const rv = String(++revision);
          versions.push(rv);
          // The staged pool is this batch's own object; the engine gives it this version too.
          if (w.pool) w.pool.metadata.resourceVersion = rv;
          changed.set(w.name, w.pool);
        }
        const items = merged(snap.pools, changed);
        if (!this.write(snap.seq + 1, encodeSnapshot(revision, items))) return null;
        snap = { seq: snap.seq + 1, revision, pools: PoolTable.fromPools(items) };
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
    const tmp = join(dir, `.tmp-${this.host}-${process.pid}-${Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(6))).toString('hex')}`);
    let won: boolean;
    let names: string[] = [];
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
      if (won) {
        names = this.names();
        if (snapshotSeqs(names)[0] !== seq) {
          unlinkSync(target);
          won = false;
        }
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
    if (won) this.collect(seq, names);
    return won;
  }

  /**
   * collect removes, among names (the directory as read after publishing snapshot seq), the
   * snapshots older than the previous one and temp files of dead local processes.
   */
  private collect(seq: number, names: readonly string[]): void {
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

/** merged returns the table's pools with the changes (null: deleted) applied, in name order. */
function merged(table: PoolTable, changed: ReadonlyMap<string, StoredPool | null>): StoredPool[] {
  const added = [...changed].filter(([, p]) => p !== null).sort(([a], [b]) => compareNames(a, b));
  const out: StoredPool[] = [];
  let j = 0;
  for (let i = 0; i < table.size; i++) {
    const name = table.names[i]!;
    while (j < added.length && added[j]![0] < name) out.push(added[j++]![1]!);
    if (!changed.has(name)) out.push(table.at(i));
  }
  while (j < added.length) out.push(added[j++]![1]!);
  return out;
}

/** readAt reads up to n bytes at position pos (fewer at the end of the file). */
function readAt(fd: number, n: number, pos: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  let got = 0;
  while (got < n) {
    const k = readSync(fd, buf, got, n - got, pos + got);
    if (k === 0) break;
    got += k;
  }
  return buf.subarray(0, got);
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
