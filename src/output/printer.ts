import { API_VERSION, IPPOOL_KIND, type ResourceKind } from '../core/index.js';
import type { StoredPool, StoredResource } from '../datastore/datastore.js';

/**
 * GetResult is what `get` prints: the pools found and the revision they were read at.
 * `single` is true when exactly one pool was asked for by name: json and yaml then print
 * that resource, otherwise an IPPoolList.
 */
export interface GetResult {
  /** kind is the kind of the items (the registry's description; IPPool when absent). */
  readonly kind?: ResourceKind;
  readonly items: readonly (StoredPool | StoredResource)[];
  readonly revision: string;
  readonly single: boolean;
  /** crd: print the kubectl (CRD) form (json and yaml only; see crd.ts). */
  readonly crd?: boolean;
}

/** Printer renders a GetResult as text (kubectl cli-runtime's ResourcePrinter); print-flags.ts chooses one. */
export interface Printer {
  print(result: GetResult): Promise<string>;
}

/** listObject is the kind's List (IPPoolList, ...) as Calico marshals it: kind, apiVersion, metadata, items. */
export function listObject(result: GetResult): Record<string, unknown> {
  return { kind: (result.kind ?? IPPOOL_KIND).listKind, apiVersion: API_VERSION, metadata: { resourceVersion: result.revision }, items: result.items };
}

/**
 * printedObject is what json and yaml print: the one pool when a single NAME was asked for
 * and found, otherwise the IPPoolList (listObject).
 */
export function printedObject(result: GetResult): unknown {
  return result.single && result.items.length === 1 ? result.items[0] : listObject(result);
}
