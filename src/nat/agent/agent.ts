import { buildNatModel, type Family, type NatSettings } from '../../core/index.js';
import type { Datastore, NatChange, NatChangeBatch, NatListing } from '../../datastore/datastore.js';
import { diffNatPools } from '../../datastore/nat-pool.js';
import type { Signals } from '../../base/context.js';
import type { HostLock } from '../../host/host-lock.js';
import { resolveBackend, toolsFor, type RequestedBackend } from '../../host/backend.js';
import type { Backend } from '../../host/desired.js';
import type { HostExec } from '../../host/host-exec.js';
import type { IptablesFlavour, IptablesTools } from '../../host/iptables-flavour.js';
import { readHost } from '../../host/nat-host.js';
import { removeNat } from '../../host/remove-nat.js';
import { FelixWatch } from './felix-watch.js';
import { DatastoreFollower } from './follow.js';
import { startHealthServer } from './health.js';
import { KernelSync, type ModelResult, type Pending } from './kernel-sync.js';
import type { Logger } from './log.js';
import { createMetrics } from './metrics.js';
import { PoolIndex } from './pool-order.js';

/**
 * SettingsSource gives the Felix settings the agent programs with (the FelixConfigurations
 * read at start and the flags, as nat apply takes them) and, where it can, whether they have
 * changed since.
 */
export interface SettingsSource {
  /** describe names where the settings come from, for the log. */
  readonly describe: string;
  current(): NatSettings;
  /**
   * changes reads the settings again (through the agent's datastore) and names each one whose
   * value differs from the start's; empty when none does. It throws when they cannot be read.
   */
  changes?(ds: Datastore): Promise<string[]>;
  /**
   * checkIntervalMs is how often changes is called while the FelixConfigurations are not
   * watched (a store without watchKind, or a watch down; absent: only at each resync and SIGHUP).
   */
  readonly checkIntervalMs?: number;
}

/** AgentEnd is how runAgent ended: stopped by a signal, or a setting changed (the agent exits to be restarted, as Felix does). */
export type AgentEnd = 'stopped' | 'restart';

