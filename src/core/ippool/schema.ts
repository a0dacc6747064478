import type { Diagnostic } from './diagnostic.js';
import { quickValid, validate as validateGenerated } from './schema.generated.js';
import { escapePointerSegment, unescapePointerSegment } from '../json-pointer.js';

/**
 * The structural check of an IPPool document: schemas/ippool.schema.json (JSON Schema 2020-12),
 * compiled by ajv at build time into schema.generated.ts (scripts/build.mjs), with a
 * quick error-free pre-check generated from the same schema, run here and mapped to
 * diagnostics with calicoctl's strict-decoding texts:
 *
 *   additionalProperties -> FIELD_UNKNOWN  json: unknown field "<f>"   (path of the key)
 *   type                 -> TYPE_MISMATCH  cannot parse string 'True' into field IPPoolSpec.disabled of type bool
 *
 * `required`, `const` and `enum` failures are left to the loader (apiVersion, kind) and to
 * Calico's rules (CIDR_REQUIRED, ENUM_INVALID, ALLOWED_USES), which word them as Calico does;
 * the schema carries them for editors.
 */

interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
}

/** GoStruct names a Go struct and the Go types of its JSON fields, for Calico-style messages. */
interface GoStruct {
  readonly name: string;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * GO_STRUCTS maps each object path of an IPPool document to the Go struct calicoctl decodes it
 * into (api/pkg/apis/projectcalico/v3/ippool.go, k8s.io/apimachinery ObjectMeta). Its field
 * lists are the schema's properties (a test keeps them equal).
 */
export const GO_STRUCTS: Readonly<Record<string, GoStruct>> = {
  '': { name: 'IPPool', fields: { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'IPPoolSpec' } },
  '/metadata': {
    name: 'ObjectMeta',
    fields: {
      name: 'string',
      generateName: 'string',
      namespace: 'string',
      selfLink: 'string',
      uid: 'types.UID',
      resourceVersion: 'string',
      generation: 'int64',
      creationTimestamp: 'Time',
      deletionTimestamp: 'Time',
      deletionGracePeriodSeconds: 'int64',
      labels: 'map[string]string',
      annotations: 'map[string]string',
      ownerReferences: '[]OwnerReference',
      finalizers: '[]string',
      managedFields: '[]ManagedFieldsEntry',
    },
  },
  '/spec': {
    name: 'IPPoolSpec',
    fields: {
      cidr: 'string',
      vxlanMode: 'VXLANMode',
      ipipMode: 'IPIPMode',
      natOutgoing: 'bool',
      disabled: 'bool',
      disableBGPExport: 'bool',
      blockSize: 'int',
      nodeSelector: 'string',
      namespaceSelector: 'string',
      allowedUses: '[]IPPoolAllowedUse',
      assignmentMode: 'AssignmentMode',
      ipip: 'IPIPConfiguration',
      'nat-outgoing': 'bool',
    },
  },
  '/spec/ipip': { name: 'IPIPConfiguration', fields: { enabled: 'bool', mode: 'EncapMode' } },
};

/** getAt returns the value at a JSON pointer, or undefined. */
function getAt(root: unknown, pointer: string): unknown {
  let v = root;
  if (pointer === '') return v;
  for (const seg of pointer.slice(1).split('/')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[unescapePointerSegment(seg)];
  }
  return v;
}

/** goField names the Go struct field at a pointer ("IPPoolSpec.disabled") and its Go type. */
function goField(pointer: string): { field: string; type: string } {
  const segs = pointer.split('/');
  // An element of a list or map takes the element type of its parent field.
  for (let n = segs.length - 1; n >= 1; n--) {
    const parent = segs.slice(0, n).join('/');
    const st = GO_STRUCTS[parent];
    const key = unescapePointerSegment(segs[n]!);
    const t = st?.fields[key];
    if (st && t) {
      const elem = segs.length - 1 - n;
      const type = elem === 0 ? t : t.replace(/^\[\]/, '').replace(/^map\[string\]/, '');
      return { field: `${st.name}.${key}`, type };
    }
  }
  return { field: pointer, type: 'unknown' };
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

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

function suggest(parent: string, key: string): string | undefined {
  const st = GO_STRUCTS[parent];
  if (!st) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const f of Object.keys(st.fields)) {
    const d = levenshtein(key, f);
    if (d < bestD) {
      best = f;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** SchemaCheck is the outcome of the structural check. */
export interface SchemaCheck {
  readonly diagnostics: readonly Diagnostic[];
  /** decodable: no type mismatch, so the document decodes into an IPPool (unknown fields dropped). */
  readonly decodable: boolean;
}

/** PASSED is the outcome for a document without structural findings (one shared value: the common case). */
const PASSED: SchemaCheck = { diagnostics: [], decodable: true };

/**
 * checkIPPoolSchema checks a document's structure against schemas/ippool.schema.json and
 * returns FIELD_UNKNOWN and TYPE_MISMATCH diagnostics (see the module comment), in document
 * order of the schema's traversal.
 */
export function checkIPPoolSchema(doc: unknown): SchemaCheck {
  // quickValid passes the well-formed documents without ajv; ajv judges the rest, with errors.
  if (quickValid(doc) || validateGenerated(doc)) return PASSED;
  const errors = ((validateGenerated as unknown as { errors?: AjvError[] }).errors ?? []) as AjvError[];
  const diagnostics: Diagnostic[] = [];
  let decodable = true;
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty);
      const path = `${e.instancePath}/${escapePointerSegment(key)}`;
      if (seen.has(`u${path}`)) continue;
      seen.add(`u${path}`);
      const near = suggest(e.instancePath, key);
      diagnostics.push({
        code: 'FIELD_UNKNOWN',
        severity: 'error',
        message: `json: unknown field "${key}"`,
        path,
        ...(near ? { hint: `did you mean "${near}"?` } : {}),
      });
    } else if (e.keyword === 'type') {
      if (seen.has(`t${e.instancePath}`)) continue;
      seen.add(`t${e.instancePath}`);
      decodable = false;
      const v = getAt(doc, e.instancePath);
      const { field, type } = goField(e.instancePath);
      const kind = jsonKind(v);
      const shown = kind === 'object' || kind === 'array' ? kind : `${kind} '${String(v)}'`;
      diagnostics.push({
        code: 'TYPE_MISMATCH',
        severity: 'error',
        message: `cannot parse ${shown} into field ${field} of type ${type}`,
        path: e.instancePath,
        ...(type === 'bool' && typeof v === 'string' ? { hint: 'write true or false, without quotes' } : {}),
        ...(kind !== 'object' && kind !== 'array' && (type === 'string' || type.endsWith('Mode')) ? { hint: 'quote the value to make it a string' } : {}),
      });
    }
  }
  return { diagnostics, decodable };
}
