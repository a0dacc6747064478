import type { NatPool } from '../core/index.js';
import type { StoredPool, StoredResource } from './datastore.js';
import { compareNames } from './engine.js';
import { UnavailableError } from './errors.js';
import { natPoolOf } from './nat-pool.js';

// The content of one embedded-store snapshot (file.ts keeps the directory and the
// compare-and-swap). Version 2 is the only format (no released poolctl wrote another).
//
// v2, three lines (JSON Lines; JSON escapes every newline inside a value):
//   1  {"format":"poolctl.store/v2","revision":"N","count":C,"natBytes":B,"bytes":F,
//       "id":I,"parents":P}
//      (C pools; F is the file's length, so a truncated or extended file is noticed by
//      readers of line 2 alone; I is this snapshot's random id and P the ids of the
//      snapshots before it, newest first, ID_CHARS each: file.ts reads them to tell whether
//      a snapshot it published is part of the store's history)
//   2  the NAT projection: natPoolOf of every pool as columns, B bytes with its newline, so
//      the NAT commands read only lines 1-2 (a tenth of the file) and never build IPPools:
//      {"names":[..],"cidrs":[..],"flags":[natOutgoing 1 | disabled 2, ..],
//       "blockSizes":[0 = none, ..],"allowedUses":[index into uses or -1, ..],"uses":[[..], ..]}
//   3  the pools, column-wise per shape (a shape is kind, apiVersion and the metadata and
//      spec keys in order, so key order and unknown fields survive), which holds a third
//      of v1's bytes and decodes without building every object:
//      {"order":[shape of each pool, ..],"shapes":[{"kind":K,"apiVersion":A,
//       "metadata":[keys],"spec":[keys],"columns":[[values of one key], ..]} | {"raw":[pool, ..]}]}
//   4  (only when the store holds resources of other kinds; the header's "kindBytes" is its
//      length with its newline, 0 or absent otherwise) the other kinds, a section per kind by
//      Calico's plural, each resource whole with its resourceVersion, in name order:
//      {"felixconfigurations":[resource, ..]}
//      Readers of other kinds read lines 1 and 4 only (the header says where 4 starts).
// Pools are in name order, names unique, in every column.

const V2 = 'poolctl.store/v2';
/** V2_PREFIX starts every v2 snapshot. */
const V2_PREFIX = `{"format":"${V2}",`;

/** ID_CHARS is the length of a snapshot id (hex): 48 random bits. */
export const ID_CHARS = 12;
/** LINEAGE_DEPTH is how many ancestor ids a snapshot header keeps (ID_CHARS each). */
export const LINEAGE_DEPTH = 200;
/** HEAD_BYTES is enough of a snapshot to hold its header line (lineage included: under 2.7 KB). */
export const HEAD_BYTES = 4096;

/**
 * Lineage is a snapshot's place in the store's history: its own id and the ids of the
 * snapshots before it, newest first (at most LINEAGE_DEPTH), concatenated.
 */
export interface Lineage {
  readonly id: string;
  readonly parents: string;
}

/** childLineage returns the lineage of a new snapshot written on top of one with lineage `parent`. */
export function childLineage(parent: Lineage | null, id: string): Lineage {
  const parents = parent ? (parent.id + parent.parents).slice(0, LINEAGE_DEPTH * ID_CHARS) : '';
  return { id, parents };
}

/** ancestorId returns the id of the snapshot `back` steps before the one with lineage l (1 = its parent), or undefined beyond what l records. */
export function ancestorId(l: Lineage, back: number): string | undefined {
  const at = (back - 1) * ID_CHARS;
  return back >= 1 && at + ID_CHARS <= l.parents.length ? l.parents.slice(at, at + ID_CHARS) : undefined;
}

/** NAT flag bits of the projection. */
const NAT_OUTGOING = 1;
const DISABLED = 2;

/**
 * PoolTable is the pools of one snapshot in name order (names unique). Pools are built on
 * first access: `get` of one pool among 100,000 builds one. A pool is built once; the same
 * object is returned on every access.
 */
