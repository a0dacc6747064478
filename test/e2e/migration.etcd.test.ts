import { beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ROOT } from '../support/paths.js';
import { etcdBackend, poolctl } from './crud-support.js';
import { backendHooks } from '../support/backend-hooks.js';

const backend = etcdBackend();
const POOL_KEY = '/calico/resources/v3/projectcalico.org/ippools/';
const OLD = join(ROOT, 'examples/migrate-pool/old-pool.yaml');
const NEW = join(ROOT, 'examples/migrate-pool/new-pool.yaml');

/**
 * writeBlock stores a Calico IPAM allocation block as libcalico-go writes it
 * (lib/backend/model/block.go: key /calico/ipam/v2/assignment/ipv4/block/<net>-<len>, value
 * AllocationBlock JSON), with the first `used` ordinals allocated, affine to `node`.
 */
async function writeBlock(cidr: string, node: string | null, used: number): Promise<void> {
  const size = 2 ** (32 - Number(cidr.split('/')[1]));
  const allocations = Array.from({ length: size }, (_, i) => (i < used ? 0 : null));
  const value = {
    cidr,
    affinity: node === null ? null : `host:${node}`,
    allocations,
    unallocated: Array.from({ length: size - used }, (_, i) => i + used),
    attributes: used > 0 ? [{ handle_id: 'k8s-pod-network.abc', secondary: { node: node ?? '', namespace: 'default', pod: 'web-1', timestamp: '2026-12-06 10:00:00 +0000 UTC' } }] : [],
    sequenceNumber: 7,
    sequenceNumberForAllocation: Object.fromEntries(Array.from({ length: used }, (_, i) => [String(i), 7])),
    deleted: false,
  };
  await backend.raw().put(`/calico/ipam/v2/assignment/ipv4/block/${cidr.replace('/', '-')}`).value(JSON.stringify(value));
  if (node !== null) {
    await backend
      .raw()
      .put(`/calico/ipam/v2/host/${node}/ipv4/block/${cidr.replace('/', '-')}`)
      .value(JSON.stringify({ state: 'confirmed', deleted: false }));
  }
}

const run = (args: readonly string[]) => poolctl(backend, args);

async function storedSpec(name: string): Promise<Record<string, unknown> | undefined> {
  const v = await backend.raw().get(POOL_KEY + name).string();
  return v === null ? undefined : (JSON.parse(v) as { spec: Record<string, unknown> }).spec;
}

describe('pool migration on etcd: delete disables first and refuses while Calico IPAM blocks are in use', () => {
  backendHooks(backend);
  beforeEach(async () => {
    const r = await run(['apply', '-f', OLD]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('walks examples/migrate-pool: new pool, disable the old, refused while in use, deleted once the blocks are free', async () => {
    await writeBlock('192.168.12.0/26', 'worker-1', 3);
    await writeBlock('192.168.12.64/26', 'worker-2', 0); // affine but empty: no obstacle
    await writeBlock('10.0.0.0/26', 'worker-3', 5); // inside the new pool: not the old pool's business
    let r = await run(['apply', '-f', NEW]);
    expect(r.code, r.stderr).toBe(0);
    r = await run(['patch', 'ippool', 'default-ipv4-ippool', '-p', '{"spec":{"disabled":true}}']);
    expect(r.code, r.stderr).toBe(0);
    expect((await storedSpec('default-ipv4-ippool'))?.disabled).toBe(true);

    for (const dry of [['--dry-run'], []]) {
      r = await run(['delete', 'ippool', 'default-ipv4-ippool', ...dry]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('IPPool(default-ipv4-ippool) still has 1 IPAM block(s) with addresses in use: 192.168.12.0/26 (node worker-1, 3 in use); nodes: worker-1');
      expect(r.stderr).not.toContain('192.168.12.64/26');
      expect(r.stderr).not.toContain('10.0.0.0/26');
      expect(r.stderr).toContain('--force');
      expect(await storedSpec('default-ipv4-ippool')).toBeDefined();
    }

    await writeBlock('192.168.12.0/26', 'worker-1', 0); // the workloads were recreated
    r = await run(['delete', 'ippool', 'default-ipv4-ippool']);
    expect(r.code, r.stderr).toBe(0);
    expect(await storedSpec('default-ipv4-ippool')).toBeUndefined();
    expect(await storedSpec('new-pool')).toBeDefined();
  });

  it('refuses before changing anything: a pool in use that is not disabled stays enabled', async () => {
    await writeBlock('192.168.0.0/26', 'node-a', 1);
    await writeBlock('192.168.0.64/26', null, 2);
    const r = await run(['delete', 'ippool', 'default-ipv4-ippool', '-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { results: { action: string; code: string; message: string }[] };
    expect(doc.results).toMatchObject([{ action: 'failed', code: 'POOL_IN_USE' }]);
    expect(doc.results[0]!.message).toContain('192.168.0.0/26 (node node-a, 1 in use)');
    expect(doc.results[0]!.message).toContain('192.168.0.64/26 (no node affinity, 2 in use)');
    expect((await storedSpec('default-ipv4-ippool'))?.disabled).toBeUndefined();
  });

  it('--force deletes a pool whose blocks are in use and leaves the blocks', async () => {
    await writeBlock('192.168.0.0/26', 'node-a', 4);
    const r = await run(['delete', 'ippool', 'default-ipv4-ippool', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(await storedSpec('default-ipv4-ippool')).toBeUndefined();
    expect(await backend.raw().get('/calico/ipam/v2/assignment/ipv4/block/192.168.0.0-26').string()).not.toBeNull();
  });

  it('disables an enabled pool before deleting it, as clientv3 does', async () => {
    const seen: { type: string; disabled?: unknown }[] = [];
    const watcher = await backend.raw().watch().key(`${POOL_KEY}default-ipv4-ippool`).create();
    watcher.on('put', (kv) => seen.push({ type: 'put', disabled: (JSON.parse(kv.value.toString()) as { spec: { disabled?: unknown } }).spec.disabled }));
    watcher.on('delete', () => seen.push({ type: 'delete' }));
    try {
      const r = await run(['delete', 'ippool', 'default-ipv4-ippool']);
      expect(r.code, r.stderr).toBe(0);
      await expect.poll(() => seen.length).toBe(2);
      expect(seen).toEqual([{ type: 'put', disabled: true }, { type: 'delete' }]);
    } finally {
      await watcher.cancel();
    }
  });
});
