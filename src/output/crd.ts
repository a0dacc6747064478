import { toCrd } from '../core/index.js';
import type { StoredPool } from '../datastore/datastore.js';
import type { GetResult } from './printer.js';

/**
 * crdObject is what `get -o json|yaml --crd` prints: the pools in the kubectl form
 * (crd.projectcalico.org/v1 IPPool, core/ippool/crd.ts), one for a single NAME, else a
 * `v1 List` as `kubectl get ippools.crd.projectcalico.org -o yaml` prints it, so that the
 * output can go to `kubectl apply -f -`.
 */
export function crdObject(result: GetResult): unknown {
  const pools = result.items as readonly StoredPool[]; // get refuses --crd for other kinds
  if (result.single && pools.length === 1) return toCrd(pools[0]!);
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: pools.map((p) => toCrd(p)) };
}
