import {
  API_VERSION,
  IPPOOL as CORE_IPPOOL,
  IPPOOL_SPEC as CORE_IPPOOL_SPEC,
  KIND_IPPOOL,
  OBJECT_META as CORE_OBJECT_META,
  orderFelixSpec,
  setDefaults,
  type GoType as CoreGoType,
  type IPPool,
  type IPPoolSpec,
  type ObjectMeta,
} from '../core/index.js';
import type { ResourceValue, StoredPool, StoredResource } from './datastore.js';

// Calico's resources are Go structs marshalled by encoding/json: fields in declaration order,
// `omitempty` fields dropped when false, 0, "" or empty. poolctl keeps that shape for what it
// stores (etcd values byte-compatible with calicoctl's) and prints (`get -o json`).

/** Field order of metav1.ObjectMeta and of IPPoolSpec: core's Go types (core/ippool/schema.ts), the one field list; all omitempty but cidr. */
const META_ORDER = CORE_OBJECT_META.fields.map((f) => f.json);
const SPEC_ORDER = CORE_IPPOOL_SPEC.fields.map((f) => f.json);

/** isDefaulted reports whether a spec has every field setDefaults fills in (the usual case: a checked pool). */
function isDefaulted(spec: IPPoolSpec): boolean {
  return Boolean(
    spec.blockSize && spec.allowedUses && spec.allowedUses.length > 0 && spec.nodeSelector && spec.ipipMode && spec.vxlanMode && spec.assignmentMode != null,
  );
}

/** isEmpty is Go's omitempty test for JSON values (a nil pointer is null). */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.length === 0;
  for (const _ in v) return false;
  return true;
}

/** Shape is a Go struct's JSON field order, which fields have no omitempty, and each field's rank. */
interface Shape {
  readonly order: readonly string[];
  readonly always: readonly boolean[];
  readonly rank: ReadonlyMap<string, number>;
}

function shape(order: readonly string[], always: readonly string[]): Shape {
  return { order, always: order.map((k) => always.includes(k)), rank: new Map(order.map((k, i) => [k, i])) };
}

const META = shape(META_ORDER, ['resourceVersion']);
const SPEC = shape(SPEC_ORDER, ['cidr', 'assignmentMode']);

/**
 * ordered copies `src` with the shape's fields first (omitempty ones dropped when empty),
 * then any other keys in their own order, so fields a newer Calico wrote survive a round
 * trip. `over` replaces fields of src (server-set metadata) without copying src first.
 * It visits only the keys present (a pool has a few of the shape's fields).
 */
function ordered(src: Record<string, unknown>, s: Shape, over?: Record<string, unknown>): Record<string, unknown> {
  const values: unknown[] = new Array(s.order.length);
  let extra: string[] | null = null;
  for (const k of Object.keys(src)) {
    const r = s.rank.get(k);
    if (r !== undefined) values[r] = src[k];
    else if (src[k] !== undefined && k !== '__proto__') (extra ??= []).push(k);
  }
  if (over) {
    for (const k of Object.keys(over)) {
      const r = s.rank.get(k);
      if (r !== undefined) values[r] = over[k];
    }
  }
  const out: Record<string, unknown> = {};
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined || (!s.always[i] && isEmpty(v))) continue;
    out[s.order[i]!] = v;
  }
  if (extra) for (const k of extra) out[k] = src[k];
  return out;
}

/**
 * toStoredPool returns the pool as Calico marshals it (`kind`, `apiVersion`, `metadata`,
 * `spec`, Go field order, omitempty applied) with the given server-set metadata and the
 * spec defaults Calico applies on write and again on read (core setDefaults, after clientv3
 * validateAndSetDefaults / convertIpPoolFromStorage), so every pool a datastore stores or
 * returns is complete. The input is not modified; labels, annotations and spec are copied.
 */
