import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BIN, ROOT } from './cli.js';
import { findOnPath } from '../../src/host/host-exec.js';

/**
 * Helpers for the nat agent's kernel suites: the agent run as part 2 of issue 14 will run it
 * (`ip netns exec NODE node bin/poolctl.js nat agent ...`), and its endpoints read from inside
 * the node namespace (etcd reaches it through etcd-bridge.ts). Every process is killed and every socket removed by close()/stop(),
 * which the suites call in afterAll/afterEach whatever happened.
 */

const IP = findOnPath('ip', process.env) ?? 'ip';
const PDEATHSIG = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'SIGKILL', '--'] : [];

/** LogLine is one JSON log line of the agent. */
export type LogLine = Record<string, unknown> & { msg: string; level: string; time: string };

/** AgentProcess is a running `nat agent` in a namespace. */
export interface AgentProcess {
  readonly pid: number;
  /** logs are the JSON lines written so far; stderr lines that are not JSON go to `other`. */
  readonly logs: LogLine[];
  readonly other: string[];
  /** waitLog resolves with the first line (from index `from`) the predicate accepts, or rejects after timeoutMs. */
  waitLog(pred: (l: LogLine) => boolean, timeoutMs?: number, from?: number): Promise<LogLine>;
  signal(sig: NodeJS.Signals): void;
  /** exited resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stop sends SIGTERM and waits for the exit (SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** startAgent spawns `nat agent --log-format json ARGS` in namespace ns with extra environment. */
export function startAgent(ns: string, args: readonly string[], env: Record<string, string | undefined> = {}): AgentProcess {
  const fullEnv: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...env };
  for (const k of Object.keys(fullEnv)) if (fullEnv[k] === undefined) delete fullEnv[k];
  // through setpriv, the agent dies with the test process however that ends (pid unchanged: both exec)
  const child = spawn(IP, ['netns', 'exec', ns, ...PDEATHSIG, process.execPath, BIN, 'nat', 'agent', '--log-format', 'json', ...args], {
    cwd: ROOT,
    env: fullEnv as NodeJS.ProcessEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  const logs: LogLine[] = [];
  const other: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stderr! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      other.push(line);
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
      for (const w of waiters) w();
    }),
  );
  const done = { value: false };
  void exited.then(() => (done.value = true));
  return {
    pid: child.pid!,
    logs,
    other,
    waitLog(pred, timeoutMs = 20_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = logs.slice(from).find(pred);
          if (hit) {
            finish();
            resolve(hit);
          } else if (done.value) {
            finish();
            reject(new Error(`agent exited before the awaited log line; stderr:\n${[...logs.map((l) => JSON.stringify(l)), ...other].join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no such agent log line within ${timeoutMs} ms; stderr:\n${[...logs.map((l) => JSON.stringify(l)), ...other].join('\n')}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    signal: (sig) => void child.kill(sig),
    exited,
    async stop(timeoutMs = 15_000) {
      if (!done.value) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

// A small HTTP client living in the node namespace: reads "PATH" lines on stdin, answers
// each with a JSON line {status, body} from http://127.0.0.1:PORT (one process for the suite,
// instead of one per request).
const HTTP_CLIENT = `
const http = require('node:http');
const port = Number(process.argv[1]);
require('node:readline').createInterface({ input: process.stdin }).on('line', (path) => {
  const req = http.get({ host: '127.0.0.1', port, path, timeout: 3000 }, (res) => {
    let body = ''; res.setEncoding('utf8'); res.on('data', (d) => (body += d));
    res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, body }) + '\\n'));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => process.stdout.write(JSON.stringify({ status: 0, body: e.message }) + '\\n'));
});
`;

/** NsHttp gets paths from a server on 127.0.0.1 inside a namespace. */
export interface NsHttp {
  get(path: string): Promise<{ status: number; body: string }>;
  /** metric returns the sum of a metric's samples whose labels include `labels` (0 when there is none). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): void;
}

/** nsHttp starts the client in ns for a server on 127.0.0.1:port (requests one at a time). */
export function nsHttp(ns: string, port = 9099): NsHttp {
  const child = spawn(IP, ['netns', 'exec', ns, process.execPath, '-e', HTTP_CLIENT, String(port)], { stdio: ['pipe', 'pipe', 'ignore'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const queue: ((r: { status: number; body: string }) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => queue.shift()?.(JSON.parse(line)));
  let chain: Promise<unknown> = Promise.resolve();
  const get = (path: string): Promise<{ status: number; body: string }> => {
    const p = chain.then(
      () =>
        new Promise<{ status: number; body: string }>((resolve) => {
          queue.push(resolve);
          child.stdin!.write(`${path}\n`);
        }),
    );
    chain = p.catch(() => undefined);
    return p;
  };
  return {
    get,
    async metric(name, labels = {}) {
      const r = await get('/metrics');
      if (r.status !== 200) throw new Error(`/metrics answered ${r.status}: ${r.body}`);
      return sumMetric(r.body, name, labels);
    },
    close: () => void child.kill('SIGKILL'),
  };
}

/** sumMetric adds the samples of `name` in a Prometheus text exposition whose labels include `labels`. */
export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/**
 * until polls fn every intervalMs until it returns a truthy value, or throws after timeoutMs
 * with what (and the last value or error). A poll that throws counts as not yet: an agent busy
 * with a resync on a loaded machine may let one /metrics request time out, and answer the next.
 */
export async function until<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 20_000, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: Error | null = null;
  for (;;) {
    try {
      last = await fn();
      lastError = null;
      if (last) return last as NonNullable<T>;
    } catch (e) {
      lastError = e as Error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${lastError ? `error ${lastError.message}` : JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
