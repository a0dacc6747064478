import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { NatPool } from '../core/index.js';
import type { Datastore, ListResult, NatListing, NatWatchHandlers, StoredKind, StoredPool, StoredResource, WatchLost } from './datastore.js';
import { compareNames, EngineDatastore, type Backend, type Session, type Write } from './engine.js';
import { UnavailableError } from './errors.js';
import { watchFileStore } from './file-watch.js';
import {
  ancestorId,
  childLineage,
  damagedSnapshot,
  decodeKindsLine,
  decodeNatLine,
  decodeSnapshot,
  encodeSnapshot,
  HEAD_BYTES,
  ID_CHARS,
  LINEAGE_DEPTH,
  PoolTable,
  readHeader,
  SnapshotDamagedError,
  v2Frame,
  type Lineage,
  type OtherKinds,
} from './snapshot.js';

// The embedded store is a directory of immutable snapshots, each a whole store:
//
//   <dir>/pools.000000000041.json    snapshot 41 (older ones are removed after a commit)
//   <dir>/pools.000000000042.json    snapshot 42 = the current state
//   <dir>/.tmp-<host>-<pid>-<rand>   a snapshot being written
//
// A writer reads the newest snapshot N, writes N+1 to a temp file (mode 0600) completely,
// fsyncs it, reads it back to check every byte, and link()s it to pools.<N+1>.json. link()
// fails with EEXIST if another writer got there first: that is the compare-and-swap, and the
// loser re-reads and re-plans (engine.ts). The new name appears atomically and only with
// complete, synced, verified content, so a full disk or an I/O error fails the write before
// anything is published, and a crash (SIGKILL, power loss after the directory fsync) leaves
// the old or the new state, never a torn file; no lock can be left behind.
//
// Numbers are reused: snapshots older than the previous one are removed, so a writer that
// read snapshot N long ago can find pools.<N+1>.json free again after N+3 exists. Each
// snapshot's header names its ancestors (snapshot.ts, Lineage), so after a link the writer
// checks the newest snapshot's lineage: its own id there means the write is part of the
// history (others may have built on it since), another id means the link was late and is
// undone. Readers take the newest snapshot; one removed under them is retried, and a damaged
// one (only damage from outside can make one) is passed over for the one before it, with a
// warning.

const SNAPSHOT = /^pools\.(\d{12,})\.json$/;

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

/** Snapshot is what a session starts from: the newest snapshot number and the content of the newest good one. */
interface Snapshot {
  /** seq is the newest snapshot's number (the next write publishes seq + 1). */
  readonly seq: number;
  readonly revision: number;
  /** lineage is that of the snapshot read, or null for an empty store. */
  readonly lineage: Lineage | null;
  readonly pools: PoolTable;
  readonly kinds: OtherKinds;
}

/** Newest is a snapshot read by FileBackend.newest: the newest number in the directory, and what was read from the newest good one. */
interface Newest<T> {
  readonly seq: number;
  readonly value: T;
  /** floor is the revision counter of damaged newer snapshots whose header was readable (0 if none). */
  readonly floor: number;
}

/** FileStoreOptions tune the embedded store. */
export interface FileStoreOptions {
  /** warn receives what a user should know about the store (a damaged snapshot passed over, loose permissions). */
  readonly warn?: (message: string) => void;
  /**
   * racePoints, for tests only, run inside a commit just before the compare-and-swap link
   * and just after it, so that tests can put another writer's commit exactly there.
   */
  readonly racePoints?: { readonly beforeLink?: () => Promise<void>; readonly afterLink?: () => Promise<void> };
}

/** Published is where a commit stands after trying to link its snapshot. */
type Published = { readonly linked: false } | { readonly linked: true; readonly target: string };

class FileBackend implements Backend {
  readonly kind = 'file' as const;
  private readonly host = hostname();
  /** warned keeps each warning to one print per process. */
  private readonly warned = new Set<string>();

