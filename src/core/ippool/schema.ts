import { decodeGo, foldKey, goStruct, goType, type GoDecodeResult, type GoStruct, type GoType } from './go-json.js';
import { unescapePointerSegment } from '../json-pointer.js';

/**
 * The structure of an IPPool document: the Go types calicoctl v3.31 decodes it into
 * (api/pkg/apis/projectcalico/v3/ippool.go; k8s.io/apimachinery/pkg/apis/meta/v1 ObjectMeta,
 * OwnerReference, ManagedFieldsEntry, ListMeta), decoded as go-json does (go-json.ts):
 * FIELD_UNKNOWN and TYPE_MISMATCH with calicoctl's texts. schemas/ippool.schema.json states
 * the same structure for editors (a test keeps the two in step).
 */

const STRING: GoType = goType('string', 'string');
const BOOL: GoType = goType('bool', 'bool');
const INT64: GoType = goType('int', 'int64');
const TIME: GoType = goType('time', 'v1.Time');
const STRING_MAP: GoType = goType('map', 'map[string]string', STRING);
const UID: GoType = goType('string', 'types.UID');

/** OWNER_REFERENCE is metav1.OwnerReference. */
const OWNER_REFERENCE = goStruct('v1.OwnerReference', [
  ['apiVersion', STRING],
  ['kind', STRING],
  ['name', STRING],
  ['uid', UID],
  ['controller', BOOL],
  ['blockOwnerDeletion', BOOL],
]);

/** MANAGED_FIELDS_ENTRY is metav1.ManagedFieldsEntry (fieldsV1 decodes any JSON). */
const MANAGED_FIELDS_ENTRY = goStruct('v1.ManagedFieldsEntry', [
  ['manager', STRING],
  ['operation', goType('string', 'v1.ManagedFieldsOperationType')],
  ['apiVersion', STRING],
  ['time', TIME],
  ['fieldsType', STRING],
  ['fieldsV1', goType('raw', 'v1.FieldsV1')],
  ['subresource', STRING],
]);

/** OBJECT_META is metav1.ObjectMeta, fields in declaration order. */
export const OBJECT_META: GoStruct = goStruct('v1.ObjectMeta', [
  ['name', STRING],
  ['generateName', STRING],
  ['namespace', STRING],
  ['selfLink', STRING],
  ['uid', UID],
  ['resourceVersion', STRING],
  ['generation', INT64],
  ['creationTimestamp', TIME],
  ['deletionTimestamp', TIME],
  ['deletionGracePeriodSeconds', INT64],
  ['labels', STRING_MAP],
  ['annotations', STRING_MAP],
  ['ownerReferences', goType('slice', '[]v1.OwnerReference', OWNER_REFERENCE)],
  ['finalizers', goType('slice', '[]string', STRING)],
  ['managedFields', goType('slice', '[]v1.ManagedFieldsEntry', MANAGED_FIELDS_ENTRY)],
]);

/** IPIP_CONFIGURATION is the deprecated v3.IPIPConfiguration. */
const IPIP_CONFIGURATION = goStruct('v3.IPIPConfiguration', [
  ['enabled', BOOL],
  ['mode', goType('string', 'v3.EncapMode')],
]);

/** IPPOOL_SPEC is v3.IPPoolSpec (v3.31), fields in declaration order. */
export const IPPOOL_SPEC: GoStruct = goStruct('v3.IPPoolSpec', [
  ['cidr', STRING],
  ['vxlanMode', goType('string', 'v3.VXLANMode')],
  ['ipipMode', goType('string', 'v3.IPIPMode')],
  ['natOutgoing', BOOL],
  ['disabled', BOOL],
  ['disableBGPExport', BOOL],
  ['blockSize', goType('int', 'int')],
  ['nodeSelector', STRING],
  ['namespaceSelector', STRING],
  ['ipip', IPIP_CONFIGURATION],
  ['nat-outgoing', BOOL],
  ['allowedUses', goType('slice', '[]v3.IPPoolAllowedUse', goType('string', 'v3.IPPoolAllowedUse'))],
  ['assignmentMode', goType('string', 'v3.AssignmentMode')],
]);

