import { checkFelixConfiguration, checkIPPool, OverlapIndex, setDefaults, type CheckContext, type CheckResult, type Diagnostic, type FelixCheck, type FelixCheckContext, type IPPool, type ResourceKind, type Result } from '../core/index.js';
import type { BatchStep, KindStore, ResourceValue, StoredPool, StoredResource, Txn } from '../datastore/datastore.js';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../datastore/errors.js';

// What create, apply, replace and delete do to one resource, as batch steps (datastore.ts):
// each runs inside the datastore's consistent view, so the checks below (overlaps, existence,
// resourceVersion) cannot race with another writer. The rules themselves are core's
// checkIPPool (Calico's validateAndSetDefaults + validator), reached through input.check;
// nothing here re-implements one.

/** Verb is a resource command. */
export type Verb = 'create' | 'apply' | 'replace' | 'delete' | 'patch' | 'label';

/**
 * ResourceInput is one IPPool to write (from a manifest) or delete (from a manifest or a name).
 * check judges the document with core's checkIPPool on a write path, diagnostics placed in the
 * source; withoutResourceVersion judges it as if metadata.resourceVersion were absent.
 */
export interface ResourceInput {
  /** kind is the resource's kind (the registry's, core/kinds.ts); absent: IPPool. */
  readonly kind?: ResourceKind;
  /** name is metadata.name as written ('' when missing). */
  readonly name: string;
  /** resourceVersion is metadata.resourceVersion as written, if any: a precondition. */
  readonly resourceVersion?: string;
  check?(ctx: CheckContext, withoutResourceVersion?: boolean): CheckResult;
  /** checkOther judges a resource of another kind than IPPool (FelixConfiguration) as clientv3 would on a write (ctx: create's earlier names). */
  checkOther?(ctx?: FelixCheckContext): FelixCheck;
}

function check(input: ResourceInput, ctx: CheckContext, withoutResourceVersion = false): CheckResult {
  if (!input.check) throw new Error(`resource ${input.name} has no document to check`);
  return input.check(ctx, withoutResourceVersion);
}

/** Action is what happened to a resource that did not fail. */
export type Action = 'created' | 'configured' | 'unchanged' | 'replaced' | 'patched' | 'labeled' | 'deleted' | 'skipped';

/**
 * OpResult is one resource's outcome decided by the step: an action (with any warnings), or
 * `invalid` with Calico's diagnostics. Datastore failures (not found, already exists,
 * conflict, unreachable) are batch errors instead.
 */
export type OpResult =
  | { readonly action: Action; readonly warnings: readonly Diagnostic[]; readonly stored?: StoredPool; readonly previous?: StoredPool }
  | { readonly action: 'invalid'; readonly diagnostics: readonly Diagnostic[] };

/** OpOptions are the flags that change a step. */
export interface OpOptions {
  /** skipExists (create --skip-exists): a pool that exists is skipped, not a failure. */
  readonly skipExists?: boolean;
  /** skipNotExists (delete --skip-not-exists): a missing pool is skipped, not a failure. */
  readonly skipNotExists?: boolean;
  /**
   * prefetch reads every pool once up front instead of one at a time (replace, delete): one
   * round trip instead of one per resource on etcd, worth it beyond a few resources.
   */
  readonly prefetch?: boolean;
  /** modify (patch, label) turns the stored resource's JSON into the one to store, or says why it cannot. */
  readonly modify?: Modify;
}

/**
 * Modify is what patch and label do to a stored pool: from its JSON (metadata.resourceVersion
 * included) to the document to store, or the diagnostics that say why not. It runs again on
 * a fresh read when another writer got in first, so it must depend on nothing else.
 */
export type Modify = (stored: Record<string, unknown>) => Result<unknown, Diagnostic[]>;

const errorsOf = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const warningsOf = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'warning');
/** EXISTS are the codes that say a pool of the name is already there (stored or earlier in the input). */
export const EXISTS: ReadonlySet<string> = new Set(['ALREADY_EXISTS', 'DUPLICATE_NAME']);

/**
 * isGoEmpty is encoding/json's omitempty test: false, 0, "", null, and empty arrays and objects
 * are not written, so a field holding one is the same as an absent one.
 */
function isGoEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

/** canonical is a stable text of a JSON value as Calico stores it: object keys sorted, empty (omitempty) members left out. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v as object)
      .filter((k) => !isGoEmpty((v as Record<string, unknown>)[k]))
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * sameContent reports whether an update would change nothing a user wrote (labels,
 * annotations, spec) once Calico's defaults are applied on both sides and its empty fields
 * dropped: a manifest that spells out a default (`disabled: false`, `blockSize: 26`) is
 * unchanged.
 */
