import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Family, NatModel } from '../../core/index.js';
import { applyIncremental } from '../../host/apply-incremental.js';
import type { Backend } from '../../host/desired.js';
import type { HostExec } from '../../host/host-exec.js';
import type { IptablesFlavour, IptablesTools } from '../../host/iptables-flavour.js';
import { planIncremental, programmedOf, setMembers, type Programmed } from '../../host/incremental.js';
import { planHost, readHost } from '../../host/nat-host.js';
import { addedCount, type Change } from '../../host/plan.js';
import { Backoff } from './backoff.js';
import type { Logger } from './log.js';
import type { AgentMetrics } from './metrics.js';

let gc: (() => void) | null | undefined;

/** IDLE_GC_MS is how long after the last write the heap is collected (once, not while changes keep coming). */
const IDLE_GC_MS = 1000;

/**
 * releaseMemory runs a full garbage collection (V8's gc, exposed once through
 * v8.setFlagsFromString), after which V8 returns the freed pages: without it the heap a
 * full write of 100,000 pools grew to stays resident until the next collection.
 */
function releaseMemory(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}

/** ModelResult is the model of the pools as they are now, or why they cannot be programmed. */
export type ModelResult = { readonly ok: true; readonly model: NatModel } | { readonly ok: false; readonly error: string };

/** Pending is a datastore revision not yet in the kernel, and when it was committed (epoch ms). */
export interface Pending {
  readonly revision: string;
  readonly committedAt: number;
}

/** KernelSyncOptions: the backend (resolved), families, and the debounce window. */
export interface KernelSyncOptions {
  readonly backend: Backend;
  /** iptablesBackend: the iptables flavour (host/iptables-flavour.ts), chosen at each full sync as nat apply chooses it */
  readonly iptablesBackend: IptablesFlavour | 'auto';
  readonly families: readonly Family[];
  /**
   * debounceMs: a change that comes while the writer is idle (no write running, none ended in
   * the last debounceMs) is written at once (leading edge); one that comes during a write or
   * within debounceMs after one (a burst under way) is written once no change has come for
   * this long ...
   */
  readonly debounceMs: number;
  /** maxDelayMs: ... or this long after the first change of that burst, whichever is first */
  readonly maxDelayMs: number;
}

/** KernelSyncSource is what the writer reads when it runs: the model of the pools now, and the revisions it covers. */
export interface KernelSyncSource {
  model(): ModelResult;
  /** takePending returns (and forgets) the revisions the model includes. */
  takePending(): Pending[];
}

/** changeCount sums a plan's member and rule changes for the log. */
function describe(changes: readonly Change[]): { sets: number; members: number; chains: number } {
  let members = 0;
  let sets = 0;
  let chains = 0;
  for (const c of changes) {
    if (c.kind === 'set') {
      sets++;
      members += addedCount(c) + c.remove.length;
    } else chains++;
  }
  return { sets, members, chains };
}

/**
 * KernelSync keeps the kernel equal to the model of the pools: one write at a time, started
 * after a quiet debounce window (so that a burst of changes becomes one write), as the
 * difference to what it last wrote (incremental: set members, and chains only when their
 * rules change), or, when asked for a full sync (start, resync, after a failed write), by
 * reading the live kernel and applying nat apply's plan, which repairs any drift. Changes
 * that come during a write are written by the next one. A failed write is retried in full
 * with backoff; until one succeeds the agent is not ready, and the kernel keeps what it has.
 */
export class KernelSync {
  /** what the kernel holds (after the last write that succeeded); null before the first full sync */
  private programmed: { state: Programmed; model: NatModel } | null = null;
  private full = true;
  private firstFullDone = false;
  private timer: NodeJS.Timeout | null = null;
  /** leading: the write poke started on an idle writer, about to run */
  private leading: NodeJS.Immediate | null = null;
  /** pokedDuringWrite: changes came during the running write (the next one is debounced) */
  private pokedDuringWrite = false;
  private lastWriteEnd = 0;
  private burstStart = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly backoff = new Backoff(200, 10_000);
  /** revisions taken from the source and not yet in the kernel */
  private unwritten: Pending[] = [];
  /** tools: the iptables flavour's save/restore tools the last full sync read and wrote with (incremental writes use them); null for nftables */
  tools: IptablesTools | null = null;
  /** problem is why the kernel is not in step (a failed write, a model that cannot be programmed), or null */
  problem: string | null = 'the first sync of the kernel has not finished';

