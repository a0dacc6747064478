import type { Datastore, NatChangeBatch, NatListing, WatchLost } from '../../datastore/datastore.js';
import { Backoff } from './backoff.js';
import type { Logger } from './log.js';
import type { AgentMetrics } from './metrics.js';

/** FollowSink receives what the follower learns of the datastore. */
export interface FollowSink {
  /** state is the pools and revision the agent has reached: where a watch resumes. */
  state(): NatListing;
  /** onListing gets a full listing: the first, one asked for by relist(), or one after a compacted watch. */
  onListing(listing: NatListing, why: 'start' | 'relist' | 'compacted'): void;
  onChanges(batch: NatChangeBatch): void;
  /** onConnection says whether the datastore is followed (a watch is established) and, when not, why. */
  onConnection(up: boolean, why?: string): void;
}

type Wake = { readonly kind: 'lost'; readonly lost: WatchLost } | { readonly kind: 'relist' } | { readonly kind: 'stop' };

/** STOP_WAIT_MS bounds how long stopping waits for the loop's datastore call under way. */
const STOP_WAIT_MS = 2000;

/**
 * DatastoreFollower keeps the agent's pools in step with the datastore: it lists them
 * (natList), then watches from the revision reached (watchNat); a watch lost to a broken
 * connection is resumed from the last revision applied, after a backoff (not ready
 * meanwhile); a watch whose revision was compacted is replaced by a new listing. relist()
 * (resyncs) lists again and watches from there. Nothing here touches the kernel: while the
 * datastore cannot be reached, the kernel keeps what it has.
 */
export class DatastoreFollower {
  private wake: ((w: Wake) => void) | null = null;
  private queued: Wake | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private readonly backoff = new Backoff(200, 5_000);

  constructor(
    private readonly ds: Datastore,
    private readonly sink: FollowSink,
    private readonly log: Logger,
    private readonly metrics: AgentMetrics,
  ) {}

  /** start begins following (the first listing, then the watch). */
  start(): void {
    this.loop ??= this.run();
  }

  /** relist lists every pool again and watches from there. */
  relist(): void {
    this.signal({ kind: 'relist' });
  }

  /**
   * stop ends the watch and the loop. It waits at most waitMs for a datastore call under way
   * (a listing or a watch being set up against an unreachable member can take a request
   * deadline or longer): closing the datastore afterwards ends that call, and the loop, being
   * stopped, reports nothing more.
   */
  async stop(waitMs = STOP_WAIT_MS): Promise<void> {
    this.stopped = true;
    this.signal({ kind: 'stop' });
    if (!this.loop) return;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([this.loop.catch(() => {}), gaveUp]);
    clearTimeout(timer);
  }

  private signal(w: Wake): void {
    if (this.wake) {
      const f = this.wake;
      this.wake = null;
      f(w);
    } else if (w.kind === 'stop' || this.queued?.kind !== 'stop') this.queued = w;
  }

  /** next waits for a wake-up, or for ms (null: none) to pass. */
  private next(ms: number | null): Promise<Wake | null> {
    if (this.queued) {
      const q = this.queued;
      this.queued = null;
      return Promise.resolve(q);
    }
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(() => {
        this.wake = null;
        resolve(null);
      }, ms);
      this.wake = (w) => {
        if (timer) clearTimeout(timer);
        resolve(w);
      };
    });
  }

  private async run(): Promise<void> {
    let needList = true;
    let why: 'start' | 'relist' | 'compacted' = 'start';
    while (!this.stopped) {
      let stopWatch: (() => Promise<void>) | null = null;
      try {
        if (needList) {
          const listing = await this.ds.natList();
          if (this.stopped) return;
          this.sink.onListing(listing, why);
          needList = false;
        }
        if (!this.ds.watchNat) throw new Error(`the ${this.ds.kind} datastore cannot be watched`);
        stopWatch = await this.ds.watchNat(this.sink.state(), {
          onChanges: (b) => {
            if (!this.stopped) this.sink.onChanges(b);
          },
          onLost: (lost) => this.signal({ kind: 'lost', lost }),
        });
      } catch (e) {
        if (stopWatch) await stopWatch();
        if (this.stopped) return;
        const wait = this.backoff.next();
        this.sink.onConnection(false, (e as Error).message);
        this.log.warn('datastore unreachable; the kernel keeps its ruleset', { error: (e as Error).message, retryInMs: wait });
        const w = await this.next(wait);
        if (w?.kind === 'relist') [needList, why] = [true, why === 'start' ? why : 'relist'];
        continue;
      }
      this.backoff.reset();
      this.sink.onConnection(true);
      const w = await this.next(null);
      await stopWatch();
      if (!w || w.kind === 'stop') return;
      if (w.kind === 'relist') {
        [needList, why] = [true, 'relist'];
        continue;
      }
      this.metrics.watchRestarts.inc({ reason: w.lost.compacted ? 'compacted' : 'disconnected' });
      if (w.lost.compacted) {
        this.log.warn('watch lost: its revision was compacted; listing the pools again', { error: w.lost.message });
        [needList, why] = [true, 'compacted'];
        continue;
      }
      const wait = this.backoff.next();
      this.sink.onConnection(false, w.lost.message);
      this.log.warn('watch lost; resuming from the last revision', { error: w.lost.message, revision: this.sink.state().revision, retryInMs: wait });
      const again = await this.next(wait);
      if (again?.kind === 'stop') return;
      if (again?.kind === 'relist') [needList, why] = [true, 'relist'];
    }
  }
}
