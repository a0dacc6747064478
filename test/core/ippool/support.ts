import { checkIPPool, OverlapIndex, type Diagnostic } from '../../../src/core/index.js';

// Helpers of the IPPool tests: a document, the codes of its diagnostics, and validate as the command runs it.

/** pool returns an IPPool document with the given spec and metadata. */
export function pool(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'p1' }): Record<string, unknown> {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata, spec };
}

/** codes returns each diagnostic as "E|W CODE path". */
export function codes(diags: readonly Diagnostic[]): string[] {
  return diags.map((d) => `${d.severity === 'error' ? 'E' : 'W'} ${d.code} ${d.path}`);
}

/** validate checks a document as `poolctl validate` does, against the pools of an overlap index. */
export const validate = (doc: unknown, overlaps = new OverlapIndex()) => checkIPPool(doc, { op: 'create', overlaps, thorough: true });
