import { buildNatModel, type Family, type NatSettings } from '../../core/index.js';
import type { Datastore, NatChange, NatChangeBatch, NatListing } from '../../datastore/datastore.js';
import { diffNatPools } from '../../datastore/nat-pool.js';
import type { Signals } from '../../base/context.js';
import type { HostLock } from '../../host/host-lock.js';
import { resolveBackend } from '../../host/backend.js';
import type { Backend } from '../../host/desired.js';
import type { HostExec } from '../../host/host-exec.js';
import type { IptablesFlavour } from '../../host/iptables-flavour.js';
import { readHost } from '../../host/nat-host.js';
import { removeNat } from '../../host/remove-nat.js';
import { DatastoreFollower } from './follow.js';
import { startHealthServer } from './health.js';
import { KernelSync, type ModelResult, type Pending } from './kernel-sync.js';
import type { Logger } from './log.js';
import { createMetrics } from './metrics.js';
import { PoolIndex } from './pool-order.js';

/** SettingsSource gives the Felix settings the agent programs with: today the flags (as nat apply takes them); later FelixConfiguration from the store. */
export interface SettingsSource {
  /** describe names where the settings come from, for the log. */
  readonly describe: string;
  current(): NatSettings;
}

/** AgentOptions are `nat agent`'s settings (its flags, checked). */
export interface AgentOptions {
  readonly backend: Backend | 'auto';
  /** iptablesBackend: the iptables flavour, as nat apply's --iptables-backend */
  readonly iptablesBackend: IptablesFlavour | 'auto';
  readonly settings: SettingsSource;
  readonly resyncIntervalMs: number;
  readonly debounceMs: number;
  readonly maxDelayMs: number;
  readonly healthListen: string;
  readonly cleanupOnExit: boolean;
}

/** AgentDeps are what the agent runs with: the host, the datastore, the lock, signals and the log. */
export interface AgentDeps {
  readonly exec: HostExec;
  readonly log: Logger;
  readonly signals: Signals;
  openDatastore(): Promise<Datastore>;
  /** lock takes the network namespace's host lock (host-lock.ts) for the agent's life. */
  lock(): Promise<HostLock>;
}

/** FAMILIES are programmed as nat apply programs them: both, as Felix with IPv6 enabled. */
const FAMILIES: readonly Family[] = [4, 6];

/**
 * runAgent runs `nat agent` until SIGTERM or SIGINT:
 *   1. root, the namespace's NAT lock (a second agent refuses to start), the backend (auto
 *      resolved once, as nat apply resolves it), /livez /readyz /metrics;
 *   2. the datastore followed (follow.ts): a listing, then a watch; every change goes to
 *      the kernel (kernel-sync.ts): a full sync against the live kernel first, then
 *      incremental writes, debounced;
 *   3. a full resync on SIGHUP and every resyncIntervalMs, and after a compacted watch:
 *      the pools listed again, the kernel read and repaired;
 *   4. on SIGTERM / SIGINT: the watch stopped, a write under way finished, the rules left in
 *      place (removed with cleanupOnExit), the lock released.
 * Failures before the agent runs (no root, lock held, port taken, no backend) throw PoolctlError.
 */
