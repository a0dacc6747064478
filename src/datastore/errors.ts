import { PoolctlError } from '../base/errors.js';

/**
 * StoreErrorCode is the code of a resource-level datastore failure (spec/ippool.md §5). The
 * texts are libcalico-go's (`libcalico-go/lib/errors/errors.go`), v3.31 wording.
 */
export type StoreErrorCode = 'NOT_FOUND' | 'ALREADY_EXISTS' | 'CONFLICT';

/**
 * StoreError is a failure of one resource operation that the datastore decided: the resource
 * is missing, already there, or changed since it was read. It carries the kind and name. A
 * batch records it for the item and goes on with the next.
 */
export abstract class StoreError extends PoolctlError {
  declare readonly code: StoreErrorCode;
  readonly kind: string;
  readonly resourceName: string;

  protected constructor(code: StoreErrorCode, message: string, kind: string, name: string) {
    super(code, message);
    this.kind = kind;
    this.resourceName = name;
  }
}

/** NotFoundError: `resource does not exist: IPPool(<name>) with error: <nil>` (etcd wording). */
export class NotFoundError extends StoreError {
  constructor(name: string, kind = 'IPPool') {
    super('NOT_FOUND', `resource does not exist: ${kind}(${name}) with error: <nil>`, kind, name);
    this.name = 'NotFoundError';
  }
}

/** AlreadyExistsError: `resource already exists: IPPool(<name>)` (v3.31; v3.32 appends ` with error: <nil>`). */
export class AlreadyExistsError extends StoreError {
  constructor(name: string, kind = 'IPPool') {
    super('ALREADY_EXISTS', `resource already exists: ${kind}(${name})`, kind, name);
    this.name = 'AlreadyExistsError';
  }
}

/** ConflictError: `update conflict: IPPool(<name>)`: the resourceVersion given is not the stored one. */
export class ConflictError extends StoreError {
  constructor(name: string, kind = 'IPPool') {
    super('CONFLICT', `update conflict: ${kind}(${name})`, kind, name);
    this.name = 'ConflictError';
  }
}

/**
 * UnavailableError: the datastore could not be reached or read (DATASTORE_UNREACHABLE). `outcome` says what
 * is known about a write that was under way when it happened: 'not-applied' (nothing was sent,
 * or the store refused it) or 'unknown' (the request was sent and the answer was lost, so it
 * may have been applied).
 */
export class UnavailableError extends PoolctlError {
  readonly outcome: 'not-applied' | 'unknown';

  constructor(message: string, opts: { outcome?: 'not-applied' | 'unknown'; hint?: string } = {}) {
    super('DATASTORE_UNREACHABLE', message, opts.hint ? { hint: opts.hint } : {});
    this.name = 'UnavailableError';
    this.outcome = opts.outcome ?? 'not-applied';
  }
}

/** ContentionError: a write lost the race against other writers too many times in a row (CONTENTION). */
export class ContentionError extends PoolctlError {
  constructor(location: string, attempts: number) {
    super('CONTENTION', `the datastore at ${location} kept changing under this write (${attempts} attempts); nothing more was written`);
    this.name = 'ContentionError';
  }
}

/** isStoreError reports whether e is a NotFoundError, AlreadyExistsError or ConflictError. */
export function isStoreError(e: unknown): e is StoreError {
  return e instanceof StoreError;
}
