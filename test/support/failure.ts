import { PoolctlError } from '../../src/base/errors.js';
import { exitStatusOf, hintOf } from '../../src/cli/exit-status.js';

/** Failure is what the CLI makes of a PoolctlError: its code, message, the hint it prints and the exit status. */
export interface Failure {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly exitCode: number;
  readonly error: PoolctlError;
}

/** failureOf describes a thrown value, which must be a PoolctlError, as the CLI reports it. */
export function failureOf(e: unknown): Failure {
  if (!(e instanceof PoolctlError)) throw new Error(`expected a PoolctlError, got ${String(e)}`);
  const hint = hintOf(e);
  return { code: e.code, message: e.message, ...(hint !== undefined ? { hint } : {}), exitCode: exitStatusOf(e), error: e };
}

/** failure awaits a promise that must reject with a PoolctlError and describes it (failureOf). */
export async function failure(p: Promise<unknown>): Promise<Failure> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => failureOf(e),
  );
}