export async function runAgent(opts: AgentOptions, deps: AgentDeps): Promise<void> {
  const { exec, log } = deps;
  exec.requireRoot('nat agent');
  const lock = await deps.lock();
  const closers: (() => Promise<void> | void)[] = [() => lock.release()];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (e) {
        log.error('error while stopping', { error: (e as Error).message });
      }
    }
  };
  try {
    const choice = await resolveBackend(exec, opts.backend, FAMILIES);
    const metrics = await createMetrics();
    const ds = await deps.openDatastore();
    closers.push(() => ds.close());

    // the pools as the datastore has them, and the revisions not yet in the kernel
    const pools = new PoolIndex();
    let revision = '0';
    let listed = false;
    let pending: Pending[] = [];
    let connected = false;
    let disconnectedWhy = 'the datastore has not been read yet';
    let stopping = false;

    const apply = (changes: readonly NatChange[], rev: string, committedAt: number): void => {
      pools.setMany(changes);
      revision = rev;
      pending.push({ revision: rev, committedAt });
      metrics.pools.set(pools.size);
    };
    const model = (): ModelResult => {
      const r = buildNatModel(pools.ordered(), opts.settings.current(), { families: FAMILIES });
      if (!r.ok) return { ok: false, error: r.error.message };
      for (const w of r.value.warnings) log.debug('pool warning', { warning: w });
      return { ok: true, model: r.value };
    };
    const kernel = new KernelSync(
      exec,
      {
        model,
        takePending: () => {
          const p = pending;
          pending = [];
          return p;
        },
      },
      { backend: choice.backend, iptablesBackend: opts.iptablesBackend, families: FAMILIES, debounceMs: opts.debounceMs, maxDelayMs: opts.maxDelayMs },
      log,
      metrics,
    );

    const notReady = (): string[] => {
      const out: string[] = [];
      if (stopping) out.push('stopping');
      if (!connected) out.push(`datastore not followed: ${disconnectedWhy}`);
      if (kernel.problem) out.push(kernel.problem);
      return out;
    };
    const updateReady = (): void => void metrics.ready.set(notReady().length ? 0 : 1);
    const health = await startHealthServer(opts.healthListen, { live: () => !stopping, notReady }, metrics.registry);
    closers.push(() => health.close());

    const follower = new DatastoreFollower(
      ds,
      {
        state: (): NatListing => ({ pools: pools.ordered(), revision }),
        onListing(listing, why) {
          apply(diffNatPools(pools.map(), listing.pools), listing.revision, Date.now());
          listed = true;
          if (why === 'relist') {
            kernel.poke();
          } else {
            metrics.resyncs.inc({ reason: why });
            kernel.requestFull();
          }
          log.info('pools listed', { why, pools: pools.size, revision });
        },
        onChanges(batch: NatChangeBatch) {
          apply(batch.changes, batch.revision, batch.committedAt);
          log.debug('pools changed', { revision: batch.revision, changes: batch.changes.length });
          kernel.poke();
        },
        onConnection(up, why) {
          if (up && !connected) log.info('following the datastore', { datastore: ds.kind, revision });
          connected = up;
          if (!up && why) disconnectedWhy = why;
          updateReady();
        },
      },
      log,
      metrics,
    );

    const resync = (reason: 'sighup' | 'interval'): void => {
      if (stopping) return;
      metrics.resyncs.inc({ reason });
      log.info('resync', { reason });
      // the kernel is read and repaired from the pools known now; the listing that follows
      // brings whatever the watch may have missed
      if (listed) kernel.requestFull();
      follower.relist();
    };
    const onHup = (): void => resync('sighup');
    const timer = setInterval(() => resync('interval'), opts.resyncIntervalMs);
    const readiness = setInterval(updateReady, 1000);
    readiness.unref();
    deps.signals.on('SIGHUP', onHup);
    closers.push(() => {
      clearInterval(timer);
      clearInterval(readiness);
      deps.signals.off('SIGHUP', onHup);
    });

    log.info('nat agent started', {
      backend: choice.backend,
      why: choice.why,
      datastore: `${ds.kind} ${ds.location}`,
      settings: opts.settings.describe,
      health: health.address,
      resyncIntervalS: opts.resyncIntervalMs / 1000,
    });
    follower.start();

    // run until SIGTERM or SIGINT
    const signal = await new Promise<string>((resolve) => {
      const term = (): void => resolve('SIGTERM');
      const int = (): void => resolve('SIGINT');
      deps.signals.on('SIGTERM', term);
      deps.signals.on('SIGINT', int);
      closers.push(() => {
        deps.signals.off('SIGTERM', term);
        deps.signals.off('SIGINT', int);
      });
    });
    stopping = true;
    updateReady();
    log.info('stopping', { signal, cleanupOnExit: opts.cleanupOnExit });
    await follower.stop();
    await kernel.stop();
    if (opts.cleanupOnExit) {
      // the flavour written with; without a full sync done, the one nat apply would choose
      let tools = kernel.tools;
      if (!tools && choice.backend === 'iptables') {
        const live = await readHost(exec, 'iptables', FAMILIES, { iptablesBackend: opts.iptablesBackend }).live;
        tools = live.backend === 'iptables' ? live.flavour : null;
      }
      await removeNat(exec, choice.backend, FAMILIES, tools);
      log.info('NAT rules removed (--cleanup-on-exit)', { backend: choice.backend });
    } else {
      log.info('NAT rules left in place', { backend: choice.backend, revision });
    }
  } finally {
    await closeAll();
  }
}
