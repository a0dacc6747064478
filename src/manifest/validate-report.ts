import { IPPOOL_KIND, kindByName, OverlapIndex, type Diagnostic, type IPPool } from '../core/index.js';
import { checkOtherResource, checkResource } from './check.js';
import { visitManifests, type LoadedResource, type LoadOptions } from './load.js';

/** ResultStatus is a resource's verdict. */
export type ResultStatus = 'valid' | 'invalid' | 'skipped';

/**
 * ValidateResult is the verdict on one resource, or on a document or file that yielded none
 * because it could not be read (status invalid, no kind or name).
 */
export interface ValidateResult {
  readonly file: string;
  readonly document?: number;
  readonly kind?: string;
  readonly name?: string;
  readonly status: ResultStatus;
  readonly diagnostics: readonly Diagnostic[];
}

/** ValidateSummary counts files, documents and results (resources = valid + invalid + skipped). */
export interface ValidateSummary {
  readonly files: number;
  readonly documents: number;
  readonly resources: number;
  readonly valid: number;
  readonly invalid: number;
  readonly skipped: number;
  readonly errors: number;
  readonly warnings: number;
}

/**
 * ValidateReport is `poolctl validate`'s whole outcome (spec/cli.md "validate -o json"), plus
 * the warnings tied to no resource (an empty file) in `diagnostics`.
 */
export interface ValidateReport {
  readonly valid: boolean;
  readonly summary: ValidateSummary;
  readonly results: readonly ValidateResult[];
  readonly diagnostics: readonly Diagnostic[];
}

function byName(a: IPPool, b: IPPool): number {
  const x = a.metadata.name;
  const y = b.metadata.name;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** ValidateRun is a validate report and the source lines its diagnostics point at. */
export interface ValidateRun {
  readonly report: ValidateReport;
  sourceLine(file: string, line: number): string | undefined;
}

/**
 * ValidateOutcome is what streamValidation returns once every result went to its sink: a
 * ValidateReport without the results, and the source lines diagnostics point at.
 */
export interface ValidateOutcome {
  readonly valid: boolean;
  readonly summary: ValidateSummary;
  readonly diagnostics: readonly Diagnostic[];
  sourceLine(file: string, line: number): string | undefined;
}

/** NO_DIAGNOSTICS is the diagnostics of a result without findings (shared: the common case). */
const NO_DIAGNOSTICS: readonly Diagnostic[] = [];

/** resultOf is the result of a judged resource. */
function resultOf(r: LoadedResource, valid: boolean, ds: readonly Diagnostic[]): ValidateResult {
  const diagnostics = ds.length > 0 ? ds : NO_DIAGNOSTICS;
  const status = valid ? 'valid' : 'invalid';
  const o = r.origin;
  return r.name !== undefined
    ? { file: o.file, document: o.document, kind: r.kind ?? '', name: r.name, status, diagnostics }
    : { file: o.file, document: o.document, kind: r.kind ?? '', status, diagnostics };
}

/**
 * streamValidation reads the inputs (visitManifests) and judges them as `create -f` over the
 * same inputs in order would on a datastore holding `store` (spec/ippool.md decision 2): a
 * FelixConfiguration with checkFelixConfiguration (decoding and Calico's validator); each
 * IPPool with Calico's create rules, then against the pools accepted before it (POOL_OVERLAP in
 * name order, DUPLICATE_NAME; ALREADY_EXISTS for store pools). A pool rejected on its own is
 * not stored, so it takes no part in later checks. Results go to `sink` in input order, each
 * as soon as its resource is judged (nothing else keeps them: a report writer can encode them
 * as they come); loader errors (unreadable files, syntax errors, non-resource documents)
 * become invalid results of their file and document; warnings about a whole file (no
 * resources) go to the outcome's diagnostics.
 */
export async function streamValidation(
  paths: readonly string[],
  opts: LoadOptions,
  store: readonly IPPool[],
  sink: (r: ValidateResult) => void,
): Promise<ValidateOutcome> {
  const index = new OverlapIndex();
  for (const p of [...store].sort(byName)) index.addPool(p, 'store');
  const unattached: Diagnostic[] = [];
  let errors = 0;
  let warnings = 0;
  let results = 0;
  const counts = { valid: 0, invalid: 0, skipped: 0 };
  const add = (r: ValidateResult): void => {
    results++;
    counts[r.status]++;
    for (const d of r.diagnostics) d.severity === 'error' ? errors++ : warnings++;
    sink(r);
  };
  // Loader diagnostics of one document or file that yielded no resource are gathered into one result.
  let broken: ValidateResult | undefined;
  const flush = (): void => {
    if (broken) add(broken);
    broken = undefined;
  };
  const ctx = { op: 'validate', overlaps: index } as const;
  const summary = await visitManifests(paths, opts, {
    resource(r) {
      flush();
      const kind = kindByName(r.kind);
      if (kind && kind !== IPPOOL_KIND) {
        const other = checkOtherResource(r);
        add(resultOf(r, other.valid, other.diagnostics));
        return;
      }
      const res = checkResource(r, ctx);
      if (res.valid && res.prefix) index.add({ name: res.pool.metadata.name, cidr: res.pool.spec.cidr, prefix: res.prefix, origin: 'input' });
      add(resultOf(r, res.valid, res.diagnostics));
    },
    skipped(r) {
      flush();
      const diags = r.diagnostics ?? [];
      add({
        file: r.origin.file,
        document: r.origin.document,
        ...(r.kind !== undefined ? { kind: r.kind } : {}),
        ...(r.name !== undefined ? { name: r.name } : {}),
        status: diags.some((d) => d.severity === 'error') ? 'invalid' : 'skipped',
        diagnostics: diags,
      });
    },
    diagnostic(d) {
      if (d.severity === 'warning' && d.document === undefined) {
        unattached.push(d);
        warnings++;
        return;
      }
      if (broken && (broken.file !== d.file || broken.document !== d.document)) flush();
      if (!broken) {
        broken = { file: d.file ?? '', ...(d.document !== undefined ? { document: d.document } : {}), status: 'invalid', diagnostics: [] };
      }
      (broken.diagnostics as Diagnostic[]).push(d);
    },
  });
  flush();
  return {
    valid: errors === 0,
    summary: { files: summary.files.length, documents: summary.documents, resources: results, ...counts, errors, warnings },
    diagnostics: unattached,
    sourceLine: summary.sourceLine,
  };
}

/**
 * validateManifests is streamValidation with the results gathered into one report (tests and
 * library use; the command streams).
 */
export async function validateManifests(paths: readonly string[], opts: LoadOptions, store: readonly IPPool[] = []): Promise<ValidateRun> {
  const results: ValidateResult[] = [];
  const o = await streamValidation(paths, opts, store, (r) => results.push(r));
  return { report: { valid: o.valid, summary: o.summary, results, diagnostics: o.diagnostics }, sourceLine: o.sourceLine };
}
