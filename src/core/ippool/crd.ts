import type { Diagnostic } from './diagnostic.js';
import { decodeGo } from './go-json.js';
import { OBJECT_META } from './schema.js';
import type { IPPool } from './types.js';
import { escapePointerSegment } from '../json-pointer.js';

/**
 * The kubectl form of an IPPool: the `crd.projectcalico.org/v1` custom resource that backs it
 * in a Kubernetes-datastore cluster (what `kubectl get ippools.crd.projectcalico.org -o yaml`
 * prints). Its spec is the v3 spec; its metadata is Kubernetes', with Calico's own metadata
 * (creation time, labels, annotations) in the `projectcalico.org/metadata` annotation
 * (libcalico-go/lib/backend/k8s/resources/resources.go, ConvertCalicoResourceToK8sResource and
 * ConvertK8sResourceToCalicoResource, v3.31.7). poolctl reads it as Calico reads it and prints
 * pools in it (decision 6).
 */

/** CRD_API_VERSION is the kubectl form's apiVersion. */
export const CRD_API_VERSION = 'crd.projectcalico.org/v1';

/** METADATA_ANNOTATION holds a CRD-backed resource's Calico metadata, as JSON. */
export const METADATA_ANNOTATION = 'projectcalico.org/metadata';

/** ResourceForm is the form a document gives a pool in: Calico's v3 API, or the kubectl (CRD) form. */
export type ResourceForm = 'v3' | 'crd';

/** SERVER_SET are the metadata fields a cluster sets; a kubectl snapshot carries them, a write drops them. */
const SERVER_SET = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ANNOTATION_PATH = `/metadata/annotations/${escapePointerSegment(METADATA_ANNOTATION)}`;

/** FromCrd is a kubectl-form document read as the v3 pool Calico sees. */
export interface FromCrd {
  readonly value: Record<string, unknown>;
  /** diagnostics: a metadata annotation Calico could not read. */
  readonly diagnostics: readonly Diagnostic[];
  /** renamed maps pointers of labels and annotations that came from the metadata annotation to the annotation's pointer. */
  readonly renamed: ReadonlyMap<string, string>;
}

/**
 * fromCrd reads a decoded kubectl-form IPPool as Calico does: labels and annotations are the
 * resource's own merged with those in the metadata annotation (which is removed), and the
 * server-set metadata (uid, resourceVersion, creationTimestamp, generation, managedFields, ...)
 * is left out, so that writing it stores a new v3 pool. The apiVersion becomes
 * projectcalico.org/v3.
 */
export function fromCrd(doc: Record<string, unknown>): FromCrd {
  const meta = isRecord(doc.metadata) ? { ...doc.metadata } : {};
  for (const k of SERVER_SET) delete meta[k];
  const renamed = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const annotations = isRecord(meta.annotations) ? { ...(meta.annotations as Record<string, string>) } : undefined;
  const raw = annotations?.[METADATA_ANNOTATION];
  if (annotations && raw !== undefined) {
    delete annotations[METADATA_ANNOTATION];
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      parsed = undefined;
      diagnostics.push({ code: 'TYPE_MISMATCH', severity: 'error', message: `cannot read the ${METADATA_ANNOTATION} annotation: ${(e as Error).message}`, path: ANNOTATION_PATH });
    }
    if (parsed !== undefined) {
      const d = decodeGo(parsed, OBJECT_META);
      const typeErrors = d.diagnostics.filter((x) => x.code === 'TYPE_MISMATCH');
      for (const x of typeErrors) diagnostics.push({ ...x, message: `${METADATA_ANNOTATION} annotation: ${x.message}`, path: ANNOTATION_PATH });
      const m = typeErrors.length === 0 && isRecord(d.value) ? d.value : {};
      for (const key of ['labels', 'annotations'] as const) {
        const extra = m[key];
        if (!isRecord(extra)) continue;
        const into: Record<string, unknown> = key === 'annotations' ? annotations : isRecord(meta.labels) ? { ...meta.labels } : {};
        for (const [k, v] of Object.entries(extra)) {
          into[k] = v;
          renamed.set(`/metadata/${key}/${escapePointerSegment(k)}`, ANNOTATION_PATH);
        }
        if (key === 'labels') meta.labels = into;
      }
    }
  }
  if (annotations) {
    if (Object.keys(annotations).length > 0) meta.annotations = annotations;
    else delete meta.annotations;
  }
  return { value: { ...doc, apiVersion: 'projectcalico.org/v3', metadata: meta }, diagnostics, renamed };
}

/** isOurs is Calico's test for labels and annotations it keeps on the CRD itself. */
function isOurs(key: string): boolean {
  return key.includes('projectcalico.org/') || key.includes('operator.tigera.io/');
}

/**
 * toCrd returns a stored pool in the kubectl form, as Calico writes it to Kubernetes
 * (ConvertCalicoResourceToK8sResource): the name, Calico's metadata (creationTimestamp,
 * labels, annotations) as JSON in the metadata annotation, only Calico's own labels and
 * annotations on the resource itself, and the spec. Cluster-set fields (uid,
 * resourceVersion) are left out: they belong to the cluster the pool is applied to.
 */
export function toCrd(pool: IPPool): Record<string, unknown> {
  const m = pool.metadata;
  // json.Marshal of Calico's ObjectMeta copy: creationTimestamp always, maps with sorted keys.
  const sorted = (x: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const kept: Record<string, unknown> = { creationTimestamp: m.creationTimestamp ?? null };
  if (m.labels && Object.keys(m.labels).length > 0) kept.labels = sorted(m.labels);
  if (m.annotations && Object.keys(m.annotations).length > 0) kept.annotations = sorted(m.annotations);
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = { [METADATA_ANNOTATION]: JSON.stringify(kept) };
  for (const [k, v] of Object.entries(m.labels ?? {})) if (isOurs(k)) labels[k] = v;
  for (const [k, v] of Object.entries(m.annotations ?? {})) if (isOurs(k)) annotations[k] = v;
  const metadata: Record<string, unknown> = { name: m.name };
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  metadata.annotations = annotations;
  return { apiVersion: CRD_API_VERSION, kind: 'IPPool', metadata, spec: pool.spec };
}
