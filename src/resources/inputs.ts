import type { Context } from '../base/context.js';
import { API_VERSION, checkIPPoolSchema, IPPOOL_KIND, kindByName, type CheckContext, type CheckResult, type Diagnostic, type FelixCheck } from '../core/index.js';
import { checkOtherResource, checkResource } from '../manifest/check.js';
import { loadManifests, positioned, type LoadedResource } from '../manifest/load.js';
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

function stringAt(v: unknown, key: string): string | undefined {
  const m = (v as { metadata?: Record<string, unknown> } | null)?.metadata;
  const s = typeof m === 'object' && m !== null ? m[key] : undefined;
  return typeof s === 'string' ? s : undefined;
}

/** toInput wraps a loaded resource: its kind, name and resourceVersion, and check() with source positions. */
function toInput(res: LoadedResource): ResourceInput {
  const rv = stringAt(res.value, 'resourceVersion');
  const kind = kindByName(res.kind);
  if (kind && kind !== IPPOOL_KIND) {
    let judged: FelixCheck | undefined;
    return { kind, name: res.name ?? '', ...(rv ? { resourceVersion: rv } : {}), checkOther: () => (judged ??= checkOtherResource(res)) };
  }
  return {
    name: res.name ?? '',
    ...(rv ? { resourceVersion: rv } : {}),
    check(ctx: CheckContext, withoutResourceVersion = false): CheckResult {
      if (!withoutResourceVersion || rv === undefined) return checkResource(res, ctx);
      const { resourceVersion: _rv, ...metadata } = (res.value as { metadata: Record<string, unknown> }).metadata;
      return checkResource({ ...res, value: { ...(res.value as object), metadata }, locate: res.locate, origin: res.origin }, ctx);
    },
  };
}

/** STRICT are the codes of strict decoding: they fail the whole command, as calicoctl's parsing does. */
const STRICT: ReadonlySet<string> = new Set(['FIELD_UNKNOWN', 'TYPE_MISMATCH', 'KIND_UNKNOWN', 'INPUT_INVALID']);

/**
 * loadInputs reads the -f paths with the manifest loader and runs the strict-parsing pass
 * calicoctl runs before sending anything: syntax errors, unreadable inputs, documents that
 * are not resources, an IPPool or FelixConfiguration with another apiVersion, unknown fields and
 * wrong types are input errors. Kinds the registry does not describe are skipped with a warning.
 */
export async function loadInputs(paths: readonly string[], opts: { recursive?: boolean }, ctx: Context): Promise<InputSet> {
  const load = await loadManifests(paths, { recursive: opts.recursive ?? false, stdin: () => ctx.io.stdin, cwd: ctx.cwd });
  const errors = load.diagnostics.filter((d) => d.severity === 'error');
  const notices = load.diagnostics.filter((d) => d.severity === 'warning');
  for (const res of load.resources) {
    const kind = kindByName(res.kind);
    if (kind && kind !== IPPOOL_KIND) {
      // calicoctl's strict decoding fails the whole command before anything is sent
      for (const d of checkOtherResource(res).diagnostics) if (STRICT.has(d.code)) errors.push(d);
      continue;
    }
    if (res.apiVersion !== API_VERSION) {
      errors.push(
        positioned(res, {
          code: 'KIND_UNKNOWN',
          severity: 'error',
          message: `unknown resource type (${res.kind ?? ''}) and/or version (${res.apiVersion ?? ''})`,
          path: '/apiVersion',
        }),
      );
    }
    for (const d of checkIPPoolSchema(res.value).diagnostics) if (d.severity === 'error') errors.push(positioned(res, d));
  }
  return {
    inputs: load.resources.map(toInput),
    errors,
    notices,
    empty: load.resources.length === 0,
    sourceLine: load.sourceLine,
  };
}