export function toStoredPool(input: IPPool, server: { resourceVersion: string; uid: string; creationTimestamp: string }): StoredPool {
  const pool = isDefaulted(input.spec) ? input : setDefaults(input);
  const meta = ordered(pool.metadata as unknown as Record<string, unknown>, META, server);
  if (meta.labels) meta.labels = { ...(meta.labels as Record<string, string>) };
  if (meta.annotations) meta.annotations = { ...(meta.annotations as Record<string, string>) };
  const spec = ordered(pool.spec as unknown as Record<string, unknown>, SPEC);
  if (Array.isArray(spec.allowedUses)) spec.allowedUses = [...(spec.allowedUses as string[])];
  return {
    kind: KIND_IPPOOL,
    apiVersion: API_VERSION,
    metadata: meta as unknown as StoredPool['metadata'],
    spec: spec as unknown as IPPoolSpec,
  } as StoredPool;
}

/**
 * undecodablePool stands for a stored value that is not an IPPool where a delete returns what
 * it removed: the name and resourceVersion, an empty spec.
 */
export function undecodablePool(name: string, resourceVersion: string): StoredPool {
  return { apiVersion: API_VERSION, kind: KIND_IPPOOL, metadata: { name, resourceVersion, uid: '', creationTimestamp: '' }, spec: { cidr: '' } };
}

/** encodeEtcdValue is the etcd value of a pool: Calico's compact JSON without metadata.resourceVersion. */
export function encodeEtcdValue(pool: StoredPool): string {
  const { resourceVersion: _rv, ...metadata } = pool.metadata;
  return JSON.stringify({ kind: pool.kind, apiVersion: pool.apiVersion, metadata, spec: pool.spec });
}

// Reading a stored value as Calico does: libcalico-go's model.ParseValue unmarshals it into the
// IPPool Go struct with json-iterator in its encoding/json-compatible mode
// (libcalico-go/lib/json/json.go). So a key matches a field exactly or, failing that, by its
// lower-case form (strings.ToLower, under which only the Kelvin sign and a dotted capital I
// become ASCII letters); unknown keys are ignored by Go (poolctl keeps them after the known
// ones, except `__proto__`, which no Calico field can be); null leaves a plain field as it was
// and empties a pointer; a value of the wrong type fails the whole pool (Calico then leaves
// the entry out of every list, etcdv3/conversion.go). Fields missing from the value stay at
// their zero value (spec.cidr ""). One deviation: JSON numbers are read as JS numbers, so an
// integral `26.0` passes where Go wants the literal `26`.

/** GoType is the Go type of a field, as far as decoding is concerned. */
type GoType =
  | 'string'
  | 'bool'
  | 'int'
  | 'time'
  | '*time'
  | '*int'
  | '*string'
  | 'map[string]string'
  | '[]string'
  | '[]struct'
  | GoStruct;

/** GoStruct is a struct's JSON fields (canonical names) and its pointer-ness. */
export interface GoStruct {
  readonly fields: Readonly<Record<string, GoType>>;
  /** pointer: null sets the field to nil (absent) rather than leaving it as it was */
  readonly pointer?: boolean;
  /** exact maps each field's name to its type; lower each lower-case name to the name, for Go's case-insensitive match */
  readonly exact: ReadonlyMap<string, GoType>;
  readonly lower: ReadonlyMap<string, string>;
}

function goStruct(fields: Record<string, GoType>, pointer = false): GoStruct {
  return { fields, pointer, exact: new Map(Object.entries(fields)), lower: new Map(Object.keys(fields).map((k) => [k.toLowerCase(), k])) };
}

/**
 * POINTERS are the fields of IPPool's Go struct that are pointers (null sets them to nil rather
 * than leaving them as they were): metav1.ObjectMeta's deletionTimestamp and
 * deletionGracePeriodSeconds, IPPoolSpec's ipip and assignmentMode (v3.31). The field lists
 * themselves are core's (core/ippool/schema.ts).
 */
export const POINTERS: ReadonlySet<string> = new Set(['metadata.deletionTimestamp', 'metadata.deletionGracePeriodSeconds', 'spec.ipip', 'spec.assignmentMode']);

