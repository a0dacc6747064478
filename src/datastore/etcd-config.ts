/** ETCD_TIMEOUT_MS is the default deadline of each etcd request (calicoctl's etcd client timeout, 10 s). */
export const ETCD_TIMEOUT_MS = 10_000;

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
}
