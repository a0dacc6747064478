import type { Context } from '../base/context.js';
import { IPPOOL_KIND, orderFelixSpec, type Diagnostic } from '../core/index.js';
import type { BatchOutcome, ResourceValue, StoredPool, StoredResource } from '../datastore/datastore.js';
import { openDatastore } from '../datastore/index.js';
import { formatUnifiedDiff } from '../output/unified-diff.js';
import { formatYaml } from '../output/yaml.js';
import { loadInputs } from './inputs.js';
import { otherKindStep, stepFor, type OpResult } from './operations.js';
import { dryRunStore } from './run.js';
import { reportOutcomes } from './report.js';

/** DiffVerdict is what `diff` found: whether apply would change anything, and whether it would fail for some resource (or the input is invalid). */
export interface DiffVerdict {
  readonly changed: boolean;
  readonly failed: boolean;
}

/**
 * comparable is a resource as the diff shows it: what a user writes and Calico defaults (name,
 * labels, annotations, spec; a FelixConfiguration's spec in Go field order), without the
 * server-set uid, creationTimestamp and resourceVersion, which apply never changes or always
 * changes.
 */
function comparable(p: StoredPool | ResourceValue): unknown {
  const { uid: _u, creationTimestamp: _c, resourceVersion: _r, ...metadata } = p.metadata;
  const spec = p.kind === IPPOOL_KIND.kind ? p.spec : orderFelixSpec(p.spec as Record<string, unknown>);
  return { apiVersion: p.apiVersion, kind: p.kind, metadata, spec };
}

/** Change is what apply would do to one resource: the stored one (absent: created) and the one apply would store. */
interface Change {
  readonly label: string;
  readonly previous?: StoredPool | StoredResource;
  readonly next: StoredPool | ResourceValue;
}

/**
 * diffManifests is `poolctl diff -f`: what `apply` of the same inputs would change, resource by
 * resource, as a unified diff of the stored resource and the one apply would store (calicoctl's
 * YAML, defaults filled in), as `kubectl diff` shows it. It runs apply's own steps in a dry
 * run (IPPools in one batch, FelixConfigurations through their store, so the would-be
 * resource is exactly what apply would write), and prints apply's failure lines for the
 * resources apply would reject.
 */
export async function diffManifests(args: { readonly filename: readonly string[]; readonly recursive: boolean }, ctx: Context): Promise<DiffVerdict> {
  const { formatDiagnostic } = await import('../output/diagnostics/text.js');
  const set = await loadInputs(args.filename, { recursive: args.recursive }, ctx);
  const format = (ds: readonly Diagnostic[]): string => ds.map((d) => formatDiagnostic(d, { sourceLine: set.sourceLine })).join('');
  const kinds = new Set(set.inputs.map((i) => (i.kind ?? IPPOOL_KIND).kind));
  const what = kinds.size <= 1 ? `'${[...kinds][0] ?? IPPOOL_KIND.kind}' resources` : 'resources';
  if (set.notices.length > 0) ctx.io.stderr.write(format(set.notices));
  if (set.errors.length > 0) {
    ctx.io.stderr.write(`${format(set.errors)}Failed to diff any ${what}: ${set.errors.length} error(s) in the input\n`);
    return { changed: false, failed: true };
  }
  if (set.empty) {
    ctx.io.stderr.write(`Failed to diff any ${what}: no resources specified\n`);
    return { changed: false, failed: true };
  }
  const ds = await openDatastore(ctx);
  const outcomes: BatchOutcome<OpResult>[] = new Array(set.inputs.length);
  const changes: (Change | undefined)[] = new Array(set.inputs.length);
  try {
    const pools = set.inputs.flatMap((input, i) => (!input.kind || input.kind === IPPOOL_KIND ? [i] : []));
    if (pools.length > 0) {
      const got = await ds.batch(
        pools.map((i) => set.inputs[i]!),
        stepFor('apply'),
        { dryRun: true },
      );
      pools.forEach((i, k) => {
        const o = (outcomes[i] = got[k]!);
        if (!o.ok || o.value.action === 'invalid' || o.value.action === 'unchanged' || !o.value.stored) return;
        changes[i] = { label: `ippool/${o.value.stored.metadata.name}`, ...(o.value.previous ? { previous: o.value.previous } : {}), next: o.value.stored };
      });
    }
    for (let i = 0; i < set.inputs.length; i++) {
      if (outcomes[i]) continue;
      const input = set.inputs[i]!;
      const kind = input.kind!;
      const real = ds.resources(kind.plural as 'felixconfigurations');
      try {
        const o = await otherKindStep('apply', dryRunStore(real), input);
        outcomes[i] = { ok: true, value: o };
        if (o.action !== 'created' && o.action !== 'configured') continue;
        const previous = o.action === 'configured' ? await real.get(input.name) : undefined;
        changes[i] = { label: `${kind.kind.toLowerCase()}/${input.name}`, ...(previous ? { previous } : {}), next: input.checkOther!().resource };
      } catch (e) {
        outcomes[i] = { ok: false, error: e as Error };
      }
    }
  } finally {
    await ds.close();
  }
  let changed = false;
  let out = '';
  for (const c of changes) {
    if (!c) continue;
    changed = true;
    const before = c.previous
      ? { label: `${c.label} (stored, resourceVersion ${c.previous.metadata.resourceVersion})`, text: await formatYaml(comparable(c.previous)) }
      : { label: '/dev/null', text: '' };
    out += await formatUnifiedDiff(before, { label: `${c.label} (after apply)`, text: await formatYaml(comparable(c.next)) });
  }
  ctx.io.stdout.write(out);
  const { lines, failed } = reportOutcomes('apply', set.inputs, outcomes, { dryRun: true, formatDiagnostics: format });
  if (failed) ctx.io.stderr.write(`${lines.stderr.map((l) => l.replace(/\n+$/, '')).join('\n')}\n`);
  return { changed, failed };
}