/** decodeTypeOf is the decoding type of a core Go type at a field path (POINTERS say which are pointers). */
function decodeTypeOf(t: CoreGoType, path: string): GoType {
  const pointer = POINTERS.has(path);
  switch (t.kind) {
    case 'struct':
      return goStruct(Object.fromEntries(t.fields.map((f) => [f.json, decodeTypeOf(f.type, path ? `${path}.${f.json}` : f.json)])), pointer);
    case 'string':
      return pointer ? '*string' : 'string';
    case 'int':
      return pointer ? '*int' : 'int';
    case 'time':
      return pointer ? '*time' : 'time';
    case 'bool':
      return 'bool';
    case 'map':
      return 'map[string]string';
    case 'slice':
      return t.elem?.kind === 'struct' ? '[]struct' : '[]string';
    default:
      throw new Error(`codec: no decoding for ${t.name} at ${path}`);
  }
}

/**
 * IPPOOL is the IPPool struct as stored values are decoded: TypeMeta inline, metadata, spec,
 * made from core's Go types (core/ippool/schema.ts IPPOOL), so the field list stands once.
 */
export const IPPOOL = decodeTypeOf(CORE_IPPOOL, '') as GoStruct;

/** DecodeError is a stored value Go would refuse; message names the field. */
class DecodeError extends Error {}

/** goLower is Go's strings.ToLower as far as it can yield an ASCII field name. */
function goLower(key: string): string {
  let out = '';
  for (const ch of key) out += ch === '\u212a' ? 'k' : ch === '\u0130' ? 'i' : ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : ch;
  return out;
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** at joins a field path for messages (built only when there is an error to report). */
function at(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

function mismatch(path: string, want: string, v: unknown): DecodeError {
  return new DecodeError(`${path}: cannot decode a JSON ${jsonKind(v)} into ${want}`);
}

/** RFC3339 is the text Go's time.Parse(time.RFC3339, ...) accepts (fields range-checked below). */
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-](\d\d):(\d\d))$/;

/** goodTimes remembers times already checked: pools written together share their creationTimestamp. */
const goodTimes = new Set<string>();

function isRfc3339(s: string): boolean {
  if (goodTimes.has(s)) return true;
  const m = RFC3339.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const days = mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
  const ok =
    mo >= 1 && mo <= 12 && Number(m[3]) >= 1 && Number(m[3]) <= days && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60 && (m[9] === undefined || (Number(m[9]) < 24 && Number(m[10]) < 60));
  if (ok) {
    if (goodTimes.size >= 4096) goodTimes.clear();
    goodTimes.add(s);
  }
  return ok;
}

/** setOwn sets a data property, `__proto__` included, without touching the object's prototype. */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * decodeValue decodes v, field `key` of the value at `path`, as Go type t. It returns
 * `undefined` where Go leaves the field as it was (null into a plain field) and null where
 * Go sets nil (null into a pointer, slice or map).
 */
function decodeValue(v: unknown, t: GoType, path: string, key: string): unknown {
  if (typeof t === 'object') {
    if (v === null) return t.pointer ? null : undefined;
    return decodeStruct(v, t, at(path, key));
  }
  if (v === null) return t.charCodeAt(0) === 0x2a || t.startsWith('[]') || t.startsWith('map') ? null : undefined;
  switch (t) {
    case 'string':
    case '*string':
      if (typeof v !== 'string') throw mismatch(at(path, key), 'a Go string', v);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw mismatch(at(path, key), 'a Go bool', v);
      return v;
    case 'int':
    case '*int':
      if (typeof v !== 'number') throw mismatch(at(path, key), 'a Go int', v);
      if (!Number.isSafeInteger(v)) throw new DecodeError(`${at(path, key)}: cannot decode the number ${v} into a Go int`);
      return v;
    case 'time':
    case '*time':
      if (typeof v !== 'string') throw mismatch(at(path, key), 'a time (RFC 3339 text)', v);
      if (!isRfc3339(v)) throw new DecodeError(`${at(path, key)}: ${JSON.stringify(v)} is not an RFC 3339 time`);
      return v;
    case 'map[string]string': {
      if (jsonKind(v) !== 'object') throw mismatch(at(path, key), 'a map of strings', v);
      const out: Record<string, string> = {};
      for (const k of Object.keys(v as object)) {
        const e = (v as Record<string, unknown>)[k];
        if (e !== null && typeof e !== 'string') throw mismatch(at(at(path, key), k), 'a Go string', e);
        setOwn(out, k, e ?? '');
      }
      return out;
    }
    case '[]string':
      if (!Array.isArray(v)) throw mismatch(at(path, key), 'a list of strings', v);
      return v.map((e, i) => {
        if (e !== null && typeof e !== 'string') throw mismatch(at(at(path, key), i), 'a Go string', e);
        return e ?? '';
      });
    case '[]struct':
      if (!Array.isArray(v)) throw mismatch(at(path, key), 'a list', v);
      v.forEach((e, i) => {
        if (e !== null && jsonKind(e) !== 'object') throw mismatch(at(at(path, key), i), 'a Go struct', e);
      });
      return v;
  }
}

