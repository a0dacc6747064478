import { checkFelixConfiguration, checkIPPool, type CheckContext, type CheckResult, type FelixCheck } from '../core/index.js';
import { positioned, type LoadedResource } from './load.js';

/**
 * checkResource judges a loaded IPPool with the core rules (core/ippool/ippool.ts checkIPPool) and
 * places every diagnostic in the source: file, document, line and column of the offending
 * value (of the key for unknown fields; of the parent for absent fields). create, apply,
 * replace and validate all judge pools through it: one copy of the rules.
 */
export function checkResource(res: LoadedResource, ctx: CheckContext): CheckResult {
  const r = checkIPPool(res.value, ctx);
  if (r.diagnostics.length === 0) return r;
  return { ...r, diagnostics: r.diagnostics.map((d) => positioned(res, d)) };
}

/**
 * checkOtherResource judges a loaded resource of another kind than IPPool (FelixConfiguration:
 * core's checkFelixConfiguration) and places its diagnostics in the source, as checkResource.
 */
export function checkOtherResource(res: LoadedResource): FelixCheck {
  const r = checkFelixConfiguration(res.value);
  if (r.diagnostics.length === 0) return r;
  return { ...r, diagnostics: r.diagnostics.map((d) => positioned(res, d)) };
}
