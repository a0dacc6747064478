import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import type { NatChange, NatWatchHandlers, StoredPool, WatchLost } from './datastore.js';
import { natPoolOf } from './nat-pool.js';

/** CANCEL_WAIT_MS bounds how long stopping a watch waits for etcd to confirm the cancel. */
const CANCEL_WAIT_MS = 2000;

/**
 * watchEtcdNat watches the pools' key prefix from revision after + 1 and reports each watch
 * response as one batch: all the events etcd sent together (a transaction's events come in
 * one response), as NAT projections, with the newest event's revision. Deleted keys are
 * reported by name (nameOf: the key minus the prefix; keys it refuses are left out, as a
 * list leaves them out). It resolves once etcd has created the watch (watchEtcdPrefix).
 */
export async function watchEtcdNat(
  client: Etcd3,
  prefix: string,
  after: string,
  nameOf: (key: Buffer) => string | null,
  decode: (kv: IKeyValue) => StoredPool | null,
  handlers: NatWatchHandlers,
  createTimeoutMs: number,
): Promise<() => Promise<void>> {
  return watchEtcdPrefix(client, prefix, (BigInt(after) + 1n).toString(), createTimeoutMs, handlers.onLost, (res) => {
    const changes: NatChange[] = [];
    let revision = 0n;
    for (const ev of res.events) {
      const rev = BigInt(ev.kv.mod_revision);
      if (rev > revision) revision = rev;
      const name = nameOf(ev.kv.key);
      // a key Calico would not read as an IPPool (a '/' after the prefix) is no pool
      if (name === null) continue;
      if (ev.type === 'Delete') {
        changes.push({ name, pool: null });
        continue;
      }
      const pool = decode(ev.kv);
      // a value that is not an IPPool is left out, as a list leaves it out
      changes.push({ name, pool: pool ? natPoolOf(pool) : null });
    }
    handlers.onChanges({ changes, revision: revision.toString(), committedAt: Date.now() });
  });
}

/**
 * watchEtcdPrefix watches a key prefix from revision start (undefined: the current revision)
 * and calls onResponse with each watch response that carries events. It resolves once etcd
 * has created the watch; the returned function stops it.
 *
 * The etcd3 client would reconnect a broken stream by itself and resume from the revision it
 * tracks; the watch is ended instead (onLost, compacted false) so that the caller knows it is
 * cut off (not ready), and resumes from the last revision it has applied, which it knows
 * exactly. A watch not established within createTimeoutMs fails (a member that accepts the
 * connection and answers nothing). A watch etcd cancels (the revision was compacted, at creation or later) is lost
 * with compacted true: the caller must list again.
 */
export async function watchEtcdPrefix(
  client: Etcd3,
  prefix: string,
  start: string | undefined,
  createTimeoutMs: number,
  onLost: (lost: WatchLost) => void,
  onResponse: (res: IWatchResponse) => void,
): Promise<() => Promise<void>> {
  const builder = client.watch().prefix(prefix);
  const watcher: Watcher = (start === undefined ? builder : builder.startRevision(start)).watcher();
  let ended = false;
  const end = (): Promise<void> => {
    if (ended) return Promise.resolve();
    ended = true;
    watcher.removeAllListeners();
    watcher.on('error', () => {});
    // etcd answers a cancel over the watch stream; a stream cut off may never answer it
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, CANCEL_WAIT_MS).unref()));
    return Promise.race([watcher.cancel().catch(() => {}), gaveUp]).finally(() => clearTimeout(timer));
  };
  const lost = (compacted: boolean, message: string): void => {
    if (ended) return;
    void end();
    onLost({ compacted, message });
  };

  await new Promise<void>((resolve, reject) => {
    // a member that accepts the connection and answers nothing would hold the creation forever
    const timer = setTimeout(() => {
      watcher.off('connected', onConnected).off('error', onError).off('disconnected', onDisconnected);
      void end();
      reject(new Error(`etcd did not establish the watch within ${createTimeoutMs / 1000} s`));
    }, createTimeoutMs);
    const onConnected = (): void => {
      clearTimeout(timer);
      watcher.off('error', onError).off('disconnected', onDisconnected);
      resolve();
    };
    const onError = (e: Error): void => {
      clearTimeout(timer);
      watcher.off('connected', onConnected).off('disconnected', onDisconnected);
      // a cancel at creation: start is below the compacted revision
      if (/Watcher canceled/.test(e.message)) {
        resolve();
        setImmediate(() => lost(true, `etcd canceled the watch from revision ${start ?? 'now'}: ${e.message}`));
        return;
      }
      void end();
      reject(e);
    };
    const onDisconnected = (e: Error): void => {
      clearTimeout(timer);
      watcher.off('connected', onConnected).off('error', onError);
      void end();
      reject(e);
    };
    watcher.once('connected', onConnected).once('error', onError).once('disconnected', onDisconnected);
  });
  if (ended) return async () => {};

  watcher.on('data', (res: IWatchResponse) => {
    if (!ended && res.events.length > 0) onResponse(res);
  });
  watcher.on('error', (e: Error) => lost(true, `etcd canceled the watch: ${e.message}`));
  watcher.on('disconnected', (e: Error) => lost(false, `the watch lost its connection to etcd: ${e.message}`));
  return end;
}
