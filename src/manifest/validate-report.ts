import { FELIX_CONFIGURATION_KIND, kindByName, OverlapIndex, type CheckResult, type Diagnostic, type FelixCheck, type IPPool } from '../core/index.js';
import { checkOtherResource, checkResource } from './check.js';
import { positioned, visitManifests, type LoadedResource, type LoadOptions } from './load.js';

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

/** ValidateOp is the command validate judges by (`--op`): create (the default), apply or replace. */
export type ValidateOp = 'create' | 'apply' | 'replace';

/** VALIDATE_OPS are the --op values. */
export const VALIDATE_OPS: readonly ValidateOp[] = ['create', 'apply', 'replace'];

/** ValidateOptions are streamValidation's options: the loader's, the op, and whether `store` was read (--against-store). */
export interface ValidateOptions extends LoadOptions {
  readonly op?: ValidateOp;
  readonly againstStore?: boolean;
}

/**
 * Judge judges each IPPool as the command `op` would, `-f` over the same inputs in order, on a
 * datastore holding the store's pools (spec/ippool.md decisions 2 and 6):
 * - create: Calico's create rules, then against the pools accepted before it (POOL_OVERLAP in
 *   name order, DUPLICATE_NAME; ALREADY_EXISTS for store pools); a resourceVersion is an error;
 * - apply: create's checks without the resourceVersion; a pool whose name exists (stored or
 *   accepted earlier) is then judged as an update of it (immutable fields);
 * - replace: an update of the pool of the same name (stored or accepted earlier); without one,
 *   NOT_FOUND when the store was read, else Calico's rules alone.
 * An update of a stored pool with a resourceVersion other than the stored one is a CONFLICT,
 * as the write's compare-and-swap would make it.
 * Each runs thorough (checkIPPool): the same verdict, every problem shown. A pool rejected on
 * its own is not stored, so it takes no part in later checks.
 */
class Judge {
  private readonly index = new OverlapIndex();
  /** pools are the pools by name, for apply and replace (create needs only the index). */
  private readonly pools = new Map<string, IPPool>();
  /** stored are the resourceVersions of the store's pools not updated by an earlier document. */
  private readonly stored = new Map<string, string>();
  /** felixNames are the FelixConfigurations accepted so far (create's DUPLICATE_NAME). */
  private readonly felixNames = new Set<string>();

  constructor(
    store: readonly IPPool[],
    private readonly op: ValidateOp,
    private readonly againstStore: boolean,
  ) {
    for (const p of [...store].sort(byName)) {
      this.index.addPool(p, 'store');
      if (op !== 'create') this.pools.set(p.metadata.name, p);
      if (op !== 'create' && p.metadata.resourceVersion) this.stored.set(p.metadata.name, p.metadata.resourceVersion);
    }
  }

  /**
   * judgeFelix judges a FelixConfiguration (checkOtherResource); for create, a name an earlier
   * FelixConfiguration of the input took is DUPLICATE_NAME, as for pools (apply and replace
   * make the later one an update of it).
   */
  judgeFelix(r: LoadedResource): FelixCheck {
    if (this.op !== 'create') return checkOtherResource(r);
    const fc = checkOtherResource(r, { earlier: this.felixNames });
    const name = fc.resource.metadata.name;
    if (fc.valid && typeof name === 'string') this.felixNames.add(name);
    return fc;
  }

  judge(r: LoadedResource): CheckResult {
    const index = this.index;
    let res: CheckResult;
    if (this.op === 'create') {
      res = checkResource(r, { op: 'create', overlaps: index, thorough: true });
    } else {
      const old = r.name !== undefined ? this.pools.get(r.name) : undefined;
      if (this.op === 'apply') {
        res = checkResource(r, { op: 'create', overlaps: index, thorough: true, ignoreResourceVersion: true });
        if (old && res.diagnostics.every((d) => d.severity !== 'error' || EXISTS.has(d.code))) res = checkResource(r, { op: 'update', old, thorough: true });
      } else if (old) {
        res = checkResource(r, { op: 'update', old, thorough: true });
      } else {
        res = checkResource(r, { op: 'create', thorough: true, ignoreResourceVersion: true });
        if (this.againstStore && res.valid) res = notFound(r, res);
      }
      const rv = this.stored.get(r.name ?? '');
      if (old && res.valid && r.resourceVersion !== undefined && rv !== undefined && r.resourceVersion !== rv) res = conflict(r, res);
      if (res.valid) {
        this.pools.set(res.pool.metadata.name, res.pool);
        this.stored.delete(res.pool.metadata.name);
      }
    }
    if (res.valid && res.prefix && !(this.op !== 'create' && index.get(res.pool.metadata.name))) {
      index.add({ name: res.pool.metadata.name, cidr: res.pool.spec.cidr, prefix: res.prefix, origin: 'input' });
    }
    return res;
  }
}