function sameContent(next: IPPool, cur: StoredPool): boolean {
  const pick = (p: IPPool): unknown => ({ labels: p.metadata.labels, annotations: p.metadata.annotations, spec: setDefaults(p).spec });
  return canonical(pick(next)) === canonical(pick(cur));
}

/**
 * asUpdate is the judged pool with the stored pool's server-set metadata (calicoctl replace
 * copies uid, creationTimestamp and resourceVersion over the input) and the input's
 * resourceVersion, when it has one, as the precondition.
 */
function asUpdate(pool: IPPool, cur: StoredPool, input: ResourceInput): IPPool {
  return {
    ...pool,
    metadata: {
      ...pool.metadata,
      uid: cur.metadata.uid,
      creationTimestamp: cur.metadata.creationTimestamp,
      resourceVersion: input.resourceVersion || cur.metadata.resourceVersion,
    },
  };
}

/**
 * accept adds a pool just created from a judged input to the index, by the network the
 * check already parsed (r.prefix, the network of the canonical spec.cidr it wrote).
 */
function accept(index: OverlapIndex, stored: StoredPool, r: CheckResult): void {
  if (r.prefix) index.add({ name: stored.metadata.name, cidr: stored.spec.cidr, prefix: r.prefix, origin: 'input' });
  else index.addPool(stored, 'input');
}

/** storeIndex returns an OverlapIndex of every pool in the view. */
async function storeIndex(txn: Txn): Promise<OverlapIndex> {
  const index = new OverlapIndex();
  for (const p of await txn.list()) index.addPool(p, 'store');
  return index;
}

/**
 * createStep is `create`: clientv3 Create's checks against every stored pool and every pool
 * created earlier in the batch (overlaps, existence), then the write. With skipExists a pool
 * whose only problem is that it exists is skipped.
 */
async function createStep(txn: Txn, opts: OpOptions): Promise<BatchStep<ResourceInput, OpResult>> {
  const index = await storeIndex(txn);
  return async (input) => {
    const r = check(input, { op: 'create', overlaps: index });
    const errors = errorsOf(r.diagnostics);
    if (errors.length > 0) {
      if (opts.skipExists && errors.every((d) => EXISTS.has(d.code))) return { action: 'skipped', warnings: warningsOf(r.diagnostics) };
      return { action: 'invalid', diagnostics: r.diagnostics };
    }
    const stored = await txn.create(r.pool);
    accept(index, stored, r);
    return { action: 'created', warnings: warningsOf(r.diagnostics), stored };
  };
}

/**
 * applyStep is `apply`, as calicoctl does it: try Create (so a new or changed CIDR is checked
 * for overlaps); when the pool exists, Update it with the stored metadata, the input's
 * resourceVersion (if any) as precondition. poolctl writes nothing when labels, annotations
 * and spec are unchanged and reports `unchanged` (calicoctl always writes).
 */
async function applyStep(txn: Txn): Promise<BatchStep<ResourceInput, OpResult>> {
  const index = await storeIndex(txn);
  return async (input) => {
    const cur = await txn.get(input.name);
    const created = check(input, { op: 'create', overlaps: index }, true);
    const createErrors = errorsOf(created.diagnostics);
    if (!cur) {
      if (createErrors.length > 0) return { action: 'invalid', diagnostics: created.diagnostics };
      const stored = await txn.create(created.pool);
      accept(index, stored, created);
      return { action: 'created', warnings: warningsOf(created.diagnostics), stored };
    }
    if (createErrors.some((d) => !EXISTS.has(d.code))) return { action: 'invalid', diagnostics: created.diagnostics };
    const r = check(input, { op: 'update', old: cur });
    if (!r.valid) return { action: 'invalid', diagnostics: r.diagnostics };
    const next = asUpdate(r.pool, cur, input);
    if (sameContent(next, cur) && next.metadata.resourceVersion === cur.metadata.resourceVersion) {
      return { action: 'unchanged', warnings: warningsOf(r.diagnostics), stored: cur };
    }
    return { action: 'configured', warnings: warningsOf(r.diagnostics), stored: await txn.update(next), previous: cur };
  };
}

/**
 * replaceStep is `replace` (clientv3 Update): the pool must exist (NotFoundError), then
 * Calico's update checks against the stored pool, then a compare-and-swap on the input's
 * resourceVersion when it has one (stale: `update conflict`), else on the version just read.
 */
async function replaceStep(txn: Txn, opts: OpOptions): Promise<BatchStep<ResourceInput, OpResult>> {
  if (opts.prefetch) await txn.prefetch();
  return async (input) => {
    const cur = await txn.get(input.name);
    if (!cur) throw new NotFoundError(input.name);
    const r = check(input, { op: 'update', old: cur });
    if (!r.valid) return { action: 'invalid', diagnostics: r.diagnostics };
    return { action: 'replaced', warnings: warningsOf(r.diagnostics), stored: await txn.update(asUpdate(r.pool, cur, input)) };
  };
}

