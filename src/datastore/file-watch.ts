import { watch, type FSWatcher } from 'node:fs';
import type { NatPool } from '../core/index.js';
import type { NatListing, NatWatchHandlers } from './datastore.js';
import { diffNatPools } from './nat-pool.js';

/** FileStoreProbe is what watchFileStore reads of the embedded store (file.ts). */
export interface FileStoreProbe {
  /** newestSeq is the sequence number of the newest snapshot (0: none): one directory read. */
  newestSeq(): number;
  /** read is the newest snapshot's NAT projection, revision, sequence number and mtime. */
  read(): Promise<NatListing & { readonly seq: number; readonly mtimeMs: number }>;
}

/** WatchFileOptions tune watchFileStore: pollMs is the polling period when fs.watch cannot watch the directory. */
export interface WatchFileOptions {
  readonly pollMs?: number;
}

/** POLL_MS is the default polling period of the fallback. */
const POLL_MS = 1000;

/**
 * watchFileStore follows the embedded store's directory: snapshots are immutable files
 * (`pools.<seq>.json`), so a new newest sequence number is a new revision. fs.watch (inotify)
 * says when the directory changed; each change costs one directory read, and only a new
 * newest snapshot is read (its NAT line alone) and compared with the pools last reported
 * (diffNatPools). Where fs.watch cannot watch the directory (it does not exist yet, the file
 * system does not support it, or the watch fails), the directory is polled every pollMs, and
 * watched again once it can be. A snapshot that cannot be read ends the watch (onLost).
 */
export async function watchFileStore(
  dir: string,
  probe: FileStoreProbe,
  from: NatListing,
  handlers: NatWatchHandlers,
  opts: WatchFileOptions = {},
): Promise<() => Promise<void>> {
  let current = new Map<string, NatPool>(from.pools.map((p) => [p.name, p]));
  let revision = from.revision;
  let lastSeq = -1;
  let stopped = false;
  let watcher: FSWatcher | null = null;
  let poller: NodeJS.Timeout | null = null;
  let checking = false;
  let again = false;

  const lose = (message: string): void => {
    if (stopped) return;
    stop();
    handlers.onLost({ compacted: false, message });
  };

  const check = async (initial = false): Promise<void> => {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    try {
      do {
        again = false;
        if (stopped) return;
        const seq = probe.newestSeq();
        if (seq === lastSeq) continue;
        const listing = await probe.read();
        lastSeq = listing.seq;
        if (listing.revision === revision) continue;
        const changes = diffNatPools(current, listing.pools);
        current = new Map(listing.pools.map((p) => [p.name, p]));
        revision = listing.revision;
        if (!stopped) handlers.onChanges({ changes, revision, committedAt: listing.mtimeMs });
      } while (again);
    } catch (e) {
      if (initial) {
        stop();
        throw e;
      }
      lose((e as Error).message);
    } finally {
      checking = false;
    }
  };

  const startWatch = (): boolean => {
    try {
      watcher = watch(dir, { persistent: true }, () => void check());
      watcher.on('error', () => {
        watcher?.close();
        watcher = null;
        startPolling();
      });
      return true;
    } catch {
      return false;
    }
  };

  const startPolling = (): void => {
    if (stopped || poller) return;
    poller = setInterval(() => {
      if (startWatch()) {
        clearInterval(poller!);
        poller = null;
      }
      void check();
    }, opts.pollMs ?? POLL_MS);
  };

  const stop = (): void => {
    stopped = true;
    watcher?.close();
    watcher = null;
    if (poller) clearInterval(poller);
    poller = null;
  };

  if (!startWatch()) startPolling();
  // what changed between the listing and the watch; a failure here rejects
  await check(true);
  return async () => stop();
}