/** AgentOptions are `nat agent`'s settings (its flags, checked). */
export interface AgentOptions {
  /** backend is the backend asked for and why (nftablesMode, --backend), or auto. */
  readonly backend: RequestedBackend;
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
 * removeBackendNat removes poolctl's NAT state from one backend's kernel tables (removeNat),
 * when that backend's tools are installed (else it can hold none); tools are the iptables
 * flavour's when known, else read as nat apply chooses them.
 */
async function removeBackendNat(exec: HostExec, backend: Backend, iptablesBackend: IptablesFlavour | 'auto', tools: IptablesTools | null): Promise<void> {
  if (toolsFor(backend, FAMILIES).some((t) => !exec.has(t))) return;
  if (!tools && backend === 'iptables') {
    const live = await readHost(exec, 'iptables', FAMILIES, { iptablesBackend }).live;
    tools = live.backend === 'iptables' ? live.flavour : null;
  }
  await removeNat(exec, backend, FAMILIES, tools);
}

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
 *      place (removed with cleanupOnExit), the lock released: 'stopped';
 *   5. when a setting it programs with changes (opts.settings.changes: on each event of a
 *      watch on the FelixConfigurations (felix-watch.ts), at each resync, and every
 *      checkIntervalMs while that watch is down): stopped as for SIGTERM but the rules always left in place, for
 *      the supervisor to restart it with the new settings, as Felix exits for a config change:
 *      'restart'. With an explicit backend (nftablesMode or --backend) it removes the other
 *      backend's NAT state at start, as Felix cleans the dataplane it does not use.
 * Failures before the agent runs (no root, lock held, port taken, no backend) throw PoolctlError.
 */
export async function runAgent(opts: AgentOptions, deps: AgentDeps): Promise<AgentEnd> {
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
    const choice = await resolveBackend(exec, opts.backend.backend, FAMILIES, undefined, opts.backend.why);
    if (opts.backend.backend !== 'auto') {
      // as Felix at start: the dataplane not chosen is cleaned (after an nftablesMode change, the
      // rules the agent wrote before its restart); with auto, the choice already follows what is there
      const other: Backend = choice.backend === 'iptables' ? 'nftables' : 'iptables';
      try {
        await removeBackendNat(exec, other, opts.iptablesBackend, null);
        log.info('NAT state of the other backend removed, as Felix cleans the dataplane it does not use', { backend: other });
      } catch (e) {
        log.warn('could not remove the NAT state of the other backend', { backend: other, error: (e as Error).message });
      }
    }
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

    // a FelixConfiguration setting changed: Felix exits to be restarted (felix-config.ts), so does the agent
    let restart: ((changes: string[]) => void) | null = null;
    let checking = false;
    let checkAgain = false;
    const checkSettings = async (): Promise<void> => {
      if (!opts.settings.changes || stopping) return;
      // a call while one reads (a watch event after its read began) reads again once it is done
      if (checking) {
        checkAgain = true;
        return;
      }
      checking = true;
      try {
        do {
          checkAgain = false;
          const changes = await opts.settings.changes(ds);
          if (changes.length) {
            restart?.(changes);
            return;
          }
          log.debug('FelixConfigurations read: no setting the agent programs with changed');
        } while (checkAgain && !stopping);
      } catch (e) {
        log.debug('FelixConfigurations not read; checked again later', { error: (e as Error).message });
      } finally {
        checking = false;
      }
    };
    // Felix learns of a config change from its syncer at once: the agent watches them too
    const felixWatch = new FelixWatch(ds, () => void checkSettings(), log);
    const resync = (reason: 'sighup' | 'interval'): void => {
      if (stopping) return;
      void checkSettings();
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
    // the backstop: only while the FelixConfigurations are not watched (no idle reads otherwise)
    const settingsTimer =
      opts.settings.changes && opts.settings.checkIntervalMs
        ? setInterval(() => {
            if (!felixWatch.up) void checkSettings();
          }, opts.settings.checkIntervalMs)
        : undefined;
    deps.signals.on('SIGHUP', onHup);
    closers.push(() => {
      clearInterval(timer);
      clearInterval(readiness);
      clearInterval(settingsTimer);
      deps.signals.off('SIGHUP', onHup);
    });
    closers.push(() => felixWatch.stop());

    log.info('nat agent started', {
      backend: choice.backend,
      why: choice.why,
      datastore: `${ds.kind} ${ds.location}`,
      settings: opts.settings.describe,
      health: health.address,
      resyncIntervalS: opts.resyncIntervalMs / 1000,
    });
    follower.start();
    if (opts.settings.changes) felixWatch.start();

    // run until SIGTERM or SIGINT, or a changed setting
    const signal = await new Promise<string | { changes: string[] }>((resolve) => {
      const term = (): void => resolve('SIGTERM');
      const int = (): void => resolve('SIGINT');
      restart = (changes) => resolve({ changes });
      deps.signals.on('SIGTERM', term);
      deps.signals.on('SIGINT', int);
      closers.push(() => {
        deps.signals.off('SIGTERM', term);
        deps.signals.off('SIGINT', int);
      });
    });
    stopping = true;
    updateReady();
    await felixWatch.stop();
    if (typeof signal !== 'string') {
      // Felix's exit for a config change (configChangedRC 129): the rules stay for the restarted agent, which programs the new settings
      log.warn('FelixConfiguration changed: exiting to be restarted, as Felix does (exit status 129); the NAT rules stay in place until then', {
        changes: signal.changes,
        backend: choice.backend,
      });
      await follower.stop();
      await kernel.stop();
      return 'restart';
    }
    log.info('stopping', { signal, cleanupOnExit: opts.cleanupOnExit });
    await follower.stop();
    await kernel.stop();
    if (opts.cleanupOnExit) {
      // the flavour written with; without a full sync done, the one nat apply would choose
      await removeBackendNat(exec, choice.backend, opts.iptablesBackend, kernel.tools);
      log.info('NAT rules removed (--cleanup-on-exit)', { backend: choice.backend });
    } else {
      log.info('NAT rules left in place', { backend: choice.backend, revision });
    }
    return 'stopped';
  } finally {
    await closeAll();
  }
}