export class PoolTable {
  private readonly built: (StoredPool | undefined)[];

  /** names must be sorted (compareNames) and unique; make(i) builds pool i. */
  private constructor(
    readonly names: readonly string[],
    private readonly make: (i: number) => StoredPool,
  ) {
    this.built = new Array<StoredPool | undefined>(names.length);
  }

  /** fromPools returns a table of the pools, sorted by name; of two with one name the later wins. */
  static fromPools(pools: readonly StoredPool[]): PoolTable {
    let sorted = pools;
    let ordered = true;
    for (let i = 1; i < pools.length && ordered; i++) ordered = pools[i - 1]!.metadata.name < pools[i]!.metadata.name;
    if (!ordered) sorted = [...new Map(pools.map((p) => [p.metadata.name, p] as const)).values()].sort((a, b) => compareNames(a.metadata.name, b.metadata.name));
    return new PoolTable(
      sorted.map((p) => p.metadata.name),
      (i) => sorted[i]!,
    );
  }

  get size(): number {
    return this.names.length;
  }

  /** at returns pool i (0 <= i < size). */
  at(i: number): StoredPool {
    return (this.built[i] ??= this.make(i));
  }

  /** find returns the pool named name (binary search), or undefined. */
  find(name: string): StoredPool | undefined {
    let lo = 0;
    let hi = this.names.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const n = this.names[mid]!;
      if (n === name) return this.at(mid);
      if (n < name) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** all returns every pool in name order. */
  all(): StoredPool[] {
    const out = new Array<StoredPool>(this.names.length);
    for (let i = 0; i < out.length; i++) out[i] = this.at(i);
    return out;
  }

  /** fromColumns is the table of a v2 pools line (decodePoolsLine checks the order). */
  static fromColumns(names: readonly string[], make: (i: number) => StoredPool): PoolTable {
    return new PoolTable(names, make);
  }
}

/** OtherKinds are a snapshot's resources of kinds other than IPPool, by Calico's plural, each list in name order. */
export type OtherKinds = Readonly<Record<string, readonly StoredResource[]>>;

/** DecodedSnapshot is a snapshot's revision counter, lineage, pools and other kinds. */
export interface DecodedSnapshot {
  readonly revision: number;
  readonly lineage: Lineage;
  readonly pools: PoolTable;
  readonly kinds: OtherKinds;
}

function notStore(path: string, format: unknown): UnavailableError {
  return new UnavailableError(`${path} is not a poolctl store file (format ${JSON.stringify(format)})`);
}

/**
 * SnapshotDamagedError is a snapshot whose content does not hold together (truncated, torn,
 * not JSON): readers fall back to an older snapshot (file.ts). A snapshot in a format this
 * version does not know is not damage (UnavailableError): it may be newer than its reader.
 */
export class SnapshotDamagedError extends UnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotDamagedError';
  }
}

/** damagedSnapshot is the error for a snapshot whose content does not hold together. */
export function damagedSnapshot(path: string, why: string): SnapshotDamagedError {
  return new SnapshotDamagedError(`the store file ${path} is damaged: ${why}`);
}

function invalidJson(path: string, e: unknown): SnapshotDamagedError {
  return new SnapshotDamagedError(`the store file ${path} is not valid JSON: ${(e as Error).message}`);
}

/** V2Header is line 1 of a v2 snapshot. */
export interface V2Header {
  readonly revision: number;
  /** count is the number of pools. */
  readonly count: number;
  /** natBytes is the length of line 2 in bytes, its newline included. */
  readonly natBytes: number;
  /** bytes is the length of the whole file. */
  readonly bytes: number;
  /** kindBytes is the length of line 4 (other kinds) with its newline; 0 when there is none. */
  readonly kindBytes: number;
  readonly lineage: Lineage;
}

const LINEAGE_TEXT = new RegExp(`^(?:[0-9a-f]{${ID_CHARS}})*$`);

