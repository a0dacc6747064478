import type { Diagnostic } from './diagnostic.js';
import { checkIPPoolSchema } from './schema.js';
import { validateAndSetDefaults, validateIPPool } from './rules.js';
import { API_VERSION, KIND_IPPOOL, type IPPool, type IPPoolSpec, type ObjectMeta } from './types.js';
import type { OverlapIndex } from './overlap-index.js';
import type { Prefix } from '../net/prefix.js';

/**
 * CheckOp says which write path to judge by: `create` and `validate` are clientv3's Create
 * (overlaps checked, resourceVersion must be empty), `update` its Update (needs `old`).
 * `validate` differs from `create` only in that a resourceVersion is a warning (spec/ippool.md §5).
 */
export type CheckOp = 'create' | 'update' | 'validate';

/** CheckContext is what checkIPPool judges a pool against. */
export interface CheckContext {
  readonly op: CheckOp;
  /** old is the stored pool, for op update. */
  readonly old?: IPPool;
  /**
   * overlaps holds the pools already stored (origin "store") or accepted from earlier documents
   * (origin "input"), for create/validate: POOL_OVERLAP against other names, and a pool whose
   * name is present fails with ALREADY_EXISTS (store) or DUPLICATE_NAME (input).
   */
  readonly overlaps?: OverlapIndex;
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
 * decodeIPPool turns a structurally valid document (see checkIPPoolSchema) into an IPPool the
 * way strict Go decoding does: null is the zero value, unknown fields are dropped, and an
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
 * validatorVariants returns the validator's findings minus those clientv3 already reported in
 * the same words (same code, path and message); a finding of the same rule in other words is
 * kept and says so in its hint.
 */
function validatorVariants(client: readonly Diagnostic[], validator: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic): string => `${d.code} ${d.path}`;
  const same = new Set(client.map((d) => `${key(d)} ${d.message}`));
  const rules = new Set(client.map(key));
  return validator
    .filter((d) => !same.has(`${key(d)} ${d.message}`))
    .map((d) => (rules.has(key(d)) && !d.hint ? { ...d, hint: "calicoctl validate's wording of the error above" } : d));
}

/**
 * checkIPPool judges one IPPool document as Calico v3.31 would on the given write path
 * (spec/ippool.md §3-§4): the structural check (unknown fields, Go types), the namespace,
 * clientv3's validateAndSetDefaults, then, if that passed, the validator (metadata rules,
 * field tags, validateIPPoolSpec), then resources.Create's resourceVersion check and the
 * name's existence (ALREADY_EXISTS / DUPLICATE_NAME). poolctl's warnings
 * (DEPRECATED_FIELD for null/false, DISABLED_NAT_POOL) are added whatever the outcome.
 *
 * Unknown fields do not stop the Calico rules (they run on the document without them, so one
 * run reports both); a type mismatch does, as nothing can be decoded. `create` and `update`
 * are what create/apply/replace call and stop where Calico stops; `validate` is create that
 * also runs the validator after clientv3's errors (deduplicated; the verdict is the same) and
 * makes a resourceVersion a warning.
 * It never throws, whatever `doc` is; diagnostics have paths but no positions (the manifest
 * layer adds those).
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
  if (doc.kind !== KIND_IPPOOL || doc.apiVersion !== API_VERSION) {
    diagnostics.push({
      code: 'KIND_UNKNOWN',
      severity: 'error',
      message: `unknown resource type (${String(doc.kind ?? '')}) and/or version (${String(doc.apiVersion ?? '')})`,
      path: doc.kind !== KIND_IPPOOL ? '/kind' : '/apiVersion',
    });
  }
  const schema = checkIPPoolSchema(doc);
  for (const d of schema.diagnostics) diagnostics.push(d);
  const pool = decodeIPPool(doc);
  if (!schema.decodable) return { pool, diagnostics, valid: false };
  poolctlWarnings(doc, pool, diagnostics);
  if (pool.metadata.namespace) {
    diagnostics.push({
      code: 'NAMESPACE_SET',
      severity: 'error',
      message: 'namespace should not be specified for a non-namespaced resource. IPPool is not a namespaced resource',
      path: '/metadata/namespace',
      hint: 'remove metadata.namespace',
    });
  }
  const rv = pool.metadata.resourceVersion;
  if (rv && ctx.op === 'validate') {
    diagnostics.push({
      ...warning('RESOURCE_VERSION_SET', 'field must not be set for a Create request', '/metadata/resourceVersion', 'fine for apply and replace; create would fail'),
      field: 'Metadata.ResourceVersion',
      value: rv,
    });
  }
  // The decoded pool is this call's own: it is defaulted in place.
  const client = validateAndSetDefaults(pool, ctx.op === 'update' ? ctx.old : undefined, ctx.op === 'update' ? undefined : ctx.overlaps, true);
  for (const d of client.errors) diagnostics.push(d);
  if (client.errors.length === 0) {
    for (const d of validateIPPool(client.pool, client.prefix)) diagnostics.push(d);
  } else if (ctx.op === 'validate') {
    // Create stops at clientv3's errors; validate goes on to the validator, so that one run
    // shows every problem, and calicoctl validate's wording of a shared rule next to create's.
    for (const d of validatorVariants(client.errors, validateIPPool(client.pool, client.prefix))) diagnostics.push(d);
  }
  let failed = hasError(diagnostics);
  if (!failed && ctx.op === 'create' && rv) {
    diagnostics.push({
      code: 'RESOURCE_VERSION_SET',
      severity: 'error',
      message: 'field must not be set for a Create request',
      path: '/metadata/resourceVersion',
      field: 'Metadata.ResourceVersion',
      value: rv,
    });
    failed = true;
  }
  const name = pool.metadata.name;
  const existing = failed || ctx.op === 'update' ? undefined : ctx.overlaps?.get(name);
  if (existing) {
    diagnostics.push({
      code: existing.origin === 'store' ? 'ALREADY_EXISTS' : 'DUPLICATE_NAME',
      severity: 'error',
      message: `resource already exists: IPPool(${name})`,
      path: '/metadata/name',
      ...(existing.origin === 'input' ? { hint: 'an earlier document defines a pool of the same name' } : {}),
    });
    failed = true;
  }
  return client.prefix ? { pool: client.pool, diagnostics, valid: !failed, prefix: client.prefix } : { pool: client.pool, diagnostics, valid: !failed };
}
