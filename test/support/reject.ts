import { expect } from 'vitest';
import { CliError } from '../../src/cli/cli-error.js';

/** rejection awaits p, expects it to reject with a CliError, and returns that error. */
export async function rejection(p: Promise<unknown>): Promise<CliError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CliError);
  return e as CliError;
}
