import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IPPool } from '../../src/core/index.js';
import { CONFORMANCE } from './paths.js';

/** IPPoolVector is one case of the conformance vectors' ippool.json (spec/ippool.md §9; test/fixtures/conformance). */
export interface IPPoolVector {
  readonly id: string;
  readonly op: 'validate' | 'create' | 'replace';
  readonly pool: IPPool;
  readonly existing?: IPPool[];
  readonly expect: 'valid' | 'invalid';
  readonly calicoReason?: string;
  readonly resultSpec?: Record<string, unknown>;
  readonly staleResourceVersion?: boolean;
}

/** ippoolVectors reads the IPPool conformance vectors (the repository's copies, test/fixtures/conformance). */
export function ippoolVectors(): IPPoolVector[] {
  return JSON.parse(readFileSync(join(CONFORMANCE, 'ippool.json'), 'utf8')) as IPPoolVector[];
}
