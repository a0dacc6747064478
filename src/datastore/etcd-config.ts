/** ETCD_TIMEOUT_MS is the default deadline of each etcd request (calicoctl's etcd client timeout, 10 s). */
export const ETCD_TIMEOUT_MS = 10_000;

/**
 * ETCD_KEEPALIVE_MS is how often the watch's connection is pinged by default (libcalico-go's
 * etcd client: DialKeepAliveTime 30 s; a ping unanswered for the request deadline, its
 * DialKeepAliveTimeout of 10 s, ends the connection).
 */
export const ETCD_KEEPALIVE_MS = 30_000;

/** EtcdConfig is how to reach etcd: Calico's etcd settings (CalicoAPIConfig spec / ETCD_* env). */
export interface EtcdConfig {
  readonly endpoints: readonly string[];
  readonly username?: string;
  readonly password?: string;
  readonly caCertFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** inline PEM (config file only: etcdCACert, etcdCert, etcdKey) */
  readonly caCert?: string;
  readonly cert?: string;
  readonly key?: string;
  /** timeoutMs is each request's deadline, failing over and reading back a lost write included (POOLCTL_ETCD_TIMEOUT; default ETCD_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** keepaliveMs is how often a watch's connection is pinged (POOLCTL_ETCD_KEEPALIVE; default ETCD_KEEPALIVE_MS). */
  readonly keepaliveMs?: number;
}
