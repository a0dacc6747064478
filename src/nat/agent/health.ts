import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { PoolctlError, usageError } from '../../base/errors.js';

/** HealthState is what the endpoints report: readiness with the reasons it is not ready. */
export interface HealthState {
  live(): boolean;
  notReady(): readonly string[];
}

/** HealthServer is the running endpoint server. */
export interface HealthServer {
  /** address is "host:port" as bound (the port resolved when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

/** parseListen reads --health-listen: "HOST:PORT" or "[IPv6]:PORT"; null when malformed. */
export function parseListen(s: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[3]);
  return port <= 65535 ? { host: m[1] ?? m[2]!, port } : null;
}

/**
 * startHealthServer serves, on listen (a loopback address by default, as Felix's health port):
 *   GET /livez    200 "ok" while the agent runs;
 *   GET /readyz   200 "ok", or 503 with one reason a line (datastore unreachable, first sync
 *                 not done, the last kernel write failed, the pools cannot be programmed);
 *   GET /metrics  the registry in Prometheus text format.
 * Anything else is 404; methods other than GET and HEAD 405.
 */
export async function startHealthServer(listen: string, state: HealthState, registry: Registry): Promise<HealthServer> {
  const addr = parseListen(listen);
  if (!addr) {
    throw usageError(`--health-listen ${listen}: expected HOST:PORT, e.g. 127.0.0.1:9099 or [::1]:9099`);
  }
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const text = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : body);
    };
    if (path === '/livez') return text(state.live() ? 200 : 503, state.live() ? 'ok\n' : 'stopping\n');
    if (path === '/readyz') {
      const reasons = state.notReady();
      return text(reasons.length ? 503 : 200, reasons.length ? `not ready:\n${reasons.map((r) => `- ${r}\n`).join('')}` : 'ok\n');
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
        },
        (e: Error) => text(500, `${e.message}\n`),
      );
      return;
    }
    text(404, 'not found: /livez, /readyz, /metrics\n');
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new PoolctlError('HEALTH_LISTEN', `cannot listen on ${listen} for /livez, /readyz and /metrics: ${e.code ?? e.message}`, {
          ...(e.code === 'EADDRINUSE' ? { hint: 'another process (an agent, or Felix) uses the port: pick another with --health-listen' } : {}),
        }),
      ),
    );
    server.listen(addr.port, addr.host, () => resolve());
  });
  const bound = server.address();
  const address = bound && typeof bound === 'object' ? `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` : listen;
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
