import { checkFelixConfiguration, checkIPPool, type CheckContext, type CheckResult, type FelixCheck, type FelixCheckContext } from '../core/index.js';
import { bounded, type LoadedResource } from './load.js';

/**
 * checkResource judges a loaded IPPool with the core rules (core/ippool/ippool.ts checkIPPool), in
 * the form the document gives it, and places every diagnostic in the source: file, document,
 * line and column of the offending value (of the key for unknown fields; of the parent for
 * absent fields), after the loader's own warnings about the resource; at most
 * MAX_DIAGNOSTICS are shown. create, apply, replace and validate all judge pools through it:
 * one copy of the rules.
 */
export function checkResource(res: LoadedResource, ctx: CheckContext): CheckResult {
  const r = checkIPPool(res.value, res.form === 'v3' ? ctx : { ...ctx, form: res.form });
  const loader = res.diagnostics;
  if (r.diagnostics.length === 0 && !loader) return r;
  const placed = bounded(res, r.diagnostics);
  return { ...r, diagnostics: loader ? [...loader, ...placed] : placed };
}

/**
 * checkOtherResource judges a loaded resource of another kind than IPPool (FelixConfiguration:
 * core's checkFelixConfiguration) and places its diagnostics in the source (at most
 * MAX_DIAGNOSTICS), after the loader's own warnings about it, as checkResource.
 */
export function checkOtherResource(res: LoadedResource, ctx: FelixCheckContext = {}): FelixCheck {
  const r = checkFelixConfiguration(res.value, ctx);
  const loader = res.diagnostics;
  if (r.diagnostics.length === 0 && !loader) return r;
  const placed = bounded(res, r.diagnostics);
  return { ...r, diagnostics: loader ? [...loader, ...placed] : placed };
}
