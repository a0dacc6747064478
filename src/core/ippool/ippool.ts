import type { Diagnostic } from './diagnostic.js';
import { CRD_API_VERSION, fromCrd, type ResourceForm } from './crd.js';
import { checkIPPoolSchema } from './schema.js';
import { validateAndSetDefaults, validateIPPool } from './rules.js';
import { API_VERSION, KIND_IPPOOL, type IPPool, type IPPoolSpec, type ObjectMeta } from './types.js';
import type { OverlapIndex } from './overlap-index.js';
import type { Prefix } from '../net/prefix.js';

/**
 * CheckOp says which write path to judge by: clientv3's Create (overlaps checked,
 * resourceVersion must be empty) or Update (needs `old`).
 */
export type CheckOp = 'create' | 'update';

/** CheckContext is what checkIPPool judges a pool against. */
export interface CheckContext {
  readonly op: CheckOp;
  /** old is the stored pool, for op update. */
  readonly old?: IPPool;
  /**
   * overlaps holds the pools already stored (origin "store") or accepted from earlier documents
   * (origin "input"), for create: POOL_OVERLAP against other names, and a pool whose name is
   * present fails with ALREADY_EXISTS (store) or DUPLICATE_NAME (input).
   */
  readonly overlaps?: OverlapIndex;
  /**
   * thorough is validate's judgement: the same verdict, but after clientv3's errors the
   * validator runs too, so that one run shows every problem (a validator finding of a rule
   * clientv3 already reported becomes that diagnostic's `detail`).
   */
  readonly thorough?: boolean;
  /** form is the document's form (default v3); a kubectl-form pool is read as Calico reads it (crd.ts). */
  readonly form?: ResourceForm;
  /**
   * ignoreResourceVersion judges a create as if metadata.resourceVersion were absent (apply's
   * first attempt strips it, as calicoctl's does; validate --op apply|replace): no
   * RESOURCE_VERSION_SET, and the judged pool carries none.
   */
  readonly ignoreResourceVersion?: boolean;
}