  constructor(
    readonly location: string,
    private readonly opts: FileStoreOptions,
  ) {}

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.opts.warn?.(message);
  }

  private unavailable(what: string, e: unknown, outcome: 'not-applied' | 'unknown' = 'not-applied'): UnavailableError {
    const code = errno(e);
    const reason = code === 'ENOTDIR' ? 'not a directory' : (e as Error).message;
    const hint =
      code === 'ENOSPC' || code === 'EDQUOT'
        ? `free space on the file system that holds ${this.location}; ${outcome === 'unknown' ? 'the write may have been applied' : 'the store keeps its previous state'}`
        : undefined;
    return new UnavailableError(`cannot ${what} the store at ${this.location}: ${reason}`, { outcome, ...(hint ? { hint } : {}) });
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
   * it could be opened (ENOENT) starts the search again; a damaged one is passed over for the
   * one before it, with a warning. It throws when every snapshot there is damaged.
   */
  private newest<T>(read: (path: string) => T): Newest<T> | null {
    for (let attempt = 0; attempt < 100; attempt++) {
      const seqs = snapshotSeqs(this.names());
      if (seqs.length === 0) return null;
      let damage: SnapshotDamagedError | null = null;
      let floor = 0;
      let removed = false;
      for (const seq of seqs) {
        const path = join(this.location, snapshotName(seq));
        try {
          const value = read(path);
          if (damage) this.warn(`${damage.message}; read ${snapshotName(seq)}, the newest good snapshot, instead (the next write replaces the damaged one)`);
          return { seq: seqs[0]!, value, floor };
        } catch (e) {
          if (errno(e) === 'ENOENT') {
            removed = true; // replaced and removed by a newer commit: look again
            break;
          }
          if (e instanceof SnapshotDamagedError) {
            damage ??= e;
            floor = Math.max(floor, headerRevision(path));
            continue;
          }
          if (e instanceof UnavailableError || errno(e) === undefined) throw e;
          throw this.unavailable('read', e);
        }
      }
      if (!removed) throw damage!;
    }
    throw new UnavailableError(`cannot read the store at ${this.location}: it keeps changing`);
  }

  /** load reads the newest good snapshot (an empty store if there is none). */
  private load(): Snapshot {
    const r = this.newest((path) => decodeSnapshot(readWhole(path), path));
    if (!r) return { seq: 0, revision: 0, lineage: null, pools: PoolTable.fromPools([]), kinds: {} };
    return { seq: r.seq, revision: Math.max(r.value.revision, r.floor), lineage: r.value.lineage, pools: r.value.pools, kinds: r.value.kinds };
  }

  /**
   * readKind reads one kind's resources from a snapshot's header and kinds line only (the file
   * opened once, as natPools).
   */
  async readKind(kind: StoredKind): Promise<Map<string, StoredResource>> {
    const r = this.newest((path) => {
      const fd = openSync(path, 'r');
      try {
        const size = fstatSync(fd).size;
        const { header } = v2Frame(readAt(fd, HEAD_BYTES, 0), size, path);
        if (header.kindBytes === 0) return {};
        const line = readAt(fd, header.kindBytes, size - header.kindBytes);
        if (line[line.length - 1] !== 10) throw damagedSnapshot(path, 'the kinds line does not end where the header says');
        return decodeKindsLine(line.toString('utf8', 0, line.length - 1), path);
      } finally {
        closeSync(fd);
      }
    });
    return new Map((r?.value[kind] ?? []).map((x) => [x.metadata.name, x]));
  }

  /** writeKind writes a new snapshot with one resource of another kind changed (pools as they are), by the same compare-and-swap as pools. */
  async writeKind(kind: StoredKind, name: string, value: StoredResource | null, expect: 'absent' | string): Promise<string | null> {
    const snap = this.load();
    const items = snap.kinds[kind] ?? [];
    const cur = items.find((x) => x.metadata.name === name);
    if (expect === 'absent' ? cur !== undefined : cur?.metadata.resourceVersion !== expect) return null;
    const revision = snap.revision + 1;
    const rv = String(revision);
    const rest = items.filter((x) => x.metadata.name !== name);
    if (value) rest.push({ ...value, metadata: { ...value.metadata, resourceVersion: rv } });
    rest.sort((a, b) => compareNames(a.metadata.name, b.metadata.name));
    const lineage = childLineage(snap.lineage, randomHex(ID_CHARS));
    const content = encodeSnapshot(revision, snap.pools.all(), lineage, { ...snap.kinds, [kind]: rest });
    return (await this.write(snap.seq + 1, snap.seq, content, lineage.id)) ? rv : null;
  }

  /**
   * natPools reads natPoolOf of every pool from a snapshot's NAT line only (the file opened
   * once, so a concurrent commit cannot mix two snapshots).
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
        const line = readAt(fd, frame.header.natBytes, frame.natStart);
        if (line[line.length - 1] !== 10) throw damagedSnapshot(path, 'the NAT line does not end where the header says');
        const pools = decodeNatLine(line.toString('utf8', 0, line.length - 1), frame.header.count, path);
        return { pools, revision: String(frame.header.revision), mtimeMs: st.mtimeMs };
      } finally {
        closeSync(fd);
      }
    });
    // a damaged newer snapshot's revision counts (as load counts it): the next write goes past it
    return r ? { ...r.value, revision: String(Math.max(Number(r.value.revision), r.floor)), seq: r.seq } : { pools: [], revision: '0', seq: 0, mtimeMs: Date.now() };
  }

  /** newestSeq is the sequence number of the newest snapshot (0: none), from one directory read. */
  newestSeq(): number {
    return snapshotSeqs(this.names())[0] ?? 0;
  }

  watchNat(from: NatListing, handlers: NatWatchHandlers): Promise<() => Promise<void>> {
    return watchFileStore(this.location, { newestSeq: () => this.newestSeq(), read: () => this.natList() }, from, handlers);
  }

  /**
   * watchKind follows the directory as watchNat does (file-watch.ts): every kind lives in each
   * snapshot, so each new snapshot calls onChange (the probe reports the sequence number as the
   * revision and no pools).
   */
  watchKind(_kind: StoredKind, onChange: () => void, onLost: (lost: WatchLost) => void): Promise<() => Promise<void>> {
    const read = async (): Promise<NatListing & { readonly seq: number; readonly mtimeMs: number }> => {
      const seq = this.newestSeq();
      return { pools: [], revision: String(seq), seq, mtimeMs: Date.now() };
    };
    return watchFileStore(this.location, { newestSeq: () => this.newestSeq(), read }, { pools: [], revision: String(this.newestSeq()) }, { onChanges: () => onChange(), onLost });
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
        const lineage = childLineage(snap.lineage, randomHex(ID_CHARS));
        const seq = snap.seq + 1;
        if (!(await this.write(seq, snap.seq, encodeSnapshot(revision, items, lineage, snap.kinds), lineage.id))) return null;
        snap = { seq, revision, lineage, pools: PoolTable.fromPools(items), kinds: snap.kinds };
        return versions;
      },
    };
  }

  /**
   * write publishes snapshot `seq` (read from snapshot `base`, whose successor it is); false
   * when another writer published that number first. It throws UnavailableError when the
   * snapshot cannot be written completely (ENOSPC, EIO, ...): then nothing was published.
   */
  private async write(seq: number, base: number, content: string, id: string): Promise<boolean> {
    const dir = this.location;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw this.unavailable('create', e);
    }
    const tmp = join(dir, `.tmp-${this.host}-${process.pid}-${randomHex(12)}`);
    const target = join(dir, snapshotName(seq));
    let published: Published = { linked: false };
    try {
      try {
        writeVerified(tmp, Buffer.from(content));
      } catch (e) {
        throw this.unavailable('write', e);
      }
      // Another writer already moved on: this write lost, with no link to undo.
      if ((snapshotSeqs(this.names())[0] ?? 0) !== base) return false;
      await this.opts.racePoints?.beforeLink?.();
      try {
        linkSync(tmp, target);
        published = { linked: true, target };
      } catch (e) {
        if (errno(e) === 'EEXIST') return false;
        throw this.unavailable('write', e);
      }
    } finally {
      removeQuietly(tmp);
    }
    await this.opts.racePoints?.afterLink?.();
    // From here the snapshot is visible: a failure leaves the outcome unknown.
    try {
      const names = this.names();
      if (!this.confirm(seq, id, names)) {
        removeQuietly(published.target);
        return false;
      }
      syncDir(dir);
      this.collect(seq, names);
      return true;
    } catch (e) {
      if (e instanceof UnavailableError) throw new UnavailableError(e.message, { outcome: 'unknown', ...(e.hint ? { hint: e.hint } : {}) });
      throw this.unavailable('write', e, 'unknown');
    }
  }

  /**
   * confirm reports whether snapshot `seq`, just linked with id `id`, is part of the store's
   * history: it is the newest, or the newest snapshot's lineage has `id` at its place. A
   * snapshot linked into a number freed by the removal of old snapshots is not (false). When
   * the lineage no longer reaches back to `seq`, the outcome cannot be told: UnavailableError
   * with outcome 'unknown'.
   */
  private confirm(seq: number, id: string, names: readonly string[]): boolean {
    for (let attempt = 0; attempt < 100; attempt++) {
      const newest = snapshotSeqs(attempt === 0 ? names : this.names())[0];
      if (newest === undefined || newest < seq) break; // the directory was emptied under us
      if (newest === seq) return true;
      if (newest - seq > LINEAGE_DEPTH) break;
      let lineage: Lineage;
      try {
        lineage = headerOf(join(this.location, snapshotName(newest))).lineage;
      } catch (e) {
        if (errno(e) === 'ENOENT') continue; // a newer one replaced it meanwhile
        throw e;
      }
      const at = ancestorId(lineage, newest - seq);
      if (at === undefined) break;
      return at === id;
    }
    throw new UnavailableError(`cannot tell whether the write to the store at ${this.location} was applied: the store moved on too far meanwhile`, {
      outcome: 'unknown',
      hint: 'list the pools to see whether the change is there',
    });
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
      if (stale) removeQuietly(join(this.location, n));
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

/**
 * writeVerified creates file `path` (mode 0600) with exactly `content`: every byte written
 * (a short write is continued, and an error such as ENOSPC thrown), synced, and read back
 * and compared, so that nothing incomplete is ever published.
 */
function writeVerified(path: string, content: Buffer): void {
  const fd = openSync(path, 'wx+', 0o600);
  try {
    let off = 0;
    while (off < content.length) {
      const n = writeSync(fd, content, off, content.length - off);
      if (n <= 0) throw Object.assign(new Error(`short write to ${path}`), { code: 'EIO' });
      off += n;
    }
    fsyncSync(fd);
    const back = readAt(fd, content.length + 1, 0);
    if (!back.equals(content)) throw Object.assign(new Error(`the snapshot written to ${path} reads back differently`), { code: 'EIO' });
  } finally {
    closeSync(fd);
  }
}

/** readWhole reads a whole file through one descriptor. */
function readWhole(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    return readAt(fd, fstatSync(fd).size, 0);
  } finally {
    closeSync(fd);
  }
}

