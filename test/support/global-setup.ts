import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** testRoot is a directory for this test run, removed when the run ends (test/support/cli.ts keeps data homes in it). */
    testRoot: string;
  }
}

/**
 * setup makes one temporary directory for the whole run and removes it at the end: test
 * processes are stopped by vitest without their exit handlers running, so what they make
 * for themselves goes in here.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-test-run-'));
  project.provide('testRoot', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
