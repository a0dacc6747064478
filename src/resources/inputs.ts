import type { Context } from '../base/context.js';
import { checkIPPoolSchema, IPPOOL_KIND, kindByName, type CheckContext, type CheckResult, type Diagnostic, type FelixCheck } from '../core/index.js';
import { checkOtherResource, checkResource } from '../manifest/check.js';
import { bounded, loadManifests, type LoadedResource } from '../manifest/load.js';
import type { ResourceInput } from './operations.js';

/**
 * InputSet is what `-f` yielded for a resource command: the IPPools to write, in input order,
 * or the input errors that stop the command before anything is written (calicoctl parses
 * every file strictly first); `notices` are warnings to show either way (skipped kinds,
 * empty files); `sourceLine` serves the diagnostic printer.
 */
export interface InputSet {
  readonly inputs: ResourceInput[];
  readonly errors: Diagnostic[];
  readonly notices: Diagnostic[];
  readonly empty: boolean;
  sourceLine(file: string, line: number): string | undefined;
}

/** STRICT are the codes of strict decoding: they fail the whole command, as calicoctl's parsing does. */
const STRICT: ReadonlySet<string> = new Set(['FIELD_UNKNOWN', 'TYPE_MISMATCH', 'KIND_UNKNOWN', 'INPUT_INVALID']);

/** toInput wraps a loaded resource: its kind, name and resourceVersion, and check() with source positions. */
function toInput(res: LoadedResource): ResourceInput {
  const kind = kindByName(res.kind);
  if (kind && kind !== IPPOOL_KIND) {
    let judged: FelixCheck | undefined;
    return {
      kind,
      name: res.name ?? '',
      ...(res.resourceVersion ? { resourceVersion: res.resourceVersion } : {}),
      checkOther: (ctx) => (ctx?.earlier?.size ? checkOtherResource(res, ctx) : (judged ??= checkOtherResource(res))),
    };
  }
  return {
    name: res.name ?? '',
    ...(res.resourceVersion ? { resourceVersion: res.resourceVersion } : {}),
    check(ctx: CheckContext, withoutResourceVersion = false): CheckResult {
      return checkResource(res, withoutResourceVersion ? { ...ctx, ignoreResourceVersion: true } : ctx);
    },
  };
}

/**
 * loadInputs reads the -f paths with the manifest loader and runs the strict-parsing pass
 * calicoctl runs before sending anything: syntax errors, unreadable inputs, documents that
 * are not resources, Calico-looking documents calicoctl cannot load (KIND_UNKNOWN), unknown
 * fields and wrong types are input errors. Other kinds are skipped (a notice); the YAML
 * reading's warnings about a pool come with its check().
 */
export async function loadInputs(paths: readonly string[], opts: { recursive?: boolean }, ctx: Context): Promise<InputSet> {
  const load = await loadManifests(paths, { recursive: opts.recursive ?? false, stdin: () => ctx.io.stdin, cwd: ctx.cwd });
  const errors = load.diagnostics.filter((d) => d.severity === 'error');
  const notices = load.diagnostics.filter((d) => d.severity !== 'error');
  for (const res of load.resources) {
    const kind = kindByName(res.kind);
    if (kind && kind !== IPPOOL_KIND) {
      // calicoctl's strict decoding fails the whole command before anything is sent
      for (const d of checkOtherResource(res).diagnostics) if (STRICT.has(d.code)) errors.push(d);
      continue;
    }
    const strict = checkIPPoolSchema(res.value).diagnostics;
    if (strict.length > 0) for (const d of bounded(res, strict)) (d.severity === 'error' ? errors : notices).push(d);
  }
  return {
    inputs: load.resources.map(toInput),
    errors,
    notices,
    empty: load.resources.length === 0,
    sourceLine: load.sourceLine,
  };
}