/**
 * v2Header reads line 1 of a snapshot (without its newline): the header of a v2 snapshot, or
 * null when the line is not a v2 header. Throws SnapshotDamagedError when the line claims v2
 * but is not a valid header.
 */
function v2Header(line: string, path: string): V2Header | null {
  if (!line.startsWith(V2_PREFIX)) return null;
  let h: { revision?: unknown; count?: unknown; natBytes?: unknown; bytes?: unknown; kindBytes?: unknown; id?: unknown; parents?: unknown };
  try {
    h = JSON.parse(line) as typeof h;
  } catch (e) {
    throw invalidJson(path, e);
  }
  const revision = Number(h.revision);
  const count = h.count as number;
  const natBytes = h.natBytes as number;
  const bytes = h.bytes as number;
  const kindBytes = (h.kindBytes ?? 0) as number;
  const id = h.id ?? '';
  const parents = h.parents ?? '';
  if (typeof h.revision !== 'string' || !Number.isSafeInteger(revision) || ![count, natBytes, bytes, kindBytes].every((v) => Number.isSafeInteger(v) && v >= 0)) {
    throw damagedSnapshot(path, 'bad v2 header');
  }
  if (typeof id !== 'string' || typeof parents !== 'string' || !LINEAGE_TEXT.test(id) || id.length > ID_CHARS || !LINEAGE_TEXT.test(parents)) {
    throw damagedSnapshot(path, 'bad lineage in the v2 header');
  }
  return { revision, count, natBytes, bytes, kindBytes, lineage: { id, parents } };
}

/**
 * readHeader returns the header of a snapshot from its first bytes (HEAD_BYTES hold it), or
 * throws: SnapshotDamagedError when it is not a valid v2 header line, UnavailableError when
 * it names another format.
 */
export function readHeader(head: Buffer, path: string): V2Header {
  const nl = head.indexOf(10);
  const line = head.toString('latin1', 0, nl < 0 ? head.length : nl);
  const header = nl < 0 ? null : v2Header(line, path);
  if (header) return header;
  throw unknownContent(line, path);
}

/** unknownContent is the error for a file whose first line is not a v2 header: another format, or damage. */
function unknownContent(line: string, path: string): UnavailableError {
  let format: unknown;
  try {
    format = (JSON.parse(line) as { format?: unknown } | null)?.format;
  } catch {
    // a line cut short by damage, or not JSON at all
    const m = /^\{\s*"format"\s*:\s*"([^"]*)"/.exec(line);
    format = m ? m[1] : undefined;
  }
  if (typeof format === 'string' && format !== V2) return notStore(path, format);
  return damagedSnapshot(path, 'no v2 header line');
}

/** checkV2Layout checks the header against the file: its length, and line 2 inside it (line 1 ends at headerEnd). */
function checkV2Layout(h: V2Header, headerEnd: number, size: number, path: string): void {
  if (size !== h.bytes) throw damagedSnapshot(path, `it has ${size} bytes, its header says ${h.bytes}`);
  if (h.natBytes < 1 || headerEnd + 1 + h.natBytes > size) throw damagedSnapshot(path, 'the NAT line does not end where the header says');
  if (headerEnd + 1 + h.natBytes + h.kindBytes > size) throw damagedSnapshot(path, 'the kinds line does not fit where the header says');
}

/** V2Frame is where the lines of a v2 snapshot are: its header, and the offset of line 2 (natBytes long). */
export interface V2Frame {
  readonly header: V2Header;
  readonly natStart: number;
}

/**
 * v2Frame reads the header of a snapshot of `size` bytes from `head`, its first bytes (or the
 * whole file), and checks it against the file. Throws SnapshotDamagedError when line 1 is not
 * a valid header or the header does not fit the file, UnavailableError when it names another
 * format.
 */
export function v2Frame(head: Buffer, size: number, path: string): V2Frame {
  const header = readHeader(head, path);
  const nl = head.indexOf(10);
  checkV2Layout(header, nl, size, path);
  return { header, natStart: nl + 1 };
}

