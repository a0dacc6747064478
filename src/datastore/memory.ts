import type { Datastore, ListResult, StoredKind, StoredPool, StoredResource, WatchEvent } from './datastore.js';
import { EngineDatastore, sortedByName, type Backend, type Session, type Write } from './engine.js';

/**
 * MemoryBackend keeps pools in a Map, for command tests: the same revision model as the
 * other stores (one counter, bumped by every write, deletes included) and a whole-store
 * compare-and-swap, so concurrent batches in one process behave as on disk.
 */
class MemoryBackend implements Backend {
  readonly kind = 'memory' as const;
  readonly location = 'memory';
  private pools = new Map<string, StoredPool>();
  private revision = 0;
  private readonly watchers = new Set<(e: WatchEvent) => void>();
  private readonly kinds = new Map<StoredKind, Map<string, StoredResource>>();

  async readKind(kind: StoredKind): Promise<Map<string, StoredResource>> {
    return structuredClone(this.kinds.get(kind) ?? new Map<string, StoredResource>());
  }

  async writeKind(kind: StoredKind, name: string, value: StoredResource | null, expect: 'absent' | string): Promise<string | null> {
    const items = this.kinds.get(kind) ?? new Map<string, StoredResource>();
    const cur = items.get(name);
    if (expect === 'absent' ? cur !== undefined : cur?.metadata.resourceVersion !== expect) return null;
    const rv = String(++this.revision);
    if (value) items.set(name, { ...structuredClone(value), metadata: { ...structuredClone(value.metadata), resourceVersion: rv } });
    else items.delete(name);
    this.kinds.set(kind, items);
    return rv;
  }

  async session(): Promise<Session> {
    let at = this.revision;
    let view = this.pools;
    return {
      list: async (): Promise<ListResult> => ({
        items: sortedByName(view.values()).map((p) => structuredClone(p)),
        revision: String(at),
      }),
      prefetch: async () => {},
      get: async (name) => {
        const p = view.get(name);
        return p ? structuredClone(p) : undefined;
      },
      commit: async (writes: readonly Write[]) => {
        if (this.revision !== at) return null;
        const next = new Map(this.pools);
        const versions: string[] = [];
        const events: WatchEvent[] = [];
        for (const w of writes) {
          const rv = String(++this.revision);
          versions.push(rv);
          const prev = next.get(w.name);
          if (w.pool) {
            const stored = structuredClone(w.pool);
            stored.metadata.resourceVersion = rv;
            next.set(w.name, stored);
            events.push({ type: prev ? 'modified' : 'added', pool: structuredClone(stored) });
          } else if (prev) {
            next.delete(w.name);
            events.push({ type: 'deleted', pool: { ...structuredClone(prev), metadata: { ...prev.metadata, resourceVersion: rv } } });
          }
        }
        this.pools = next;
        at = this.revision;
        view = next;
        for (const e of events) for (const w of this.watchers) w(e);
        return versions;
      },
    };
  }

  async watch(onEvent: (e: WatchEvent) => void): Promise<() => Promise<void>> {
    this.watchers.add(onEvent);
    return async () => {
      this.watchers.delete(onEvent);
    };
  }

  async close(): Promise<void> {}
}

/** openMemoryDatastore returns a new, empty in-memory datastore (tests). */
export function openMemoryDatastore(): Datastore {
  return new EngineDatastore(new MemoryBackend());
}
