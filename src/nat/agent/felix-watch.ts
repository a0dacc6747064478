import type { Datastore, WatchLost } from '../../datastore/datastore.js';
import { Backoff } from './backoff.js';
import type { Logger } from './log.js';

/**
 * FelixWatch keeps a watch on the FelixConfigurations (Datastore.watchKind: etcd's
 * felixconfigurations prefix, the embedded store's directory) for as long as the agent runs,
 * as Felix learns of a config change from its syncer at once: onChange is called once the
 * watch is established (what changed before it was) and after every change it reports. A
 * watch lost (a broken connection, a compacted revision) is set up again after a backoff, and
 * onChange called again, since the check it triggers compares with the start's values, not
 * with the last event. up says whether the watch is established now: the agent's interval
 * check runs only while it is not. Where the store has no such watch (memory), start does
 * nothing and up stays false.
 */
export class FelixWatch {
  private stopped = false;
  private stopWatch: (() => Promise<void>) | null = null;
  private retry: NodeJS.Timeout | null = null;
  private readonly backoff = new Backoff(200, 5_000);

  constructor(
    private readonly ds: Datastore,
    private readonly onChange: () => void,
    private readonly log: Logger,
  ) {}

  /** up is true while the watch is established. */
  get up(): boolean {
    return this.stopWatch !== null;
  }

  /** start sets the watch up (in the background; failures are retried). */
  start(): void {
    if (this.ds.watchKind) void this.connect();
  }

  /** stop ends the watch and any retry. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const s = this.stopWatch;
    this.stopWatch = null;
    await s?.();
  }

  private async connect(): Promise<void> {
    this.retry = null;
    if (this.stopped) return;
    try {
      const stop = await this.ds.watchKind!('felixconfigurations', () => {
        if (!this.stopped) this.onChange();
      }, (lost) => this.lost(lost));
      if (this.stopped) {
        await stop();
        return;
      }
      this.stopWatch = stop;
      this.backoff.reset();
      this.log.debug('watching the FelixConfigurations');
      this.onChange();
    } catch (e) {
      this.again('FelixConfigurations not watched', (e as Error).message);
    }
  }

  private lost(lost: WatchLost): void {
    // the lost watch is ended already; its stop also closes the watch client it had to itself
    const s = this.stopWatch;
    this.stopWatch = null;
    void s?.().catch(() => {});
    this.again('FelixConfiguration watch lost', lost.message);
  }

  private again(msg: string, error: string): void {
    if (this.stopped) return;
    const wait = this.backoff.next();
    this.log.warn(`${msg}; watching again (the --felix-check-interval check runs meanwhile)`, { error, retryInMs: wait });
    this.retry = setTimeout(() => void this.connect(), wait);
  }
}