/**
 * isCanonical reports whether v already is what decodeStruct would make of it: every key a
 * field's exact name, every value of its field's type (no null). Values poolctl and calicoctl
 * write are; they are then used as parsed, without a copy (reading 10,000 pools stays as fast
 * as JSON.parse allows).
 */
function isCanonical(v: unknown, s: GoStruct): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k of Object.keys(v)) {
    const t = s.exact.get(k);
    const e = (v as Record<string, unknown>)[k];
    if (t === undefined) return false;
    if (typeof t === 'object') {
      if (!isCanonical(e, t)) return false;
      continue;
    }
    switch (t) {
      case 'string':
      case '*string':
        if (typeof e !== 'string') return false;
        break;
      case 'bool':
        if (typeof e !== 'boolean') return false;
        break;
      case 'int':
      case '*int':
        if (!Number.isSafeInteger(e)) return false;
        break;
      case 'time':
      case '*time':
        if (typeof e !== 'string' || !isRfc3339(e)) return false;
        break;
      case 'map[string]string':
        if (typeof e !== 'object' || e === null || Array.isArray(e)) return false;
        for (const x of Object.values(e)) if (typeof x !== 'string') return false;
        break;
      case '[]string':
        if (!Array.isArray(e)) return false;
        for (const x of e) if (typeof x !== 'string') return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** decodeStruct decodes an object into struct s: known fields (Go's matching), then unknown keys but `__proto__`. */
function decodeStruct(v: unknown, s: GoStruct, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw mismatch(path, 'a Go struct', v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const raw = (v as Record<string, unknown>)[k];
    let name = k;
    let t = s.exact.get(k);
    if (t === undefined) {
      const folded = s.lower.get(goLower(k));
      if (folded === undefined) {
        if (k !== '__proto__') out[k] = raw;
        continue;
      }
      name = folded;
      t = s.exact.get(folded)!;
    }
    const val = decodeValue(raw, t, path, name);
    if (val === null) delete out[name];
    else if (val !== undefined) out[name] = val;
  }
  return out;
}

/** Decoded is a stored value read as Calico reads it: a pool (with a note when its name differs from its key), or why it is not one. */
export type Decoded = { readonly ok: true; readonly pool: StoredPool; readonly note?: string } | { readonly ok: false; readonly reason: string };

/**
 * decodeStoredPool reads the etcd value stored at the key of pool `keyName` as Calico does
 * (above) and sets its resourceVersion; defaults are filled in (pools written by older Calico
 * lack some fields, see toStoredPool). The pool is named by its key, as every reader and
 * writer addresses it; a value naming another pool gets a note. A value Go would refuse is
 * `ok: false` with the reason: the caller leaves it out and says so.
 */
export function decodeStoredPool(json: string, resourceVersion: string, keyName: string): Decoded {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    // V8's message quotes the text: give only where it goes wrong.
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    return { ok: false, reason: at === undefined ? 'not JSON' : `not JSON (at character ${Number(at) + 1})` };
  }
  let o: { metadata?: Record<string, unknown>; spec?: Record<string, unknown> };
  try {
    o = v === null ? {} : isCanonical(v, IPPOOL) ? (v as typeof o) : decodeStruct(v, IPPOOL, '');
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, reason: e.message };
    throw e;
  }
  const meta = o.metadata ?? {};
  const named = typeof meta.name === 'string' ? meta.name : '';
  meta.name = keyName;
  const spec = o.spec ?? {};
  spec.cidr ??= '';
  const pool = toStoredPool({ apiVersion: API_VERSION, kind: KIND_IPPOOL, metadata: meta as unknown as ObjectMeta, spec: spec as unknown as IPPoolSpec }, {
    resourceVersion,
    uid: typeof meta.uid === 'string' ? meta.uid : '',
    creationTimestamp: typeof meta.creationTimestamp === 'string' ? meta.creationTimestamp : '',
  });
  return named === keyName ? { ok: true, pool } : { ok: true, pool, note: named === '' ? 'its value has no metadata.name' : `its value names the pool ${JSON.stringify(named)}` };
}

/** StoredShape is a stored resource's JSON before it is checked. */
interface StoredShape {
  kind?: unknown;
  metadata?: Partial<ObjectMeta>;
  spec?: unknown;
}

/** parseStored parses a stored value (text, or JSON already parsed) into an object, or null. */
function parseStored(json: string | unknown): StoredShape | null {
  let v: unknown = json;
  if (typeof json === 'string') {
    try {
      v = JSON.parse(json);
    } catch {
      return null;
    }
  }
  return typeof v === 'object' && v !== null ? (v as StoredShape) : null;
}

/** serverMeta is the server-set metadata of a stored value read back: its uid and creationTimestamp, and the resourceVersion given. */
function serverMeta(m: Partial<ObjectMeta>, resourceVersion: string): { resourceVersion: string; uid: string; creationTimestamp: string } {
  return {
    resourceVersion,
    uid: typeof m.uid === 'string' ? m.uid : '',
    creationTimestamp: typeof m.creationTimestamp === 'string' ? m.creationTimestamp : '',
  };
}

/**
 * toStoredResource returns a resource of another kind (FelixConfiguration) as Calico marshals
 * it (`kind`, `apiVersion`, `metadata`, `spec` in Go field order, omitempty applied) with the
 * given server-set metadata. Labels, annotations and spec are copied.
 */
export function toStoredResource(input: ResourceValue, server: { resourceVersion: string; uid: string; creationTimestamp: string }): StoredResource {
  const meta = ordered(input.metadata as unknown as Record<string, unknown>, META, server);
  if (meta.labels) meta.labels = { ...(meta.labels as Record<string, string>) };
  if (meta.annotations) meta.annotations = { ...(meta.annotations as Record<string, string>) };
  return {
    kind: input.kind,
    apiVersion: input.apiVersion,
    metadata: meta as unknown as StoredResource['metadata'],
    spec: structuredClone(orderFelixSpec(input.spec ?? {})),
  };
}

/** encodeResourceValue is the etcd value of a resource of another kind: Calico's compact JSON without metadata.resourceVersion. */
export function encodeResourceValue(r: StoredResource): string {
  const { resourceVersion: _rv, ...metadata } = r.metadata;
  return JSON.stringify({ kind: r.kind, apiVersion: r.apiVersion, metadata, spec: r.spec });
}

/**
 * decodeStoredResource reads a resource's stored JSON (an etcd value, a snapshot entry) of the
 * given kind and sets its resourceVersion; null when it is not an object of that kind with a
 * name (Calico skips entries it cannot parse).
 */
export function decodeStoredResource(json: string | unknown, kind: string, resourceVersion: string): StoredResource | null {
  const o = parseStored(json);
  if (!o) return null;
  if (o.kind !== kind || typeof o.metadata?.name !== 'string') return null;
  const spec = typeof o.spec === 'object' && o.spec !== null && !Array.isArray(o.spec) ? (o.spec as Record<string, unknown>) : {};
  return toStoredResource({ ...(o as ResourceValue), spec }, serverMeta(o.metadata, resourceVersion));
}
