import { toStoredResource } from './codec.js';
import type { KindStore, ResourceValue, StoredKind, StoredResource } from './datastore.js';
import { AlreadyExistsError, ConflictError, ContentionError, NotFoundError } from './errors.js';

/** KIND_OF names each stored kind by its Kind, for errors ("resource does not exist: FelixConfiguration(default)"). */
export const KIND_OF: Readonly<Record<StoredKind, string>> = { felixconfigurations: 'FelixConfiguration' };

/**
 * KindBackend is what a backend provides for the kinds kept beside IPPools: a consistent read
 * of one kind, and a single-key compare-and-swap. Both go through the backend's own commit
 * path (the embedded store writes a whole snapshot, so the store's atomicity and lineage hold
 * for every kind).
 */
export interface KindBackend {
  readonly location: string;
  /** readKind returns the kind's resources by name, resourceVersion set. */
  readKind(kind: StoredKind): Promise<Map<string, StoredResource>>;
  /**
   * writeKind stores `value` (null: deletes) under the name if the key still holds `expect`
   * ('absent', or the resourceVersion it was read at); the new resourceVersion, or null when
   * the key no longer holds what was expected (another writer came first).
   */
  writeKind(kind: StoredKind, name: string, value: StoredResource | null, expect: 'absent' | string): Promise<string | null>;
}

/** MAX_ATTEMPTS bounds how often an operation re-reads after losing a race. */
const MAX_ATTEMPTS = 40;

/** nowTimestamp is Kubernetes' creationTimestamp text (RFC 3339, UTC, whole seconds). */
function nowTimestamp(): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * EngineKindStore implements KindStore over a KindBackend with clientv3's semantics: create
 * fails on an existing name, update and delete on a missing one or a stale resourceVersion;
 * without a resourceVersion, a lost race re-reads and tries again (bounded).
 */
export class EngineKindStore implements KindStore {
  private readonly kindName: string;

  constructor(
    private readonly backend: KindBackend,
    private readonly kind: StoredKind,
  ) {
    this.kindName = KIND_OF[kind];
  }

  async list(): Promise<StoredResource[]> {
    const all = await this.backend.readKind(this.kind);
    return [...all.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  }

  async get(name: string): Promise<StoredResource> {
    const r = (await this.backend.readKind(this.kind)).get(name);
    if (!r) throw new NotFoundError(name, this.kindName);
    return r;
  }

  /** retry runs one attempt until it returns a result (not undefined: the race was lost). */
  private async retry<T>(attempt: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const r = await attempt();
      if (r !== undefined) return r;
    }
    throw new ContentionError(this.backend.location, MAX_ATTEMPTS);
  }

  create(v: ResourceValue): Promise<StoredResource> {
    const name = v.metadata.name;
    return this.retry(async () => {
      if ((await this.backend.readKind(this.kind)).has(name)) throw new AlreadyExistsError(name, this.kindName);
      const stored = toStoredResource(v, { resourceVersion: '', uid: globalThis.crypto.randomUUID(), creationTimestamp: nowTimestamp() });
      const rv = await this.backend.writeKind(this.kind, name, stored, 'absent');
      return rv === null ? undefined : withVersion(stored, rv);
    });
  }

  update(v: ResourceValue): Promise<StoredResource> {
    const name = v.metadata.name;
    const want = v.metadata.resourceVersion;
    return this.retry(async () => {
      const cur = (await this.backend.readKind(this.kind)).get(name);
      if (!cur) throw new NotFoundError(name, this.kindName);
      if (want && want !== cur.metadata.resourceVersion) throw new ConflictError(name, this.kindName);
      const stored = toStoredResource(v, { resourceVersion: '', uid: cur.metadata.uid, creationTimestamp: cur.metadata.creationTimestamp });
      const rv = await this.backend.writeKind(this.kind, name, stored, cur.metadata.resourceVersion);
      return rv === null ? undefined : withVersion(stored, rv);
    });
  }

  delete(name: string, resourceVersion?: string): Promise<StoredResource> {
    return this.retry(async () => {
      const cur = (await this.backend.readKind(this.kind)).get(name);
      if (!cur) throw new NotFoundError(name, this.kindName);
      if (resourceVersion && resourceVersion !== cur.metadata.resourceVersion) throw new ConflictError(name, this.kindName);
      const rv = await this.backend.writeKind(this.kind, name, null, cur.metadata.resourceVersion);
      return rv === null ? undefined : cur;
    });
  }
}

function withVersion(r: StoredResource, rv: string): StoredResource {
  return { ...r, metadata: { ...r.metadata, resourceVersion: rv } };
}
