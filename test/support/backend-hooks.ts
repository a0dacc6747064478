import { afterAll, beforeAll, beforeEach } from 'vitest';

/** SuiteBackend is what a suite needs of a datastore backend that may be unavailable here (skip says why). */
export interface SuiteBackend {
  readonly skip: string | null;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  reset(): Promise<void>;
}

/**
 * backendHooks registers a suite's lifecycle for a backend: set up once, reset before each test
 * (each test skipped, saying why, when the backend cannot run here), torn down after.
 */
export function backendHooks(backend: SuiteBackend): void {
  beforeAll(async () => {
    if (!backend.skip) await backend.setup();
  });
  afterAll(async () => {
    if (!backend.skip) await backend.teardown();
  });
  beforeEach(async (t) => {
    if (backend.skip) t.skip(backend.skip);
    await backend.reset();
  });
}
