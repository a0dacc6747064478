import type { IPPool, IPPoolSpec } from './types.js';
import { parsePrefix } from '../net/prefix.js';

/** DEFAULT_ALLOWED_USES is what an empty allowedUses means: [Workload, Tunnel]. */
export const DEFAULT_ALLOWED_USES: readonly string[] = ['Workload', 'Tunnel'];

/** defaultBlockSize is Calico's block size for a family: 26 for IPv4, 122 for IPv6. */
export function defaultBlockSize(family: 4 | 6): number {
  return family === 4 ? 26 : 122;
}

/**
 * setDefaults fills in the spec fields Calico defaults when it reads a pool from storage
 * (convertIpPoolFromStorage in libcalico-go/lib/clientv3/ippool.go): blockSize (when 0 or
 * unset and the CIDR parses), allowedUses, nodeSelector, ipipMode, vxlanMode, assignmentMode.
 * It returns a new pool and never changes spec.cidr. poolctl's datastore readers use it so
 * that `get` shows what calicoctl shows.
 */
export function setDefaults(pool: IPPool): IPPool {
  const out: IPPoolSpec = { ...pool.spec };
  if (!out.blockSize) {
    const p = parsePrefix(out.cidr ?? '');
    if (p.ok) out.blockSize = defaultBlockSize(p.value.prefix.family);
  }
  if (!out.allowedUses || out.allowedUses.length === 0) out.allowedUses = [...DEFAULT_ALLOWED_USES];
  if (!out.nodeSelector) out.nodeSelector = 'all()';
  if (!out.ipipMode) out.ipipMode = 'Never';
  if (!out.vxlanMode) out.vxlanMode = 'Never';
  if (out.assignmentMode === undefined || out.assignmentMode === null) out.assignmentMode = 'Automatic';
  return { ...pool, spec: out };
}
