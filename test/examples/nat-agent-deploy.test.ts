import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExitCode } from '../../src/base/exit-codes.js';
import { runApp } from '../../src/cli/app.js';
import type { BaseContext } from '../../src/cli/make-context.js';
import type { CommandSpec } from '../../src/commands/command.js';
import { loadAllCommands } from '../../src/commands/index.js';
import { resolveDatastoreConfig } from '../../src/datastore/config.js';
import { LOCK_DIR } from '../../src/host/host-lock.js';
import { parseListen, startHealthServer } from '../../src/nat/agent/health.js';
import { ROOT } from '../support/paths.js';

// The ways of running `nat agent` shipped in examples/ (README "Running it for real"): the
// systemd unit with its environment file, and the Kubernetes DaemonSet. Each must be
// well-formed, run the agent with flags the real parser accepts, and point its probes, lock
// and datastore where the agent has them.

const read = (p: string): string => readFileSync(join(ROOT, 'examples', p), 'utf8');

/** baseContext is what main gives a command line: buffered streams, no environment. */
function baseContext(): { base: BaseContext; stderr: () => string } {
  let err = '';
  const sink = (keep: boolean): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        if (keep) err += chunk.toString();
        cb();
      },
    });
  return {
    base: { io: { stdin: Readable.from(['']), stdout: sink(false), stderr: sink(true), stdoutIsTTY: false, stderrIsTTY: false }, env: {}, cwd: ROOT },
    stderr: () => err,
  };
}

/**
 * parseAgentLine runs a command line (after the program name) through poolctl's own parser,
 * strict as on every usage error, with every real declaration except that `nat agent`'s run
 * records its arguments instead of starting an agent.
 */
async function parseAgentLine(argv: readonly string[]): Promise<{ code: number; args: Record<string, unknown> | null; stderr: string }> {
  let args: Record<string, unknown> | null = null;
  const capture = (spec: CommandSpec): CommandSpec =>
    spec.name === 'agent'
      ? {
          ...spec,
          run: async (a: Record<string, unknown>) => {
            args = a;
            return ExitCode.OK;
          },
        }
      : spec;
  const commands = (await loadAllCommands()).map((c) => (c.name === 'nat' ? { ...c, subcommands: c.subcommands!.map(capture) } : c));
  const { base, stderr } = baseContext();
  const code = await runApp(argv, commands, base);
  return { code, args, stderr: stderr() };
}

/** unitFile reads a systemd unit: section -> key -> values (a key may repeat). */
function unitFile(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const head = /^\[([A-Za-z]+)\]$/.exec(line);
    if (head) {
      current = new Map();
      sections.set(head[1]!, current);
      return;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`line ${i + 1}: not KEY=VALUE in a section: ${raw}`);
    current.set(kv[1]!, [...(current.get(kv[1]!) ?? []), kv[2]!]);
  });
  return sections;
}