/** CheckResult is the judged pool: defaulted and normalised as Calico would store it. */
export interface CheckResult {
  readonly pool: IPPool;
  /** prefix is the pool's network when its CIDR parsed (for OverlapIndex.add). */
  readonly prefix?: Prefix;
  readonly diagnostics: Diagnostic[];
  /** valid: no diagnostic of severity error. */
  readonly valid: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** nz is Go's decoding of a JSON value: null is the zero value (absent here). */
function nz(x: any): any {
  return x === null ? undefined : x;
}

/** NOTHING stands for a mapping that is absent or not a mapping: every member is absent. */
const NOTHING: Readonly<Record<string, unknown>> = {};

/**
 * decodeIPPool turns a decoded document (see checkIPPoolSchema) into an IPPool the way strict
 * Go decoding does: null is the zero value, unknown fields are dropped, and an
 * explicit `assignmentMode: ""` stays (a non-nil pointer, which Calico rejects). Absent
 * fields are present as undefined: every decoded pool has the same shape (a hot path).
 */
export function decodeIPPool(doc: unknown): IPPool {
  const d = isRecord(doc) ? doc : NOTHING;
  const m = isRecord(d.metadata) ? d.metadata : NOTHING;
  const s = isRecord(d.spec) ? d.spec : NOTHING;
  const metadata: ObjectMeta = {
    name: nz(m.name) ?? '',
    generateName: nz(m.generateName),
    namespace: nz(m.namespace),
    resourceVersion: nz(m.resourceVersion),
    uid: nz(m.uid),
    creationTimestamp: nz(m.creationTimestamp),
    labels: nz(m.labels),
    annotations: nz(m.annotations),
  };
  const spec: IPPoolSpec = {
    cidr: nz(s.cidr),
    vxlanMode: nz(s.vxlanMode),
    ipipMode: nz(s.ipipMode),
    natOutgoing: nz(s.natOutgoing),
    disabled: nz(s.disabled),
    disableBGPExport: nz(s.disableBGPExport),
    blockSize: nz(s.blockSize),
    nodeSelector: nz(s.nodeSelector),
    namespaceSelector: nz(s.namespaceSelector),
    ipip: nz(s.ipip),
    'nat-outgoing': nz(s['nat-outgoing']),
    allowedUses: nz(s.allowedUses),
    assignmentMode: nz(s.assignmentMode),
  };
  return { apiVersion: API_VERSION, kind: KIND_IPPOOL, metadata, spec };
}

function warning(code: Diagnostic['code'], message: string, path: string, hint?: string): Diagnostic {
  return { code, severity: 'warning', message, path, ...(hint ? { hint } : {}) };
}

/** poolctlWarnings adds poolctl's own findings about pools Calico accepts to out. */
function poolctlWarnings(doc: Record<string, unknown>, pool: IPPool, out: Diagnostic[]): void {
  const spec = doc.spec;
  if (isRecord(spec)) {
    if (spec.ipip === null && 'ipip' in spec) {
      out.push(
        warning('DEPRECATED_FIELD', "deprecated field 'ipip' is accepted by Calico v3.31 only while null; v3.32 rejects it as an unknown field", '/spec/ipip', 'remove it; use ipipMode'),
      );
    }
    if (spec['nat-outgoing'] !== true && 'nat-outgoing' in spec) {
      out.push(
        warning('DEPRECATED_FIELD', "deprecated field 'nat-outgoing' is accepted by Calico v3.31 only while false; v3.32 rejects it as an unknown field", '/spec/nat-outgoing', 'remove it; use natOutgoing'),
      );
    }
  }
  if (pool.spec.disabled && pool.spec.natOutgoing) {
    out.push(
      warning(
        'DISABLED_NAT_POOL',
        'disabled pool has natOutgoing: true; Felix still masquerades traffic from its addresses',
        '/spec/natOutgoing',
        'disabled only stops new IP allocations; set natOutgoing: false if the pool should not be NATed',
      ),
    );
  }
}

/** hasError reports whether any diagnostic is an error. */
function hasError(diagnostics: readonly Diagnostic[]): boolean {
  for (const d of diagnostics) if (d.severity === 'error') return true;
  return false;
}

/**
 * foldValidator returns clientv3's errors with the validator's findings of the same root cause
 * folded into them as `detail` (the same code, or the same field: after an early return on the
 * CIDR every validator finding about the CIDR stems from it), and the validator's other findings.
 */
function foldValidator(client: readonly Diagnostic[], validator: readonly Diagnostic[]): Diagnostic[] {
  const details = new Map<Diagnostic, string[]>();
  const others: Diagnostic[] = [];
  for (const v of validator) {
    const into = client.find((c) => c.code === v.code) ?? client.find((c) => c.path === v.path);
    if (!into) {
      others.push(v);
      continue;
    }
    if (v.message === into.message) continue;
    const list = details.get(into) ?? [];
    if (!list.includes(v.message)) list.push(v.message);
    details.set(into, list);
  }
  const folded = client.map((c) => {
    const list = details.get(c);
    return list ? { ...c, detail: `calicoctl validate: ${list.join('; ')}` } : c;
  });
  return [...folded, ...others];
}

/** API_VERSION_OF is the apiVersion each form is written with. */
const API_VERSION_OF: Readonly<Record<ResourceForm, string>> = { v3: API_VERSION, crd: CRD_API_VERSION };

/**
 * sourcePaths rewrites the diagnostics' paths from the decoded pool's fields to where they
 * are written in the document (a field written in other case, a label from the metadata
 * annotation): `renamed` maps a canonical pointer to the document's.
 */
export function sourcePaths(diagnostics: Diagnostic[], renamed: ReadonlyMap<string, string>): Diagnostic[] {
  if (renamed.size === 0) return diagnostics;
  return diagnostics.map((d) => {
    for (let p = d.path; p; p = p.slice(0, p.lastIndexOf('/'))) {
      const to = renamed.get(p);
      if (to !== undefined) return { ...d, path: to + d.path!.slice(p.length) };
    }
    return d;
  });
}

/**
 * checkIPPool judges one IPPool document as Calico v3.31 would on the given write path
 * (spec/ippool.md §3-§4): Go decoding (unknown fields, Go types: schema.ts), the
 * kubectl form read as Calico reads it, the namespace, clientv3's validateAndSetDefaults,
 * then, if that passed, the validator (metadata rules, field tags, validateIPPoolSpec), then
 * resources.Create's resourceVersion check and the name's existence (ALREADY_EXISTS /
 * DUPLICATE_NAME). poolctl's warnings (DEPRECATED_FIELD for null/false, DISABLED_NAT_POOL) are
 * added whatever the outcome.
 *
 * Unknown fields do not stop the Calico rules (they run on the document without them, so one
 * run reports both); a type mismatch does, as nothing can be decoded. Without `thorough` it
 * stops where Calico stops (create, apply, replace); with it (validate) the verdict is the
 * same but every problem is shown, one diagnostic per root cause.
 * It never throws, whatever `doc` is; diagnostics have paths into the document but no
 * positions (the manifest layer adds those).
 */
export function checkIPPool(doc: unknown, ctx: CheckContext): CheckResult {
  if (!isRecord(doc)) {
    const pool = decodeIPPool(doc);
    return {
      pool,
      valid: false,
      diagnostics: [{ code: 'INPUT_INVALID', severity: 'error', message: 'an IPPool must be a mapping (apiVersion, kind, metadata, spec)', path: '' }],
    };
  }
  const diagnostics: Diagnostic[] = [];
  const form = ctx.form ?? 'v3';
  if (doc.kind !== KIND_IPPOOL || doc.apiVersion !== API_VERSION_OF[form]) {
    diagnostics.push({
      code: 'KIND_UNKNOWN',
      severity: 'error',
      message: `unknown resource type (${String(doc.kind ?? '')}) and/or version (${String(doc.apiVersion ?? '')})`,
      path: doc.kind !== KIND_IPPOOL ? '/kind' : '/apiVersion',
    });
  }
  const schema = checkIPPoolSchema(doc);
  for (const d of schema.diagnostics) diagnostics.push(d);
  if (!schema.decodable) return { pool: decodeIPPool(schema.value), diagnostics, valid: false };
  let value = schema.value as Record<string, unknown>;
  let renamed = schema.renamed;
  if (form === 'crd') {
    const c = fromCrd(value);
    value = c.value;
    for (const d of c.diagnostics) diagnostics.push(d);
    if (c.renamed.size > 0) renamed = new Map([...renamed, ...c.renamed]);
  }
  const pool = decodeIPPool(value);
  // The rules' findings, with paths of the decoded pool (translated below when fields were renamed).
  const found: Diagnostic[] = renamed.size === 0 ? diagnostics : [];
  poolctlWarnings(value, pool, found);
  if (pool.metadata.namespace) {
    found.push({
      code: 'NAMESPACE_SET',
      severity: 'error',
      message: 'namespace should not be specified for a non-namespaced resource. IPPool is not a namespaced resource',
      path: '/metadata/namespace',
      hint: 'remove metadata.namespace',
    });
  }
  if (ctx.ignoreResourceVersion) pool.metadata.resourceVersion = undefined;
  const rv = pool.metadata.resourceVersion;
  // The decoded pool is this call's own: it is defaulted in place.
  const client = validateAndSetDefaults(pool, ctx.op === 'update' ? ctx.old : undefined, ctx.op === 'update' ? undefined : ctx.overlaps, true);
  if (client.errors.length === 0) {
    for (const d of validateIPPool(client.pool, client.prefix)) found.push(d);
  } else if (ctx.thorough) {
    for (const d of foldValidator(client.errors, validateIPPool(client.pool, client.prefix))) found.push(d);
  } else {
    for (const d of client.errors) found.push(d);
  }
  let failed = hasError(diagnostics) || (found !== diagnostics && hasError(found));
  if ((!failed || ctx.thorough) && ctx.op === 'create' && rv) {
    found.push({
      code: 'RESOURCE_VERSION_SET',
      severity: 'error',
      message: 'field must not be set for a Create request',
      path: '/metadata/resourceVersion',
      field: 'Metadata.ResourceVersion',
      value: rv,
      hint: 'a resourceVersion is for replace and apply (get -o yaml output carries one); remove it to create',
    });
    failed = true;
  }
  const name = pool.metadata.name;
  const existing = failed || ctx.op === 'update' ? undefined : ctx.overlaps?.get(name);
  if (existing) {
    found.push({
      code: existing.origin === 'store' ? 'ALREADY_EXISTS' : 'DUPLICATE_NAME',
      severity: 'error',
      message: `resource already exists: IPPool(${name})`,
      path: '/metadata/name',
      ...(existing.origin === 'input' ? { hint: 'an earlier document defines a pool of the same name' } : {}),
    });
    failed = true;
  }
  if (found !== diagnostics) for (const d of sourcePaths(found, renamed)) diagnostics.push(d);
  return client.prefix ? { pool: client.pool, diagnostics, valid: !failed, prefix: client.prefix } : { pool: client.pool, diagnostics, valid: !failed };
}
