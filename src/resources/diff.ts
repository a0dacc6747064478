import type { Context } from '../base/context.js';
import { usageError } from '../base/errors.js';
import { IPPOOL_KIND, type Diagnostic } from '../core/index.js';
import type { StoredPool } from '../datastore/datastore.js';
import { openDatastore } from '../datastore/index.js';
import { formatUnifiedDiff } from '../output/unified-diff.js';
import { formatYaml } from '../output/yaml.js';
import { loadInputs } from './inputs.js';
import { stepFor } from './operations.js';
import { reportOutcomes } from './report.js';

/** DiffVerdict is what `diff` found: whether apply would change anything, and whether it would fail for some resource (or the input is invalid). */
export interface DiffVerdict {
  readonly changed: boolean;
  readonly failed: boolean;
}

/**
 * comparable is a pool as the diff shows it: what a user writes and Calico defaults (name,
 * labels, annotations, spec), without the server-set uid, creationTimestamp and
 * resourceVersion, which apply never changes or always changes.
 */
function comparable(p: StoredPool): unknown {
  const { uid: _u, creationTimestamp: _c, resourceVersion: _r, ...metadata } = p.metadata;
  return { apiVersion: p.apiVersion, kind: p.kind, metadata, spec: p.spec };
}

/**
 * diffManifests is `poolctl diff -f`: what `apply` of the same inputs would change, pool by
 * pool, as a unified diff of the stored pool and the pool apply would store (calicoctl's
 * YAML, defaults filled in), as `kubectl diff` shows it. It runs apply's own step in a dry
 * run (so the would-be pool is exactly what apply would write), and prints apply's failure
 * lines for the resources apply would reject. It handles IPPools only: another kind in the
 * input (a FelixConfiguration) is a usage error before the datastore is opened.
 */
export async function diffManifests(args: { readonly filename: readonly string[]; readonly recursive: boolean }, ctx: Context): Promise<DiffVerdict> {
  const { formatDiagnostic } = await import('../output/diagnostics/text.js');
  const set = await loadInputs(args.filename, { recursive: args.recursive }, ctx);
  const format = (ds: readonly Diagnostic[]): string => ds.map((d) => formatDiagnostic(d, { sourceLine: set.sourceLine })).join('');
  if (set.notices.length > 0) ctx.io.stderr.write(format(set.notices));
  if (set.errors.length > 0) {
    ctx.io.stderr.write(`${format(set.errors)}Failed to diff any 'IPPool' resources: ${set.errors.length} error(s) in the input\n`);
    return { changed: false, failed: true };
  }
  if (set.empty) {
    ctx.io.stderr.write("Failed to diff any 'IPPool' resources: no resources specified\n");
    return { changed: false, failed: true };
  }
  const other = set.inputs.find((i) => i.kind && i.kind !== IPPOOL_KIND);
  if (other) {
    throw usageError(
      `diff handles IPPools only: the input holds ${other.kind!.kind}(${other.name})`,
      `compare it with poolctl get ${other.kind!.aliases[0]} ${other.name} -o yaml, or leave it out of the files given to diff`,
    );
  }
  const ds = await openDatastore(ctx);
  let outcomes;
  try {
    outcomes = await ds.batch(set.inputs, stepFor('apply'), { dryRun: true });
  } finally {
    await ds.close();
  }
  let changed = false;
  let out = '';
  for (const o of outcomes) {
    if (!o.ok || o.value.action === 'invalid' || !o.value.stored) continue;
    const { stored, previous, action } = o.value;
    if (action === 'unchanged') continue;
    changed = true;
    const name = `ippool/${stored.metadata.name}`;
    const before = previous ? { label: `${name} (stored, resourceVersion ${previous.metadata.resourceVersion})`, text: await formatYaml(comparable(previous)) } : { label: '/dev/null', text: '' };
    out += await formatUnifiedDiff(before, { label: `${name} (after apply)`, text: await formatYaml(comparable(stored)) });
  }
  ctx.io.stdout.write(out);
  const { lines, failed } = reportOutcomes('apply', set.inputs, outcomes, { dryRun: true, formatDiagnostics: format });
  if (failed) ctx.io.stderr.write(`${lines.stderr.map((l) => l.replace(/\n+$/, '')).join('\n')}\n`);
  return { changed, failed };
}