/** IPPOOL is v3.IPPool: TypeMeta inline (kind, apiVersion), metadata, spec. */
export const IPPOOL: GoStruct = goStruct('v3.IPPool', [
  ['kind', STRING],
  ['apiVersion', STRING],
  ['metadata', OBJECT_META],
  ['spec', IPPOOL_SPEC],
]);

/** LIST_META is metav1.ListMeta. */
const LIST_META = goStruct('v1.ListMeta', [
  ['selfLink', STRING],
  ['resourceVersion', STRING],
  ['continue', STRING],
  ['remainingItemCount', INT64],
]);

/**
 * listEnvelope is a list's Go type without its items, which are read one by one as documents of
 * their own: v3.IPPoolList, v3.FelixConfigurationList, or kubectl's `v1 List` (an addition to
 * calicoctl, decision 6).
 */
export function listEnvelope(name: string): GoStruct {
  return goStruct(name, [
    ['kind', STRING],
    ['apiVersion', STRING],
    ['metadata', LIST_META],
    ['items', goType('raw', '[]runtime.Object')],
  ]);
}

/** IPPOOL_LIST is v3.IPPoolList's envelope. */
export const IPPOOL_LIST: GoStruct = listEnvelope('v3.IPPoolList');
/** V1_LIST is kubectl's `v1 List` envelope (metav1.List). */
export const V1_LIST: GoStruct = listEnvelope('v1.List');

/** levenshtein is the edit distance of two short strings (for "did you mean" hints). */
function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** structAt returns the struct a pointer into a document of type `root` names, if any. */
function structAt(root: GoType, pointer: string): GoType | undefined {
  let t: GoType | null | undefined = root;
  for (const seg of pointer === '' ? [] : pointer.slice(1).split('/')) {
    if (!t) return undefined;
    if (t.kind === 'struct') {
      const key = foldKey(unescapePointerSegment(seg));
      t = t.fields.find((x) => foldKey(x.json) === key)?.type;
    } else {
      t = t.elem;
    }
  }
  return t?.kind === 'struct' ? t : undefined;
}

/** suggest returns the field of the struct at `parent` closest to an unknown key, if close enough. */
function suggest(root: GoType, parent: string, key: string): string | undefined {
  const st = structAt(root, parent);
  if (!st) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const f of st.fields) {
    const d = levenshtein(key, f.json);
    if (d < bestD) {
      best = f.json;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * SchemaCheck is the outcome of the structural check: decodeGo's (diagnostics; decodable: no
 * type mismatch, so the document decodes into an IPPool, unknown fields dropped; value: the
 * document as Go decodes it; renamed: where fields written in other case are).
 */
export type SchemaCheck = GoDecodeResult;

/**
 * checkIPPoolSchema decodes a document as calicoctl decodes an IPPool (or, with IPPOOL_LIST or
 * V1_LIST, a list's envelope): checkSchema with IPPool's Go type.
 */
export function checkIPPoolSchema(doc: unknown, type: GoStruct = IPPOOL): SchemaCheck {
  return checkSchema(doc, type);
}

/**
 * checkSchema decodes a document into a resource's Go type as calicoctl does (IPPool,
 * FelixConfiguration, a list's envelope): FIELD_UNKNOWN at each unknown key, with a "did you
 * mean" hint, and TYPE_MISMATCH at each value of the wrong type, in document order.
 */
export function checkSchema(doc: unknown, type: GoStruct): SchemaCheck {
  const r = decodeGo(doc, type);
  if (r.diagnostics.length === 0) return r;
  const diagnostics = r.diagnostics.map((d) => {
    if (d.code !== 'FIELD_UNKNOWN' || d.hint || !d.path) return d;
    const slash = d.path.lastIndexOf('/');
    const near = suggest(type, d.path.slice(0, slash), unescapePointerSegment(d.path.slice(slash + 1)));
    return near ? { ...d, hint: `did you mean "${near}"?` } : d;
  });
  return { ...r, diagnostics };
}