/** headerOf reads the header line of the snapshot at path (snapshot.ts readHeader). */
function headerOf(path: string): ReturnType<typeof readHeader> {
  const fd = openSync(path, 'r');
  try {
    return readHeader(readAt(fd, HEAD_BYTES, 0), path);
  } finally {
    closeSync(fd);
  }
}

/** headerRevision returns the revision counter in a snapshot's header, or 0 when it cannot be read. */
function headerRevision(path: string): number {
  try {
    return headerOf(path).revision;
  } catch {
    return 0;
  }
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

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function randomHex(chars: number): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(Math.ceil(chars / 2))))
    .toString('hex')
    .slice(0, chars);
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
 * the first write). A path that exists and is not a directory is reported as unavailable; a
 * directory others may write to (group or world writable) gets a warning.
 */
export function openFileDatastore(path: string, opts: FileStoreOptions = {}): Datastore {
  try {
    const st = statSync(path);
    if (!st.isDirectory()) throw new UnavailableError(`cannot open the store at ${path}: not a directory`);
    if ((st.mode & 0o022) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      opts.warn?.(`the store directory ${path} is writable by ${st.mode & 0o002 ? 'every user' : 'its group'} (mode ${mode}): others can change or remove its pools; run chmod 700 ${path}`);
    }
  } catch (e) {
    if (e instanceof UnavailableError) throw e;
    if (errno(e) !== 'ENOENT') throw new UnavailableError(`cannot open the store at ${path}: ${(e as Error).message}`);
  }
  return new EngineDatastore(new FileBackend(path, opts));
}