/**
 * decodeSnapshot decodes a whole snapshot file. It throws SnapshotDamagedError naming the
 * file when the content does not hold together (invalid JSON, a torn file), and
 * UnavailableError when it is in another format.
 */
export function decodeSnapshot(buf: Buffer, path: string): DecodedSnapshot {
  const { header, natStart } = v2Frame(buf, buf.length, path);
  const start = natStart + header.natBytes;
  if (buf[start - 1] !== 10) throw damagedSnapshot(path, 'the NAT line does not end where the header says');
  if (buf[buf.length - 1] !== 10) throw damagedSnapshot(path, 'the file does not end with a newline');
  const poolsEnd = buf.length - header.kindBytes;
  if (buf[poolsEnd - 1] !== 10) throw damagedSnapshot(path, 'the pools line does not end where the header says');
  const kinds = header.kindBytes > 0 ? decodeKindsLine(buf.toString('utf8', poolsEnd, buf.length - 1), path) : {};
  return { revision: header.revision, lineage: header.lineage, pools: decodePoolsLine(buf.toString('utf8', start, poolsEnd - 1), header.count, path), kinds };
}

/** decodeKindsLine reads line 4 (without its newline): a section per kind, each a list of resources. */
export function decodeKindsLine(text: string, path: string): OtherKinds {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalidJson(path, e);
  }
  if (!isRecord(doc) || !Object.values(doc).every(Array.isArray)) throw damagedSnapshot(path, 'the kinds line is not a section per kind');
  return doc as OtherKinds;
}

interface ShapeDoc {
  readonly kind?: string;
  readonly apiVersion?: string;
  readonly metadata?: readonly string[];
  readonly spec?: readonly string[];
  readonly columns?: unknown[][];
  readonly raw?: StoredPool[];
}

function decodePoolsLine(text: string, count: number, path: string): PoolTable {
  let doc: { order?: unknown; shapes?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    throw invalidJson(path, e);
  }
  const order = doc?.order;
  const shapes = doc?.shapes;
  if (!Array.isArray(order) || !Array.isArray(shapes) || order.length !== count) throw damagedSnapshot(path, 'the pool columns do not match the header');
  const n = order.length;
  // each pool's index in its shape's columns, and its name
  const at = new Int32Array(n);
  const names = new Array<string>(n);
  const next = new Int32Array(shapes.length);
  const nameCol: (readonly unknown[] | null)[] = (shapes as ShapeDoc[]).map((s) => {
    if (s.raw) return null;
    const k = s.metadata?.indexOf('name') ?? -1;
    return k < 0 ? [] : s.columns![k]!;
  });
  for (let i = 0; i < n; i++) {
    const s = order[i] as number;
    const shape = (shapes as ShapeDoc[])[s];
    if (!shape) throw damagedSnapshot(path, `pool ${i} has no shape`);
    const j = next[s]!++;
    at[i] = j;
    const col = nameCol[s];
    const name = col ? col[j] : shape.raw![j]?.metadata?.name;
    if (typeof name !== 'string' || (i > 0 && !(names[i - 1]! < name))) throw damagedSnapshot(path, `pool ${i} is out of name order`);
    names[i] = name;
  }
  (shapes as ShapeDoc[]).forEach((s, k) => {
    const cols = s.raw ? [s.raw] : s.columns;
    const width = s.raw ? 1 : (s.metadata?.length ?? -1) + (s.spec?.length ?? -1);
    if (!Array.isArray(cols) || cols.length !== width || !cols.every((c) => Array.isArray(c) && c.length === next[k])) {
      throw damagedSnapshot(path, `shape ${k} does not match its pools`);
    }
  });
  return PoolTable.fromColumns(names, (i) => {
    const s = (shapes as ShapeDoc[])[order[i] as number]!;
    const j = at[i]!;
    if (s.raw) return s.raw[j]!;
    const cols = s.columns!;
    const metadata: Record<string, unknown> = {};
    const spec: Record<string, unknown> = {};
    let c = 0;
    for (const k of s.metadata!) metadata[k] = cols[c++]![j];
    for (const k of s.spec!) spec[k] = cols[c++]![j];
    return { kind: s.kind, apiVersion: s.apiVersion, metadata, spec } as unknown as StoredPool;
  });
}

