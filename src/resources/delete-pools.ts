import { containsPrefix, parsePrefix, type Diagnostic } from '../core/index.js';
import type { BatchOptions, BatchOutcome, Datastore, StoredPool } from '../datastore/datastore.js';
import { NotFoundError, ConflictError } from '../datastore/errors.js';
import { affinityNode, type IpamBlock } from '../datastore/ipam.js';
import { stepFor, type OpOptions, type OpResult, type ResourceInput } from './operations.js';

/** DeleteOptions are delete's flags as they reach the pipeline. */
export interface DeleteOptions extends OpOptions {
  /** force deletes pools whose IPAM blocks still have addresses in use. */
  readonly force?: boolean;
  readonly dryRun?: boolean;
  readonly onCommitted?: BatchOptions['onCommitted'];
}

/** DISABLE_GRACE_MS is clientv3's pause between disabling a pool and deleting it (lib/clientv3/ippool.go Delete). */
const DISABLE_GRACE_MS = 500;

/** blocksInUse returns the blocks inside a pool's CIDR that still have addresses allocated. */
function blocksInUse(pool: StoredPool, blocks: readonly IpamBlock[]): IpamBlock[] {
  const parsed = parsePrefix(pool.spec.cidr);
  if (!parsed.ok) return [];
  return blocks.filter((b) => b.inUse > 0 && containsPrefix(parsed.value.prefix, b.prefix));
}

/**
 * inUseDiagnostic names the blocks of a pool Calico IPAM still allocates from, and the nodes
 * they are affine to, with what to do (Calico's "Migrate from one IP pool to another").
 */
function inUseDiagnostic(name: string, used: readonly IpamBlock[], leftDisabled: boolean): Diagnostic {
  const shown = used.slice(0, 10).map((b) => `${b.cidr} (${b.affinity ? `node ${affinityNode(b.affinity)}` : 'no node affinity'}, ${b.inUse} in use)`);
  const more = used.length > shown.length ? `, and ${used.length - shown.length} more` : '';
  const nodes = [...new Set(used.map((b) => (b.affinity ? affinityNode(b.affinity) : '')).filter((n) => n !== ''))].sort();
  return {
    code: 'POOL_IN_USE',
    severity: 'error',
    message:
      `IPPool(${name}) still has ${used.length} IPAM block(s) with addresses in use: ${shown.join(', ')}${more}` +
      (nodes.length > 0 ? `; nodes: ${nodes.join(', ')}` : '') +
      (leftDisabled ? '; the pool was disabled and is left disabled' : ''),
    path: '/spec/cidr',
    hint: 'recreate the workloads that use these addresses (the pool is disabled, so they get addresses from other pools), then delete it again; --force deletes it anyway and leaves the blocks behind',
  };
}

/**
 * deletePools is `delete` (by name or -f). On the embedded store, which has no IPAM, a pool is
 * deleted in one step. On Calico's etcd it follows clientv3's IPPool Delete
 * (libcalico-go/lib/clientv3/ippool.go): a pool that is not disabled is first updated to
 * `disabled: true` (with the caller's resourceVersion as precondition, if any), so that
 * IPAM stops allocating from it; after a 500 ms pause the key is deleted (unconditionally
 * once disabled, as clientv3). Unlike clientv3, poolctl refuses to delete a pool while IPAM
 * blocks inside its CIDR still have addresses in use, naming the blocks and their nodes,
 * unless `force`: it checks before disabling (nothing changes on refusal) and again after
 * the pause (an allocation that raced the disable is caught; the pool then stays disabled).
 * A dry run checks and writes nothing.
 */
export async function deletePools(ds: Datastore, inputs: readonly ResourceInput[], opts: DeleteOptions): Promise<BatchOutcome<OpResult>[]> {
  const batchOpts = { dryRun: opts.dryRun ?? false, ...(opts.onCommitted ? { onCommitted: opts.onCommitted } : {}) };
  const readBlocks = ds.ipamBlocks?.bind(ds);
  if (!readBlocks) return ds.batch(inputs, stepFor('delete', opts), batchOpts);
  const outcomes: (BatchOutcome<OpResult> | undefined)[] = new Array(inputs.length);
  const check = async (): Promise<IpamBlock[]> => (opts.force ? [] : readBlocks());
  // Phase 1: check and disable.
  let blocks = await check();
  const disabled = new Set<number>();
  const phase1 = await ds.batch(
    inputs.map((input, i) => ({ input, i })),
    (txn) => async ({ input, i }): Promise<OpResult> => {
      const cur = await txn.get(input.name);
      if (!cur) {
        // Absent, or a value that is not an IPPool (no CIDR, nothing to disable): the store's
        // delete removes the latter at once and says NotFound for the former.
        try {
          await txn.delete(input.name, input.resourceVersion);
        } catch (e) {
          if (e instanceof NotFoundError && opts.skipNotExists) return { action: 'skipped', warnings: [] };
          throw e;
        }
        return { action: 'deleted', warnings: [] };
      }
      if (input.resourceVersion && input.resourceVersion !== cur.metadata.resourceVersion) throw new ConflictError(input.name);
      const used = blocksInUse(cur, blocks);
      if (used.length > 0) return { action: 'invalid', diagnostics: [inUseDiagnostic(input.name, used, false)] };
      if (cur.spec.disabled === true) return { action: 'unchanged', warnings: [], stored: cur };
      disabled.add(i);
      const stored = await txn.update({ ...cur, spec: { ...cur.spec, disabled: true } });
      return { action: 'configured', warnings: [], stored };
    },
    { dryRun: opts.dryRun ?? false },
  );
  const ready: { input: ResourceInput; i: number; rv?: string }[] = [];
  phase1.forEach((o, i) => {
    if (!o.ok || o.value.action === 'invalid' || o.value.action === 'skipped' || o.value.action === 'deleted') outcomes[i] = o;
    else if (opts.dryRun) outcomes[i] = { ok: true, value: { action: 'deleted', warnings: [] } };
    else {
      const input = inputs[i]!;
      ready.push({ input, i, ...(!disabled.has(i) && input.resourceVersion ? { rv: input.resourceVersion } : {}) });
    }
  });
  if (ready.length > 0) {
    if (disabled.size > 0) await new Promise((r) => setTimeout(r, DISABLE_GRACE_MS));
    // Phase 2: check again, then delete.
    blocks = await check();
    const phase2 = await ds.batch(
      ready,
      (txn) => async ({ input, i, rv }): Promise<OpResult> => {
        const cur = await txn.get(input.name);
        const used = cur ? blocksInUse(cur, blocks) : [];
        if (used.length > 0) return { action: 'invalid', diagnostics: [inUseDiagnostic(input.name, used, disabled.has(i))] };
        await txn.delete(input.name, rv);
        return { action: 'deleted', warnings: [] };
      },
      batchOpts,
    );
    phase2.forEach((o, k) => {
      outcomes[ready[k]!.i] = o;
    });
  }
  return outcomes.map((o) => o!);
}
