import { toCrd } from '../core/index.js';
import type { GetResult } from './printer.js';

/**
 * crdObject is what `get -o json|yaml --crd` prints: the pools in the kubectl form
 * (crd.projectcalico.org/v1 IPPool, core/ippool/crd.ts), one for a single NAME, else a
 * `v1 List` as `kubectl get ippools.crd.projectcalico.org -o yaml` prints it, so that the
 * output can go to `kubectl apply -f -`.
 */
export function crdObject(result: GetResult): unknown {
  if (result.single && result.items.length === 1) return toCrd(result.items[0]!);
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: result.items.map(toCrd) };
}