/**
 * decodeNatLine decodes line 2 of a v2 snapshot: natPoolOf of every pool, in name order.
 * Throws UnavailableError when the line is not a projection.
 */
export function decodeNatLine(text: string, count: number, path: string): NatPool[] {
  let d: { names?: unknown[]; cidrs?: unknown[]; flags?: number[]; blockSizes?: unknown[]; allowedUses?: number[]; uses?: unknown[] };
  try {
    d = JSON.parse(text) as typeof d;
  } catch (e) {
    throw invalidJson(path, e);
  }
  const { names, cidrs, flags, blockSizes, allowedUses, uses } = d ?? {};
  const n = count;
  for (const col of [names, cidrs, flags, blockSizes, allowedUses, uses]) {
    if (!Array.isArray(col) || (col !== uses && col.length !== n)) throw damagedSnapshot(path, 'the NAT columns do not match the header');
  }
  const out = new Array<NatPool>(n);
  for (let i = 0; i < n; i++) {
    const f = flags![i]!;
    const bs = blockSizes![i];
    const u = allowedUses![i]!;
    const p: { -readonly [K in keyof NatPool]: NatPool[K] } = {
      name: names![i] as string,
      cidr: cidrs![i] as string,
      natOutgoing: (f & NAT_OUTGOING) !== 0,
      disabled: (f & DISABLED) !== 0,
    };
    if (u >= 0) p.allowedUses = uses![u] as string[];
    if (bs) p.blockSize = bs as number;
    out[i] = p;
  }
  return out;
}

/** hasTopKeys reports whether a pool's keys are exactly kind, apiVersion, metadata, spec, in this order. */
function hasTopKeys(o: Record<string, unknown>): boolean {
  let i = 0;
  for (const k in o) if (k !== TOP_KEYS[i++]) return false;
  return i === TOP_KEYS.length;
}

/** keysMatch reports whether shapeKeys(o) would return keys (without allocating). */
function keysMatch(o: Record<string, unknown>, keys: readonly string[]): boolean {
  if (!isRecord(o)) return false;
  let i = 0;
  for (const k in o) {
    if (o[k] === undefined) continue;
    if (k !== keys[i++]) return false;
  }
  return i === keys.length;
}

/** pushValues appends the object's defined values to the columns from index c on; returns the next column index. */
function pushValues(o: Record<string, unknown>, cols: unknown[][], c: number): number {
  for (const k in o) {
    const v = o[k];
    if (v !== undefined) cols[c++]!.push(v);
  }
  return c;
}

