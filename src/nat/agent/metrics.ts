import type { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * AgentMetrics are what `nat agent` exports on /metrics (Prometheus text format), besides
 * prom-client's process and Node.js metrics (process_cpu_seconds_total,
 * process_resident_memory_bytes, nodejs_eventloop_lag_seconds, ...).
 */
export interface AgentMetrics {
  readonly registry: Registry;
  /** poolctl_agent_pools: the pools in the datastore, as the agent last saw them */
  readonly pools: Gauge;
  /** poolctl_agent_set_members{family,set}: members (ipset) or elements (nft) programmed in each set */
  readonly setMembers: Gauge<'family' | 'set'>;
  /** poolctl_agent_kernel_writes_total{mode}: writes to the kernel, incremental or full (a full one after a resync found differences) */
  readonly kernelWrites: Counter<'mode'>;
  /** poolctl_agent_kernel_write_errors_total: kernel writes that failed (each is followed by a full resync) */
  readonly kernelErrors: Counter;
  /** poolctl_agent_resyncs_total{reason}: full resyncs (start, sighup, interval, compacted, error) */
  readonly resyncs: Counter<'reason'>;
  /** poolctl_agent_drift_repairs_total: differences between the kernel and what the agent had written, found and repaired by resyncs */
  readonly driftRepairs: Counter;
  /** poolctl_agent_watch_restarts_total{reason}: datastore watches lost and started again (disconnected, compacted) */
  readonly watchRestarts: Counter<'reason'>;
  /** poolctl_agent_revision_to_kernel_seconds: from a datastore revision's commit to the kernel holding it */
  readonly latency: Histogram;
  /** poolctl_agent_datastore_revision: the newest revision the agent has applied */
  readonly revision: Gauge;
  /** poolctl_agent_ready: 1 when /readyz answers 200 */
  readonly ready: Gauge;
}

/** LATENCY_BUCKETS (seconds) resolve the agent's few milliseconds as well as a slow full write. */
const LATENCY_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * createMetrics makes the agent's registry (prom-client, loaded here: only the agent needs
 * it). The event-loop monitor samples every 100 ms rather than every 10 ms, so that an idle
 * agent stays idle.
 */
export async function createMetrics(): Promise<AgentMetrics> {
  const mod = await import('prom-client');
  // a CommonJS module: bundled, its exports are the default export
  const prom = ((mod as unknown as { default?: typeof mod }).default ?? mod) as typeof mod;
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  const registers = [registry];
  return {
    registry,
    pools: new prom.Gauge({ name: 'poolctl_agent_pools', help: 'IPPools in the datastore, as last seen', registers }),
    setMembers: new prom.Gauge({
      name: 'poolctl_agent_set_members',
      help: 'members (ipset) or elements (nftables) programmed in each NAT set',
      labelNames: ['family', 'set'],
      registers,
    }),
    kernelWrites: new prom.Counter({ name: 'poolctl_agent_kernel_writes_total', help: 'writes to the kernel, by mode (incremental, full)', labelNames: ['mode'], registers }),
    kernelErrors: new prom.Counter({ name: 'poolctl_agent_kernel_write_errors_total', help: 'kernel writes that failed', registers }),
    resyncs: new prom.Counter({ name: 'poolctl_agent_resyncs_total', help: 'full resyncs, by reason', labelNames: ['reason'], registers }),
    driftRepairs: new prom.Counter({ name: 'poolctl_agent_drift_repairs_total', help: 'differences between the kernel and the written state, repaired', registers }),
    watchRestarts: new prom.Counter({ name: 'poolctl_agent_watch_restarts_total', help: 'datastore watches lost and restarted, by reason', labelNames: ['reason'], registers }),
    latency: new prom.Histogram({
      name: 'poolctl_agent_revision_to_kernel_seconds',
      help: 'time from a datastore revision to the kernel holding it',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    revision: new prom.Gauge({ name: 'poolctl_agent_datastore_revision', help: 'the newest datastore revision applied', registers }),
    ready: new prom.Gauge({ name: 'poolctl_agent_ready', help: '1 when the agent is ready (/readyz)', registers }),
  };
}
