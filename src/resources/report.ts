import { visible, visibleMessage } from '../base/terminal-text.js';
import { calicoErrorText, IPPOOL_KIND, type Diagnostic } from '../core/index.js';
import type { BatchOutcome } from '../datastore/datastore.js';
import { UnavailableError } from '../datastore/errors.js';
import type { ResourceResult } from '../output/results.js';
import { EXISTS, type Action, type OpResult, type ResourceInput, type Verb } from './operations.js';

const PAST: Readonly<Record<Verb, string>> = { create: 'created', apply: 'applied', replace: 'replaced', delete: 'deleted', patch: 'patched', label: 'labeled' };

/** Lines is a report split by stream: stdout for what succeeded, stderr for failures and warnings. */
export interface Lines {
  readonly stdout: string[];
  readonly stderr: string[];
}

/** kindOf is an input's Kind (IPPool when it names none). */
const kindOf = (input: ResourceInput): string => (input.kind ?? IPPOOL_KIND).kind;

/** Failure is one resource that was not written, and why. */
interface Failure {
  readonly kind: string;
  /** code is the error's code: the first error diagnostic's, else the datastore error's. */
  readonly code: string;
  readonly reason: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly unavailable?: UnavailableError;
}

function failureOf(input: ResourceInput, o: BatchOutcome<OpResult>): Failure | null {
  if (o.ok) {
    if (o.value.action !== 'invalid') return null;
    const errors = o.value.diagnostics.filter((d) => d.severity === 'error');
    return { kind: kindOf(input), code: errors[0]?.code ?? 'INPUT_INVALID', reason: calicoErrorText(errors), diagnostics: errors };
  }
  const e = o.error;
  const code = (e as { code?: unknown }).code;
  if (e instanceof UnavailableError) {
    const what = e.outcome === 'unknown' ? 'the write may or may not have been applied' : 'not written';
    return { kind: kindOf(input), code: e.code, reason: `${kindOf(input)}(${input.name}): ${what}: ${e.message}`, diagnostics: [], unavailable: e };
  }
  return { kind: kindOf(input), code: typeof code === 'string' ? code : 'FAILED', reason: e.message, diagnostics: [] };
}

/**
 * failureLines prints one line per failure (with its diagnostics in the source where they
 * help), then each datastore failure's hint, and the hint of each diagnostic that has no place in the input, once: a full disk fails a whole batch, and every
 * resource it hit is named, but the advice is given once.
 */
function failureLines(verb: Verb, failures: readonly Failure[], formatDiagnostics: (ds: readonly Diagnostic[]) => string): string[] {
  const out: string[] = [];
  const hints = new Set<string>();
  for (const f of failures) {
    out.push(`Failed to ${verb} '${f.kind}' resource: ${visibleMessage(f.reason, { newlines: true })}`);
    // The position of a rule violation helps; for "already exists" the name says it all.
    if (f.diagnostics.some((d) => d.file !== undefined && !EXISTS.has(d.code))) out.push(formatDiagnostics(f.diagnostics));
    if (f.unavailable?.hint) hints.add(f.unavailable.hint);
    // A diagnostic without a place in the input (a pool in use) is not shown in the source: its hint is.
    for (const d of f.diagnostics) if (d.file === undefined && d.hint) hints.add(d.hint);
  }
  for (const h of hints) out.push(`hint: ${visibleMessage(h)}`);
  return out;
}

const SKIP_REASON: Partial<Record<Verb, string>> = { create: 'already exists', delete: 'does not exist' };

/**
 * reportOutcomes turns a batch's outcomes into calicoctl's messages (spec/cli.md "Messages",
 * spec/ippool.md §7): `Successfully created N 'IPPool' resource(s)` when all succeeded (skipped
 * ones count, as in calicoctl); otherwise `Partial success: created N out of M 'IPPool'
 * resource(s):` with each one done, and `Failed to create 'IPPool' resource: <reason>` per
 * failure, followed by its diagnostics in the source, and a datastore failure's hint once. apply also prints every resource's
 * action (`ippool/<name> created|configured|unchanged`). `failed` tells whether any resource
 * failed; `unreachable` is the datastore failure that stopped some of them, if any. Names and
 * reasons quote the input: they are made visible (base/terminal-text.ts).
 */