/** shapeKeys returns an object's keys whose values JSON keeps (not undefined), or null when one cannot be a column (`__proto__`). */
function shapeKeys(o: Record<string, unknown>): string[] | null {
  const keys: string[] = [];
  for (const k of Object.keys(o)) {
    if (o[k] === undefined) continue;
    if (k === '__proto__') return null;
    keys.push(k);
  }
  return keys;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** FEW_SHAPES: up to this many shapes, a pool is matched against each before its keys are listed. */
const FEW_SHAPES = 16;

const TOP_KEYS: readonly string[] = ['kind', 'apiVersion', 'metadata', 'spec'];

/**
 * encodeSnapshot returns a v2 snapshot of the pools (sorted by name, names unique) at the
 * given revision counter, with its lineage. A pool of another layout than {kind, apiVersion,
 * metadata, spec} (a hand-made file) is kept whole.
 */
export function encodeSnapshot(revision: number, pools: readonly StoredPool[], lineage: Lineage = { id: '', parents: '' }, kinds: OtherKinds = {}): string {
  const nat = {
    names: [] as unknown[],
    cidrs: [] as unknown[],
    flags: [] as number[],
    blockSizes: [] as unknown[],
    allowedUses: [] as number[],
    uses: [] as unknown[],
  };
  const usesIndex = new Map<string, number>();
  const order: number[] = [];
  const shapes: ShapeDoc[] = [];
  const shapeIndex = new Map<string, number>();
  let raw = -1;
  let lastUses = -1;
  for (const p of pools) {
    const np = natPoolOf(p);
    nat.names.push(np.name);
    nat.cidrs.push(np.cidr);
    nat.flags.push((np.natOutgoing ? NAT_OUTGOING : 0) | (np.disabled ? DISABLED : 0));
    nat.blockSizes.push(np.blockSize ?? 0);
    if (np.allowedUses === undefined) nat.allowedUses.push(-1);
    else {
      // consecutive pools mostly have equal lists: compare with the last one before hashing
      if (lastUses < 0 || !sameList(np.allowedUses, nat.uses[lastUses] as readonly unknown[])) {
        const key = JSON.stringify(np.allowedUses);
        let u = usesIndex.get(key);
        if (u === undefined) {
          u = nat.uses.push(np.allowedUses) - 1;
          usesIndex.set(key, u);
        }
        lastUses = u;
      }
      nat.allowedUses.push(lastUses);
    }

    const o = p as unknown as Record<string, unknown>;
    const m = o.metadata as Record<string, unknown>;
    const sp = o.spec as Record<string, unknown>;
    // a store has a few shapes (natOutgoing and disabled are omitted when false): try them first
    let s = -1;
    if (shapes.length <= FEW_SHAPES && hasTopKeys(o)) {
      for (let k = 0; k < shapes.length && s < 0; k++) {
        const sh = shapes[k]!;
        if (sh.kind === o.kind && sh.apiVersion === o.apiVersion && keysMatch(m, sh.metadata!) && keysMatch(sp, sh.spec!)) s = k;
      }
    }
    if (s < 0) {
      const meta = isRecord(m) ? shapeKeys(m) : null;
      const spec = isRecord(sp) ? shapeKeys(sp) : null;
      if (!meta || !spec || typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || !hasTopKeys(o)) {
        if (raw < 0) raw = shapes.push({ raw: [] }) - 1;
        shapes[raw]!.raw!.push(p);
        order.push(raw);
        continue;
      }
      const key = `${o.kind}\0${o.apiVersion}\0${meta.join('\0')}\0\0${spec.join('\0')}`;
      s = shapeIndex.get(key) ?? -1;
      if (s < 0) {
        s = shapes.push({ kind: o.kind, apiVersion: o.apiVersion, metadata: meta, spec, columns: [...meta, ...spec].map(() => []) }) - 1;
        shapeIndex.set(key, s);
      }
    }
    order.push(s);
    const cols = shapes[s]!.columns!;
    pushValues(sp, cols, pushValues(m, cols, 0));
  }
  const natLine = JSON.stringify(nat);
  const poolsLine = JSON.stringify({ order, shapes });
  const natBytes = Buffer.byteLength(natLine) + 1;
  const sections = Object.entries(kinds).filter(([, items]) => items.length > 0);
  const kindsLine = sections.length > 0 ? `${JSON.stringify(Object.fromEntries(sections))}\n` : '';
  const kindBytes = Buffer.byteLength(kindsLine);
  const rest = natBytes + Buffer.byteLength(poolsLine) + 1 + kindBytes;
  // the header's own length is part of bytes: fix it by adding the digits of the total
  const head = (bytes: number): string =>
    JSON.stringify({
      format: V2,
      revision: String(revision),
      count: order.length,
      natBytes,
      bytes,
      ...(kindBytes > 0 ? { kindBytes } : {}),
      id: lineage.id,
      parents: lineage.parents,
    });
  let bytes = rest + head(rest).length + 1;
  while (head(bytes).length + 1 + rest !== bytes) bytes = head(bytes).length + 1 + rest;
  return `${head(bytes)}\n${natLine}\n${poolsLine}\n${kindsLine}`;
}