/**
 * deleteStep is `delete`: by name, with the input's resourceVersion (delete -f) as
 * precondition; with skipNotExists a missing pool is skipped.
 */
async function deleteStep(txn: Txn, opts: OpOptions): Promise<BatchStep<ResourceInput, OpResult>> {
  if (opts.prefetch) await txn.prefetch();
  return async (input) => {
    try {
      await txn.delete(input.name, input.resourceVersion);
      return { action: 'deleted', warnings: [] };
    } catch (e) {
      if (opts.skipNotExists && e instanceof NotFoundError) return { action: 'skipped', warnings: [] };
      throw e;
    }
  };
}

/** resourceVersionOf returns a document's metadata.resourceVersion when it is a non-empty string. */
function resourceVersionOf(doc: unknown): string | undefined {
  const rv = (doc as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

/**
 * modified runs a patch or label's `modify` on a copy of the stored resource's JSON; a result
 * that renames the resource is refused (PATCH_FAILED), as is one `modify` itself refuses.
 */
function modified(cur: { metadata: { name: string } }, modify: Modify): { ok: true; value: unknown } | { ok: false; invalid: OpResult } {
  const m = modify(JSON.parse(JSON.stringify(cur)) as Record<string, unknown>);
  if (!m.ok) return { ok: false, invalid: { action: 'invalid', diagnostics: m.error } };
  const name = (m.value as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  if (name !== cur.metadata.name) {
    const message = `the patch changes metadata.name from '${cur.metadata.name}' to '${String(name ?? '')}': a resource cannot be renamed`;
    return { ok: false, invalid: { action: 'invalid', diagnostics: [{ code: 'PATCH_FAILED', severity: 'error', message, path: '/metadata/name' }] } };
  }
  return { ok: true, value: m.value };
}

/**
 * modifyStep is `patch` and `label`: read the pool (NotFoundError), let `modify` make the new
 * document from its JSON, judge that with Calico's update rules against the stored pool
 * (immutable fields, every rule), and write it conditional on the version read. When another
 * writer changed the pool meanwhile, the batch runs the step again on a fresh read
 * (engine.ts), so concurrent patches of different fields all land; a resourceVersion the
 * patch itself sets is a precondition instead (ConflictError, no retry), as in replace.
 * Nothing is written when the result equals the stored pool (`unchanged`).
 */
function modifyStep(txn: Txn, modify: Modify, done: Action): BatchStep<ResourceInput, OpResult> {
  return async (input) => {
    const cur = await txn.get(input.name);
    if (!cur) throw new NotFoundError(input.name);
    const m = modified(cur, modify);
    if (!m.ok) return m.invalid;
    const r = checkIPPool(m.value, { op: 'update', old: cur });
    if (!r.valid) return { action: 'invalid', diagnostics: r.diagnostics };
    const rv = resourceVersionOf(m.value);
    const next = asUpdate(r.pool, cur, { name: input.name, ...(rv ? { resourceVersion: rv } : {}) });
    if (sameContent(next, cur) && next.metadata.resourceVersion === cur.metadata.resourceVersion) {
      return { action: 'unchanged', warnings: warningsOf(r.diagnostics), stored: cur };
    }
    return { action: done, warnings: warningsOf(r.diagnostics), stored: await txn.update(next) };
  };
}

/** stepFor returns the batch `begin` of a verb: it prepares the view and returns the per-resource step. */
export function stepFor(verb: Verb, opts: OpOptions = {}): (txn: Txn) => Promise<BatchStep<ResourceInput, OpResult>> {
  switch (verb) {
    case 'create':
      return (txn) => createStep(txn, opts);
    case 'apply':
      return (txn) => applyStep(txn);
    case 'replace':
      return (txn) => replaceStep(txn, opts);
    case 'delete':
      return (txn) => deleteStep(txn, opts);
    case 'patch':
    case 'label': {
      const modify = opts.modify;
      if (!modify) throw new Error(`${verb} needs a modification`);
      return async (txn) => modifyStep(txn, modify, verb === 'patch' ? 'patched' : 'labeled');
    }
  }
}

/** sameOtherContent reports whether an update of another kind would change nothing a user wrote: labels, annotations, spec. */
function sameOtherContent(next: ResourceValue, cur: StoredResource): boolean {
  const pick = (p: ResourceValue): unknown => ({ labels: p.metadata.labels ?? {}, annotations: p.metadata.annotations ?? {}, spec: p.spec });
  return canonical(pick(next)) === canonical(pick(cur));
}

/** MODIFY_ATTEMPTS bounds modifyOther's re-reads when other writers keep getting in first. */
const MODIFY_ATTEMPTS = 10;

/**
 * modifyOther is `patch` and `label` of another kind than IPPool (modifyStep's rules through a
 * KindStore): read the resource (NotFoundError), let `modify` make the new document from its
 * JSON, judge it as clientv3's Update would (checkFelixConfiguration: strict decoding, defaults,
 * the validator; a rename is refused), and write it conditional on the version read; when
 * another writer got in first (ConflictError) it reads again and re-applies the change, so
 * concurrent changes of different fields all land. A resourceVersion the patch itself sets is
 * a precondition instead (no retry). Nothing is written when the result equals the stored
 * resource (`unchanged`).
 */
async function modifyOther(store: KindStore, input: ResourceInput, modify: Modify, done: Action): Promise<OpResult> {
  for (let attempt = 1; ; attempt++) {
    const cur = await store.get(input.name);
    const m = modified(cur, modify);
    if (!m.ok) return m.invalid;
    const r = checkFelixConfiguration(m.value);
    if (!r.valid) return { action: 'invalid', diagnostics: r.diagnostics };
    const own = resourceVersionOf(m.value);
    const rv = own && own !== cur.metadata.resourceVersion ? own : cur.metadata.resourceVersion;
    const value: ResourceValue = r.resource;
    if (sameOtherContent(value, cur) && rv === cur.metadata.resourceVersion) return { action: 'unchanged', warnings: warningsOf(r.diagnostics) };
    try {
      await store.update({ ...value, metadata: { ...value.metadata, resourceVersion: rv } });
      return { action: done, warnings: warningsOf(r.diagnostics) };
    } catch (e) {
      if (!(e instanceof ConflictError) || rv !== cur.metadata.resourceVersion || attempt >= MODIFY_ATTEMPTS) throw e;
    }
  }
}

/**
 * otherKindStep is what a verb does to one resource of another kind than IPPool, through its
 * KindStore (clientv3's FelixConfigurations().Create/Update/Delete after setDefaults and the
 * validator): create (AlreadyExists, or skipped with skipExists), apply (create, else update
 * with the stored metadata; `unchanged` when labels, annotations and spec are the same),
 * replace (update: NotFound if missing, the input's resourceVersion a precondition), delete
 * (with skipNotExists). Datastore failures are thrown, as from a batch step. `created` are the
 * names created earlier in the same input: create fails a second one with DUPLICATE_NAME (as
 * a second IPPool of a name), or skips it with skipExists.
 */
export async function otherKindStep(verb: Verb, store: KindStore, input: ResourceInput, opts: OpOptions = {}, created?: Set<string>): Promise<OpResult> {
  if (verb === 'patch' || verb === 'label') {
    if (!opts.modify) throw new Error(`${verb} needs a modification`);
    return modifyOther(store, input, opts.modify, verb === 'patch' ? 'patched' : 'labeled');
  }
  if (verb === 'delete') {
    try {
      await store.delete(input.name, input.resourceVersion);
      return { action: 'deleted', warnings: [] };
    } catch (e) {
      if (opts.skipNotExists && e instanceof NotFoundError) return { action: 'skipped', warnings: [] };
      throw e;
    }
  }
  if (!input.checkOther) throw new Error(`resource ${input.name} has no document to check`);
  const r = input.checkOther(verb === 'create' && created ? { earlier: created } : undefined);
  if (!r.valid) {
    const errors = errorsOf(r.diagnostics);
    if (opts.skipExists && errors.every((d) => EXISTS.has(d.code))) return { action: 'skipped', warnings: warningsOf(r.diagnostics) };
    return { action: 'invalid', diagnostics: r.diagnostics };
  }
  const warnings = warningsOf(r.diagnostics);
  const value: ResourceValue = r.resource;
  if (verb === 'create') {
    try {
      await store.create(value);
      created?.add(value.metadata.name);
      return { action: 'created', warnings };
    } catch (e) {
      if (opts.skipExists && e instanceof AlreadyExistsError) return { action: 'skipped', warnings };
      throw e;
    }
  }
  let cur: StoredResource | undefined;
  try {
    cur = await store.get(input.name);
  } catch (e) {
    if (!(e instanceof NotFoundError) || verb === 'replace') throw e;
  }
  if (!cur) {
    await store.create(value);
    return { action: 'created', warnings };
  }
  const rv = input.resourceVersion || cur.metadata.resourceVersion;
  if (verb === 'apply' && sameOtherContent(value, cur) && rv === cur.metadata.resourceVersion) return { action: 'unchanged', warnings };
  await store.update({ ...value, metadata: { ...value.metadata, resourceVersion: rv } });
  return { action: verb === 'apply' ? 'configured' : 'replaced', warnings };
}
