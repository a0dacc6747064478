import { API_VERSION, KIND_IPPOOL, orderFelixSpec, setDefaults, type IPPool, type IPPoolSpec, type ObjectMeta } from '../core/index.js';
import type { ResourceValue, StoredPool, StoredResource } from './datastore.js';

// Calico's resources are Go structs marshalled by encoding/json: fields in declaration order,
// `omitempty` fields dropped when false, 0, "" or empty. poolctl keeps that shape for what it
// stores (etcd values byte-compatible with calicoctl's) and prints (`get -o json`).

/** Field order of metav1.ObjectMeta (k8s.io/apimachinery/pkg/apis/meta/v1/types.go). */
const META_ORDER = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
] as const;

/** Field order of IPPoolSpec (api/pkg/apis/projectcalico/v3/ippool.go, v3.31); all omitempty but cidr. */
const SPEC_ORDER = [
  'cidr',
  'vxlanMode',
  'ipipMode',
  'natOutgoing',
  'disabled',
  'disableBGPExport',
  'blockSize',
  'nodeSelector',
  'namespaceSelector',
  'ipip',
  'nat-outgoing',
  'allowedUses',
  'assignmentMode',
] as const;

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
    else if (src[k] !== undefined) (extra ??= []).push(k);
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

/** encodeEtcdValue is the etcd value of a pool: Calico's compact JSON without metadata.resourceVersion. */
export function encodeEtcdValue(pool: StoredPool): string {
  const { resourceVersion: _rv, ...metadata } = pool.metadata;
  return JSON.stringify({ kind: pool.kind, apiVersion: pool.apiVersion, metadata, spec: pool.spec });
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
 * decodeStoredPool reads an IPPool's etcd value and sets its resourceVersion; defaults are
 * filled in (pools written by older Calico lack some fields, see toStoredPool). null when the
 * value is not an IPPool object with a name and a spec (Calico skips entries it cannot parse,
 * `etcdv3/conversion.go` convertListResponse).
 */
export function decodeStoredPool(json: string | unknown, resourceVersion: string): StoredPool | null {
  const o = parseStored(json);
  if (!o) return null;
  if (o.kind !== KIND_IPPOOL || typeof o.metadata?.name !== 'string' || typeof o.spec !== 'object' || o.spec === null) return null;
  return toStoredPool(o as IPPool, serverMeta(o.metadata, resourceVersion));
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
