import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Datastore } from '../../src/datastore/datastore.js';
import { openFileDatastore } from '../../src/datastore/file.js';
import { runCli, type CliResult } from '../support/cli.js';
import { etcdBackend as etcdStore, type EtcdBackend } from '../support/etcd.js';

/**
 * CliBackend is a datastore the e2e tests point the built CLI at (through the environment,
 * as users do) and can also open in-process to set up or inspect state.
 */
export interface CliBackend {
  readonly name: 'file' | 'etcd';
  /** skip is why the backend cannot run here (never set in CI). */
  readonly skip: string | null;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** reset empties the store. */
  reset(): Promise<void>;
  env(): Record<string, string | undefined>;
  open(): Promise<Datastore>;
}

/** CLEAN_ENV unsets every variable that selects a datastore, so the developer's shell cannot leak in. */
export const CLEAN_ENV: Record<string, undefined> = {
  DATASTORE_TYPE: undefined,
  CALICO_DATASTORE_TYPE: undefined,
  ETCD_ENDPOINTS: undefined,
  CALICO_ETCD_ENDPOINTS: undefined,
  POOLCTL_STORE: undefined,
  POOLCTL_CONFIG: undefined,
  POOLCTL_ETCD_TIMEOUT: undefined,
};

/** fileBackend is the embedded store in a fresh temp directory. */
export function fileBackend(): CliBackend {
  let root = '';
  let n = 0;
  let dir = '';
  return {
    name: 'file',
    skip: null,
    async setup() {
      root = mkdtempSync(join(tmpdir(), 'poolctl-e2e-'));
    },
    async teardown() {
      rmSync(root, { recursive: true, force: true });
    },
    async reset() {
      dir = join(root, `store-${++n}`);
    },
    env: () => ({ ...CLEAN_ENV, POOLCTL_STORE: dir }),
    open: async () => openFileDatastore(dir),
  };
}

/** etcdBackend is the shared etcd backend (support/etcd.ts) plus the CLI's environment for it. */
export function etcdBackend(): CliBackend & EtcdBackend {
  const etcd = etcdStore();
  return { ...etcd, env: () => ({ ...CLEAN_ENV, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd.server().endpoint }) };
}

/** poolctl runs the built CLI against a backend. */
export function poolctl(backend: CliBackend, args: readonly string[], opts: { input?: string; cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  return runCli(args, { ...opts, env: { ...backend.env(), ...opts.env } });
}

/** writeManifest writes resources as a JSON list file and returns its path. */
export function writeManifest(dir: string, name: string, resources: readonly unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'IPPoolList', items: resources }, null, 2));
  return path;
}