export function reportOutcomes(
  verb: Verb,
  inputs: readonly ResourceInput[],
  outcomes: readonly BatchOutcome<OpResult>[],
  opts: { dryRun?: boolean; formatDiagnostics: (ds: readonly Diagnostic[]) => string },
): { lines: Lines; failed: boolean; unreachable?: UnavailableError } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const done: { kind: string; name: string; action: Action }[] = [];
  const kinds = new Set(inputs.map(kindOf));
  // calicoctl names the kind when every resource is of one kind (CommandResults.SingleKind)
  const named = kinds.size <= 1 ? `'${[...kinds][0] ?? IPPOOL_KIND.kind}' ` : '';
  const what = `${named}resource(s)`;
  const failures: Failure[] = [];
  const warnings: Diagnostic[] = [];
  outcomes.forEach((o, i) => {
    const input = inputs[i]!;
    const f = failureOf(input, o);
    if (f) failures.push(f);
    else if (o.ok && o.value.action !== 'invalid') {
      done.push({ kind: kindOf(input), name: input.name, action: o.value.action });
      warnings.push(...o.value.warnings);
    }
  });
  if (warnings.length > 0) stderr.push(opts.formatDiagnostics(warnings));
  const dry = opts.dryRun ? ' (dry run)' : '';
  const line = (d: { kind: string; name: string; action: Action }): string =>
    `${d.kind.toLowerCase()}/${visible(d.name)} ${d.action}${d.action === 'skipped' && SKIP_REASON[verb] ? ` (${SKIP_REASON[verb]})` : ''}${dry}`;
  // apply and dry runs list every resource; the others the ones that were not simply done (skipped, unchanged).
  const listed = verb === 'apply' || opts.dryRun ? done : done.filter((d) => d.action === 'skipped' || d.action === 'unchanged');
  if (failures.length === 0) {
    stdout.push(...listed.map(line));
    stdout.push(
      opts.dryRun
        ? `Dry run: ${done.length} ${what} would be ${PAST[verb]}; nothing was written`
        : verb === 'patch'
          ? `Successfully patched ${done.length} ${named}resource` // calicoctl's words (commands/patch.go)
          : `Successfully ${PAST[verb]} ${done.length} ${what}`,
    );
  } else if (done.length > 0) {
    stdout.push(`Partial success: ${PAST[verb]} ${done.length} out of ${outcomes.length} ${what}${dry}:`);
    stdout.push(...done.map((d) => `  ${line(d)}`));
  }
  stderr.push(...failureLines(verb, failures, opts.formatDiagnostics));
  const unreachable = failures.find((f) => f.unavailable)?.unavailable;
  return { lines: { stdout, stderr }, failed: failures.length > 0, ...(unreachable ? { unreachable } : {}) };
}

/**
 * resultsOf is the per-resource outcome of a batch for `-o json|yaml|name`: the action, or
 * `failed` with the failure's code and message; resourceVersion when the write stored one.
 */
export function resultsOf(inputs: readonly ResourceInput[], outcomes: readonly BatchOutcome<OpResult>[]): ResourceResult[] {
  return outcomes.map((o, i) => {
    const input = inputs[i]!;
    const f = failureOf(input, o);
    if (f) return { kind: f.kind, name: input.name, action: 'failed', code: f.code, message: f.reason };
    const value = (o as { value: OpResult }).value;
    const rv = 'stored' in value ? value.stored?.metadata.resourceVersion : undefined;
    return { kind: kindOf(input), name: input.name, action: value.action, ...(rv ? { resourceVersion: rv } : {}) };
  });
}