  constructor(
    private readonly exec: HostExec,
    private readonly source: KernelSyncSource,
    private readonly opts: KernelSyncOptions,
    private readonly log: Logger,
    private readonly metrics: AgentMetrics,
  ) {}

  private idleGc: NodeJS.Timeout | null = null;
  /** stage: the last write's time in each stage (ms), for its log line */
  private readonly stage = { modelMs: 0, planMs: 0, toolMs: 0 };

  /** scheduleIdleGc runs releaseMemory once no write has happened for IDLE_GC_MS. */
  private scheduleIdleGc(): void {
    if (this.idleGc) clearTimeout(this.idleGc);
    this.idleGc = setTimeout(() => {
      this.idleGc = null;
      releaseMemory();
    }, IDLE_GC_MS);
    this.idleGc.unref();
  }

  /**
   * poke says the pools changed. Idle (no write running or scheduled, none ended within
   * debounceMs): the write starts at once, after the events already received (setImmediate:
   * a watch response's changes, or several responses read together, are one write). During a
   * write: the changes wait for it, and the write after it is debounced (a burst under way).
   */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pokedDuringWrite = true;
      return;
    }
    if (this.leading) return; // the write about to start reads the model then
    const now = Date.now();
    if (this.timer === null && now - this.lastWriteEnd >= this.opts.debounceMs) {
      this.leading = setImmediate(() => {
        this.leading = null;
        this.run();
      });
      return;
    }
    this.debounce(now);
  }

  /** debounce schedules the next write debounceMs after the last change, at most maxDelayMs after the first of the burst. */
  private debounce(now: number): void {
    if (this.timer === null) this.burstStart = now;
    else if (now - this.burstStart >= this.opts.maxDelayMs) return; // the timer set already fires in time
    else clearTimeout(this.timer);
    const wait = Math.min(this.opts.debounceMs, Math.max(0, this.burstStart + this.opts.maxDelayMs - now));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run();
    }, wait);
  }

  /** requestFull makes the next write a full sync against the live kernel, and starts it now. */
  requestFull(): void {
    this.full = true;
    this.cancelScheduled();
    this.run();
  }

  /** cancelScheduled forgets a write scheduled by poke (one that runs now, or is asked for, takes its changes). */
  private cancelScheduled(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.leading) clearImmediate(this.leading);
    this.leading = null;
  }

  /** idle resolves when no write is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** stop lets a running write finish and starts no other. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.idleGc) clearTimeout(this.idleGc);
    this.cancelScheduled();
    await this.idle();
  }

  /** run starts a write, or asks the running one to be followed by another. */
  private run(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.cancelScheduled();
    this.pokedDuringWrite = false;
    this.running = this.write().finally(() => {
      this.running = null;
      this.lastWriteEnd = Date.now();
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.run();
      } else if (this.pokedDuringWrite) {
        this.pokedDuringWrite = false;
        this.debounce(this.lastWriteEnd);
      }
    });
  }

  private async write(): Promise<void> {
    const begun = performance.now();
    this.unwritten.push(...this.source.takePending());
    const m = this.source.model();
    this.stage.modelMs = performance.now() - begun;
    if (!m.ok) {
      this.problem = `the pools cannot be programmed (the kernel keeps the last ruleset): ${m.error}`;
      this.log.error('pools cannot be programmed; the kernel keeps its ruleset', { error: m.error });
      return;
    }
    const started = performance.now();
    this.stage.planMs = this.stage.toolMs = 0;
    try {
      const mode = this.full || !this.programmed ? 'full' : 'incremental';
      const written = mode === 'full' ? await this.writeFull(m.model) : await this.writeIncremental(m.model);
      const doneMs = performance.timeOrigin + performance.now();
      const pending = this.unwritten;
      this.unwritten = [];
      for (const p of pending) this.metrics.latency.observe(Math.max(0, doneMs - p.committedAt) / 1000);
      const revision = pending.at(-1)?.revision;
      if (revision !== undefined) this.metrics.revision.set(Number(revision));
      // a full write of many pools leaves a large heap behind: collect it and give it back,
      // and once writes stop for IDLE_GC_MS, collect what the incremental ones left
      if (mode === 'full') releaseMemory();
      this.scheduleIdleGc();
      if (written) {
        const mem = process.memoryUsage();
        this.log.debug('memory', { rssMB: Math.round(mem.rss / 1048576), heapUsedMB: Math.round(mem.heapUsed / 1048576), externalMB: Math.round(mem.external / 1048576) });
        this.metrics.kernelWrites.inc({ mode });
        const r2 = (n: number): number => Number(n.toFixed(2));
        // where the time went: the model of every pool, the desired state and its difference, the tool
        const { modelMs, planMs, toolMs } = this.stage;
        this.log.info('kernel write', {
          mode,
          revision,
          ...written,
          ms: r2(performance.now() - started),
          modelMs: r2(modelMs),
          planMs: r2(planMs),
          toolMs: r2(toolMs),
          doneMs: Number(doneMs.toFixed(3)),
        });
      }
      for (const s of setMembers(this.programmed!.state)) this.metrics.setMembers.set({ family: String(s.family), set: s.set }, s.members);
      this.problem = null;
      this.backoff.reset();
    } catch (e) {
      this.metrics.kernelErrors.inc();
      this.full = true;
      const wait = this.backoff.next();
      this.problem = `the last kernel write failed (retrying in full): ${(e as Error).message}`;
      this.log.error('kernel write failed; retrying with a full resync', { error: (e as Error).message, retryInMs: wait });
      setTimeout(() => {
        if (!this.stopped && this.full) {
          this.metrics.resyncs.inc({ reason: 'error' });
          this.run();
        }
      }, wait).unref();
    }
  }

  /**
   * writeFull reads the live kernel and applies nat apply's plan for the model. Before that,
   * the same read is compared with what the agent last wrote: those differences are drift
   * (someone changed the kernel), counted and logged as they are repaired.
   */
  private async writeFull(model: NatModel): Promise<ReturnType<typeof describe> | null> {
    const read = readHost(this.exec, this.opts.backend, this.opts.families, { iptablesBackend: this.opts.iptablesBackend });
    // counted once the write is done: the counter says repaired, not seen (a failed write finds it again)
    let drifted = 0;
    if (this.programmed) {
      const drift = await planHost(this.programmed.model, read);
      const n = drift.changes.length + drift.conflicts.length;
      if (n > 0) {
        drifted = n;
        this.log.warn('drift: the kernel differs from what the agent wrote; repairing', {
          differences: n,
          what: drift.changes.map((c) => `${c.kind} ${'name' in c ? c.name : c.chain}`),
        });
      }
    }
    const plan = await planHost(model, read);
    if (plan.conflicts.length) throw new Error(`cannot program the kernel: ${plan.conflicts.join('; ')}`);
    for (const w of plan.warnings) this.log.warn(w);
    if (plan.changes.length) this.log.debug('kernel write started', { mode: 'full', changes: plan.changes.length });
    await plan.apply();
    if (drifted > 0) this.metrics.driftRepairs.inc(drifted);
    const live = await read.live;
    this.tools = live.backend === 'iptables' ? live.flavour : null;
    this.programmed = { state: programmedOf(this.opts.backend, model), model };
    this.full = false;
    if (!this.firstFullDone) {
      this.firstFullDone = true;
      this.log.info('kernel in step with the datastore', { backend: this.opts.backend, changes: plan.changes.length });
    }
    return plan.changes.length ? describe(plan.changes) : null;
  }

  /** writeIncremental writes the difference to the last written state; a layout change falls back to writeFull. */
  private async writeIncremental(model: NatModel): Promise<ReturnType<typeof describe> | null> {
    const t0 = performance.now();
    const next = programmedOf(this.opts.backend, model);
    const plan = planIncremental(this.programmed!.state, next);
    this.stage.planMs = performance.now() - t0;
    if (!plan) return this.writeFull(model);
    const changes = [...plan.sets, ...plan.chains];
    if (changes.length) {
      this.log.debug('kernel write started', { mode: 'incremental', changes: changes.length });
      const t1 = performance.now();
      await applyIncremental(this.exec, plan, this.tools);
      this.stage.toolMs = performance.now() - t1;
    }
    this.programmed = { state: next, model };
    return changes.length ? describe(changes) : null;
  }
}