describe('examples: nat agent under systemd', () => {
  const unit = unitFile(read('systemd/poolctl-nat-agent.service'));
  const service = unit.get('Service')!;
  const one = (key: string): string => {
    const v = service.get(key);
    expect(v, key).toHaveLength(1);
    return v![0]!;
  };

  it('has the sections a service needs and starts after the network', () => {
    expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(unit.get('Unit')!.get('After')).toEqual(['network-online.target']);
    expect(unit.get('Install')!.get('WantedBy')).toEqual(['multi-user.target']);
    expect(one('Type')).toBe('simple');
    expect(one('User')).toBe('root');
  });

  it('runs nat agent with flags the parser accepts (JSON logs, the health port)', async () => {
    const [bin, ...argv] = one('ExecStart').split(/\s+/);
    expect(bin).toMatch(/^\/.*\/poolctl$/);
    const r = await parseAgentLine(argv);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(ExitCode.OK);
    expect(r.args).toMatchObject({ logFormat: 'json', resyncInterval: 90, healthListen: '127.0.0.1:9099' });
    // no --backend: the node's FelixConfiguration nftablesMode chooses it, and a change of it restarts the agent
    expect(r.args?.backend).toBeUndefined();
  });

  it('reloads with SIGHUP (a resync), stops with SIGTERM, and does not restart on a usage error', () => {
    expect(one('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(one('Restart')).toBe('on-failure');
    expect(one('RestartPreventExitStatus')).toBe(String(ExitCode.USAGE));
    // on-failure restarts on every other non-zero status, 129 (a FelixConfiguration change) included
    expect(one('RestartPreventExitStatus').split(/\s+/)).not.toContain(String(ExitCode.CONFIG_CHANGED));
  });

  it("its environment file selects etcd with TLS, as poolctl's datastore selection reads it", async () => {
    expect(one('EnvironmentFile')).toBe('/etc/poolctl/agent.env');
    const env: Record<string, string> = {};
    for (const line of read('systemd/poolctl-nat-agent.env').split('\n')) {
      if (line.trim() === '' || line.startsWith('#')) continue;
      const m = /^([A-Z_]+)=(\S+)$/.exec(line);
      expect(m, line).not.toBeNull();
      env[m![1]!] = m![2]!;
    }
    const config = await resolveDatastoreConfig({ env, cwd: '/' });
    expect(config).toMatchObject({
      type: 'etcdv3',
      etcd: {
        endpoints: ['https://10.0.0.5:2379', 'https://10.0.0.6:2379', 'https://10.0.0.7:2379'],
        caCertFile: '/etc/poolctl/etcd-ca.pem',
        certFile: '/etc/poolctl/etcd-cert.pem',
        keyFile: '/etc/poolctl/etcd-key.pem',
      },
    });
  });
});

describe('examples: nat agent as a DaemonSet', () => {
  const docs = read('kubernetes/poolctl-nat-agent.yaml');
  // Kubernetes reads manifests as YAML 1.1 (go-yaml v2): defaultMode 0400 is octal there
  const ds = parse(docs, { version: '1.1' }) as any;
  const pod = ds.spec.template.spec;
  const [container, ...others] = pod.containers;

  it('is one DaemonSet whose selector picks its own pods, on labelled nodes', () => {
    expect(others).toEqual([]);
    expect({ apiVersion: ds.apiVersion, kind: ds.kind, namespace: ds.metadata.namespace }).toEqual({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system' });
    expect(ds.spec.template.metadata.labels).toMatchObject(ds.spec.selector.matchLabels);
    expect(pod.nodeSelector['poolctl.projectcalico.org/nat-agent']).toBe('true');
  });

  it("programs the node's network namespace: hostNetwork, root, NET_ADMIN", () => {
    expect(pod.hostNetwork).toBe(true);
    expect(container.securityContext.runAsUser).toBe(0);
    expect(container.securityContext.capabilities.add).toContain('NET_ADMIN');
  });

  it('runs nat agent with flags the parser accepts', async () => {
    const [bin, ...argv] = container.command as string[];
    expect(bin).toBe('poolctl');
    expect(container.args).toBeUndefined();
    const r = await parseAgentLine(argv);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(ExitCode.OK);
    expect(r.args).toMatchObject({ logFormat: 'json', healthListen: '127.0.0.1:9099' });
  });

  it("probes the agent's /livez and /readyz where --health-listen puts them, and they answer there", async () => {
    const argv = container.command as string[];
    const listen = parseListen(argv[argv.indexOf('--health-listen') + 1]!)!;
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect({ host: probe.httpGet.host, port: probe.httpGet.port }).toEqual(listen);
    }
    // the probe paths are the agent's: 200 when live and ready, 503 when not ready (never 404)
    let ready = false;
    const server = await startHealthServer('127.0.0.1:0', { live: () => true, notReady: () => (ready ? [] : ['first sync not done']) }, new Registry());
    try {
      const get = async (path: string): Promise<number> => (await fetch(`http://${server.address}${path}`)).status;
      expect(await get(container.livenessProbe.httpGet.path)).toBe(200);
      expect(await get(container.readinessProbe.httpGet.path)).toBe(503);
      ready = true;
      expect(await get(container.readinessProbe.httpGet.path)).toBe(200);
      expect(await get('/no-such-probe')).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("reads etcd from Calico's calico-config and calico-etcd-secrets, and shares the host's NAT lock directory", () => {
    const env = new Map((container.env as any[]).map((e) => [e.name, e]));
    expect(env.get('DATASTORE_TYPE').value).toBe('etcdv3');
    const fromConfig = (name: string): string => {
      expect(env.get(name).valueFrom.configMapKeyRef.name, name).toBe('calico-config');
      return env.get(name).valueFrom.configMapKeyRef.key;
    };
    expect(['ETCD_ENDPOINTS', 'ETCD_CA_CERT_FILE', 'ETCD_CERT_FILE', 'ETCD_KEY_FILE'].map(fromConfig)).toEqual(['etcd_endpoints', 'etcd_ca', 'etcd_cert', 'etcd_key']);
    const volumes = new Map((pod.volumes as any[]).map((v) => [v.name, v]));
    const mounted = new Map((container.volumeMounts as any[]).map((m) => [m.mountPath, volumes.get(m.name)]));
    // calico-config names the files under /calico-secrets (Calico's calico-etcd.yaml)
    expect(mounted.get('/calico-secrets').secret).toMatchObject({ secretName: 'calico-etcd-secrets', defaultMode: 0o400 });
    expect(mounted.get(LOCK_DIR).hostPath).toEqual({ path: LOCK_DIR, type: 'DirectoryOrCreate' });
    expect(mounted.get('/run/xtables.lock').hostPath).toEqual({ path: '/run/xtables.lock', type: 'FileOrCreate' });
    for (const m of container.volumeMounts) expect(volumes.has(m.name), m.name).toBe(true);
  });
});

describe('parseAgentLine', () => {
  it('rejects a flag nat agent does not have, and a value outside its choices (exit 2)', async () => {
    const unknown = await parseAgentLine(['nat', 'agent', '--bogus-flag', '1']);
    expect(unknown.code).toBe(ExitCode.USAGE);
    expect(unknown.args).toBeNull();
    expect(unknown.stderr).toMatch(/bogus-flag/);
    const choice = await parseAgentLine(['nat', 'agent', '--log-format', 'xml']);
    expect(choice.code).toBe(ExitCode.USAGE);
    expect(choice.args).toBeNull();
  });
});