/** EXISTS are the codes of "the pool's name is taken", which apply turns into an update. */
const EXISTS: ReadonlySet<string> = new Set(['ALREADY_EXISTS', 'DUPLICATE_NAME']);

/** conflict is the outcome of an update whose resourceVersion is not the stored one. */
function conflict(r: LoadedResource, res: CheckResult): CheckResult {
  const name = res.pool.metadata.name;
  return {
    ...res,
    valid: false,
    diagnostics: [...res.diagnostics, positioned(r, { code: 'CONFLICT', severity: 'error', message: `update conflict: IPPool(${name})`, path: '/metadata/resourceVersion' })],
  };
}

/** notFound is replace's outcome for a pool the store does not have. */
function notFound(r: LoadedResource, res: CheckResult): CheckResult {
  const name = res.pool.metadata.name;
  return {
    ...res,
    valid: false,
    diagnostics: [...res.diagnostics, positioned(r, { code: 'NOT_FOUND', severity: 'error', message: `resource does not exist: IPPool(${name}) with error: <nil>`, path: '/metadata/name' })],
  };
}

/**
 * streamValidation reads the inputs (visitManifests) and judges each IPPool as `op -f` over
 * the same inputs in order would on a datastore holding `store` (see Judge). Results go to
 * `sink` in input order, each as soon as its resource is judged (nothing else keeps them: a
 * report writer can encode them as they come); loader errors (unreadable files, syntax
 * errors, non-resource documents, Calico-looking documents calicoctl cannot load) become
 * invalid results of their file and document; other kinds are skipped results; warnings
 * about a whole file (no resources) go to the outcome's diagnostics.
 */
export async function streamValidation(
  paths: readonly string[],
  opts: ValidateOptions,
  store: readonly IPPool[],
  sink: (r: ValidateResult) => void,
): Promise<ValidateOutcome> {
  const judge = new Judge(store, opts.op ?? 'create', opts.againstStore ?? false);
  const unattached: Diagnostic[] = [];
  let errors = 0;
  let warnings = 0;
  let results = 0;
  const counts = { valid: 0, invalid: 0, skipped: 0 };
  const add = (r: ValidateResult): void => {
    results++;
    counts[r.status]++;
    for (const d of r.diagnostics) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
    }
    sink(r);
  };
  // Loader diagnostics of one document or file that yielded no resource are gathered into one result.
  let broken: ValidateResult | undefined;
  const flush = (): void => {
    if (broken) add(broken);
    broken = undefined;
  };
  const summary = await visitManifests(paths, opts, {
    resource(r) {
      flush();
      if (kindByName(r.kind) === FELIX_CONFIGURATION_KIND) {
        // a FelixConfiguration: decoding and Calico's validator (checkFelixConfiguration)
        const fc = judge.judgeFelix(r);
        const o = r.origin;
        const name = fc.resource.metadata.name;
        const diagnostics = fc.diagnostics.length > 0 ? fc.diagnostics : NO_DIAGNOSTICS;
        const status = fc.valid ? 'valid' : 'invalid';
        add(name ? { file: o.file, document: o.document, kind: r.kind ?? '', name, status, diagnostics } : { file: o.file, document: o.document, kind: r.kind ?? '', status, diagnostics });
        return;
      }
      const res = judge.judge(r);
      const diagnostics = res.diagnostics.length > 0 ? res.diagnostics : NO_DIAGNOSTICS;
      const status = res.valid ? 'valid' : 'invalid';
      const o = r.origin;
      // The pool's name as decoded (its key in any case); a pool without one has none.
      const name = res.pool.metadata.name;
      add(
        name !== ''
          ? { file: o.file, document: o.document, kind: r.kind ?? '', name, status, diagnostics }
          : { file: o.file, document: o.document, kind: r.kind ?? '', status, diagnostics },
      );
    },
    other(r) {
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
      if (d.severity !== 'error' && d.document === undefined) {
        unattached.push(d);
        if (d.severity === 'warning') warnings++;
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
export async function validateManifests(paths: readonly string[], opts: ValidateOptions, store: readonly IPPool[] = []): Promise<ValidateRun> {
  const results: ValidateResult[] = [];
  const o = await streamValidation(paths, opts, store, (r) => results.push(r));
  return { report: { valid: o.valid, summary: o.summary, results, diagnostics: o.diagnostics }, sourceLine: o.sourceLine };
}
