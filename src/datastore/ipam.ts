import { formatPrefix, parsePrefix, type Prefix } from '../core/index.js';

// Calico IPAM's allocation blocks as they sit in etcd (libcalico-go/lib/backend/model/block.go):
//
//   /calico/ipam/v2/assignment/ipv4/block/10.244.0.0-26   -> AllocationBlock JSON
//   /calico/ipam/v2/host/<node>/ipv4/block/10.244.0.0-26  -> BlockAffinity JSON (block_affinity.go)
//
// The block's value: {"cidr":"10.244.0.0/26","affinity":"host:node-1","allocations":[0,null,...],
// "unallocated":[...],"attributes":[{"handle_id":...,"secondary":{...}}],"sequenceNumber":...,
// "sequenceNumberForAllocation":{...},"deleted":false}. A non-null entry of `allocations` is an
// address in use. poolctl only reads these keys; it never writes IPAM data.

/** IPAM_BLOCK_PREFIX is the key prefix of every allocation block (BlockListOptions.defaultPathRoot). */
export const IPAM_BLOCK_PREFIX = '/calico/ipam/v2/assignment/';

/** BLOCK_KEY matches a block key and captures its CIDR with '-' for '/' (block.go matchBlock). */
const BLOCK_KEY = /^\/?calico\/ipam\/v2\/assignment\/ipv.\/block\/([^/]+)$/;

/** IpamBlock is what poolctl needs of an allocation block: where it is, whose it is, how much of it is used. */
export interface IpamBlock {
  /** cidr is the block's network, as its key names it. */
  readonly cidr: string;
  readonly prefix: Prefix;
  /** affinity is the block's owner as Calico writes it ("host:node-1", "virtual:..."), if any. */
  readonly affinity?: string;
  /** inUse counts the addresses allocated from the block (non-null entries of allocations). */
  readonly inUse: number;
}

/**
 * decodeIpamBlock reads one block key and its value, or returns null for a key that is not a
 * block, a CIDR that does not parse, a value that is not a block, or a block marked deleted
 * (a tombstone, as block.go's IsDeleted).
 */
export function decodeIpamBlock(key: string, value: string): IpamBlock | null {
  const m = BLOCK_KEY.exec(key);
  if (!m) return null;
  const parsed = parsePrefix(m[1]!.replace('-', '/'));
  if (!parsed.ok) return null;
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const block = v as { affinity?: unknown; allocations?: unknown; deleted?: unknown };
  if (block.deleted === true) return null;
  const allocations = Array.isArray(block.allocations) ? block.allocations : [];
  let inUse = 0;
  for (const a of allocations) if (a !== null && a !== undefined) inUse++;
  const prefix = parsed.value.prefix;
  return {
    cidr: formatPrefix(prefix),
    prefix,
    ...(typeof block.affinity === 'string' && block.affinity !== '' ? { affinity: block.affinity } : {}),
    inUse,
  };
}

/** affinityNode is the node a block's affinity names ("host:node-1" -> "node-1"; block.go Host()), else the affinity as written. */
export function affinityNode(affinity: string): string {
  return affinity.startsWith('host:') ? affinity.slice(5) : affinity;
}
