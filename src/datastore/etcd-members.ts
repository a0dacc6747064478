import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import type { TlsMaterial } from './etcd-tls.js';

// How poolctl talks to an etcd cluster: one gRPC channel per member, and every request routed
// by poolctl itself (no library retry policy), because only here is it known whether a failed
// request can have been applied.
//
//   request ─▶ pick a member that answered (probe all at first use, concurrently; a member
//   │          that never answers is never picked)
//   ├─ answer ─────────────────────────────▶ done (that member is preferred next time)
//   ├─ not sent (no connection) ───────────▶ mark the member down, next member now
//   ├─ cluster busy (no leader, election) ─▶ pause (50 ms, doubling to 500 ms), another member
//   ├─ refused (auth, limits) ─────────────▶ EtcdCallError 'refused' (nothing applied)
//   └─ answer lost after sending: a read ──▶ mark the member down, next member now
//                                 a write ─▶ EtcdCallError 'lost' (the caller reads it back)
//
// Every request ends by its deadline: each attempt on one member gets at most half of the
// request's time (so a member that hangs leaves time for another), and when no member is
// left to try the request fails as 'unreachable', naming each member's last error.

/** Service is an etcd v3 gRPC service poolctl uses. */
type Service = 'KV' | 'Maintenance' | 'Auth';

/** EtcdApi is the gRPC library and etcd's service constructors (etcd's rpc.proto as shipped by the etcd3 package). */
interface EtcdApi {
  readonly grpc: typeof grpc;
  readonly services: Readonly<Record<Service, grpc.ServiceClientConstructor>>;
}

let loadedApi: Promise<EtcdApi> | undefined;

/** loadApi loads @grpc/grpc-js and etcd's service definitions once (~0.2 s: only commands that use etcd pay it). */
function loadApi(): Promise<EtcdApi> {
  loadedApi ??= (async () => {
    const [g, loader] = await Promise.all([import('@grpc/grpc-js'), import('@grpc/proto-loader')]);
    const proto = createRequire(import.meta.url).resolve('etcd3/proto/rpc.proto');
    const def = loader.loadSync(proto, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    const pb = g.loadPackageDefinition(def).etcdserverpb as unknown as Record<Service, grpc.ServiceClientConstructor>;
    return { grpc: g, services: { KV: pb.KV, Maintenance: pb.Maintenance, Auth: pb.Auth } };
  })();
  return loadedApi;
}

/** Endpoint is one member's client URL as configured: where gRPC connects and how messages show it. */
export interface Endpoint {
  /** target is host:port for gRPC (user information dropped, as Go's etcd client does). */
  readonly target: string;
  /** display is the URL as given with its password masked (redactUrl). */
  readonly display: string;
  readonly secure: boolean;
  /** userinfo reports whether the URL carried a user name or password (ignored). */
  readonly userinfo: boolean;
}

const USERINFO = /^((?:[a-z][a-z0-9+.-]*:\/\/)?)([^/]*)@/i;

/**
 * redactUrl masks the password of a URL's user information as Go's url.URL.Redacted does
 * (`http://user:xxxxx@host`), leaving the rest as written; text without one is returned as is.
 */
export function redactUrl(url: string): string {
  return url.replace(USERINFO, (_m, scheme: string, info: string) => {
    const colon = info.indexOf(':');
    return `${scheme}${colon < 0 ? info : `${info.slice(0, colon)}:xxxxx`}@`;
  });
}

/** parseEndpoint reads one ETCD_ENDPOINTS entry: http(s)://host:port, or host:port (plain). */
export function parseEndpoint(raw: string): Endpoint {
  const m = USERINFO.exec(raw);
  const bare = m ? raw.slice(0, m[1]!.length) + raw.slice(m[0].length) : raw;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(bare);
  const rest = scheme ? bare.slice(scheme[0].length) : bare;
  return {
    target: rest.replace(/\/.*$/, ''),
    display: redactUrl(raw),
    secure: scheme?.[1]!.toLowerCase() === 'https',
    userinfo: m !== null,
  };
}

/**
 * CallFailure is how a request failed for good: 'unreachable' (no member could take it by
 * its deadline: nothing applied), 'refused' (etcd refused it, e.g. auth or limits: nothing
 * applied), 'lost' (a write was sent and its answer lost: it may have been applied).
 */
export type CallFailure = 'unreachable' | 'refused' | 'lost';

/** EtcdCallError is a request that failed for good; reason is one line for messages. */
export class EtcdCallError extends Error {
  constructor(
    readonly failure: CallFailure,
    readonly reason: string,
    /** code is the gRPC status code of the last failure, if there was one */
    readonly code?: number,
  ) {
    super(reason);
    this.name = 'EtcdCallError';
  }
}

/** Judgement is what one failed attempt on one member says. */
export interface Judgement {
  /** notApplied: the request certainly changed nothing (never sent, or refused before it was processed). */
  readonly notApplied: boolean;
  /** memberDown: this member cannot be used now (no connection, connection lost); another may. */
  readonly memberDown: boolean;
  /** transient: trying again (elsewhere, or after an election) can succeed; false for refusals. */
  readonly transient: boolean;
  /** reauth: the auth token expired; authenticate again and resend. */
  readonly reauth: boolean;
}

// gRPC status codes (grpc/doc/statuscodes.md).
const CANCELLED = 1;
const INVALID_ARGUMENT = 3;
const DEADLINE_EXCEEDED = 4;
const UNAVAILABLE = 14;
const UNAUTHENTICATED = 16;
const FAILED_PRECONDITION = 9;

/**
 * judgeFailure classifies a failed gRPC call by status code and details: grpc-js's own
 * failures before a call is on the wire (no connection, waiting for a connection when the
 * deadline came), etcd's refusals before it processes a request (no leader, too many requests,
 * proposal dropped, invalid token), its transient errors after (leader changed, timed out,
 * stopped: a write may still be applied), and everything else the server answered (refused).
 */
export function judgeFailure(code: number | undefined, details: string): Judgement {
  const j = (notApplied: boolean, memberDown: boolean, transient = true, reauth = false): Judgement => ({ notApplied, memberDown, transient, reauth });
  if (code === UNAUTHENTICATED && /invalid auth token/i.test(details)) return j(true, false, true, true);
  if (/etcdserver: (no leader|too many requests|not leader)|proposal dropped/i.test(details)) return j(true, false);
  if (/etcdserver: (leader changed|request timed out|server stopped)/i.test(details)) return j(false, false);
  if (code === UNAVAILABLE) {
    const unsent = /No connection established|Failed to connect|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|Name resolution failed|Stream refused/i.test(details);
    return j(unsent, true);
  }
  if (code === DEADLINE_EXCEEDED) return j(/Waiting for LB pick|waiting for name resolution|waiting for connectivity/i.test(details), true);
  if (code === FAILED_PRECONDITION && /not capable/i.test(details)) return j(true, false, false);
  if (code === undefined || code === CANCELLED || code === 2 || code === 13 || code === 10 || code === 15) return j(false, true);
  return j(true, false, false);
}

/** statusOf returns a gRPC error's code and details (a non-gRPC error has no code). */
function statusOf(e: unknown): { code: number | undefined; details: string } {
  const err = e as { code?: unknown; details?: unknown; message?: unknown };
  const code = typeof err?.code === 'number' ? err.code : undefined;
  const details = typeof err?.details === 'string' && err.details !== '' ? err.details : String(err?.message ?? e);
  return { code, details };
}

/** describe turns gRPC details into one short line (grpc-js appends timing notes and repeats errors). */
function describe(details: string): string {
  return details
    .replace(/\s+/g, ' ')
    .replace(/ Resolution note:.*$/, '')
    .replace(/^Deadline exceeded after [\d.]+s,.*$/, 'no answer in time')
    .replace(/Last error: Error: /, 'last error: ')
    .replace(/\(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g, '')
    .trim();
}

/** PreSendError wraps a failure that happened before the request itself was sent (authentication). */
class PreSendError extends Error {
  constructor(readonly failure: unknown) {
    super('before send');
  }
}

function unary<Q, R>(client: grpc.Client, method: string, req: Q, md: grpc.Metadata, deadline: number): Promise<R> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, (...a: unknown[]) => void>)[method]!.call(client, req, md, { deadline }, (err: Error | null, res: R) =>
      err ? reject(err) : resolve(res),
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

/** owner tags what runs on behalf of an EtcdMembers, so that the sockets gRPC opens for it are known (see close). */
const owner = new AsyncLocalStorage<EtcdMembers>();
subscribe('net.client.socket', (msg) => {
  const s = (msg as { socket?: Socket }).socket;
  if (s) owner.getStore()?.adopt(s);
});

/** MemberState: idle (not contacted yet), probing, up (answered), down (failed; probed again when nothing else is up). */
type MemberState = 'idle' | 'probing' | 'up' | 'down';

/** Member is one etcd member: its channel, its auth token, what poolctl knows of it. */
class Member {
  state: MemberState = 'idle';
  /** probe settles when the probe under way ends (never rejects). */
  probe: Promise<void> | null = null;
  /** upSince orders the members that answered: the first to answer is used first. */
  upSince = 0;
  /** downSince is when the member last failed. */
  downSince = 0;
  lastError = '';
  private channel: grpc.Channel | null = null;
  private readonly clients = new Map<Service, grpc.Client>();
  private token: Promise<string> | null = null;

  constructor(
    readonly endpoint: Endpoint,
    private readonly api: EtcdApi,
    private readonly credentials: grpc.ChannelCredentials,
    private readonly auth: { readonly username: string; readonly password: string } | undefined,
  ) {}

  private client(service: Service): grpc.Client {
    let c = this.clients.get(service);
    if (!c) {
      const { grpc: g } = this.api;
      this.channel ??= new g.Channel(this.endpoint.target, this.credentials, {
        'grpc.use_local_subchannel_pool': 1,
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1000,
      });
      c = new this.api.services[service](this.endpoint.target, this.credentials, { channelOverride: this.channel });
      this.clients.set(service, c);
    }
    return c;
  }

  /** status asks the member for its status: an answer proves it is alive (no token needed). */
  status(deadline: number): Promise<unknown> {
    return unary(this.client('Maintenance'), 'status', {}, new this.api.grpc.Metadata(), deadline);
  }

  /** call sends one request with the member's auth token, if auth is configured; a failure to authenticate is a PreSendError. */
  async call<Q, R>(service: Service, method: string, req: Q, deadline: number): Promise<R> {
    const md = new this.api.grpc.Metadata();
    if (this.auth) {
      const auth = this.auth;
      this.token ??= unary<unknown, { token: string }>(this.client('Auth'), 'authenticate', { name: auth.username, password: auth.password }, new this.api.grpc.Metadata(), deadline).then(
        (r) => r.token,
      );
      try {
        md.set('token', await this.token);
      } catch (e) {
        this.token = null;
        throw new PreSendError(e);
      }
    }
    return unary(this.client(service), method, req, md, deadline);
  }

  markDown(): void {
    this.state = 'down';
    this.downSince = Date.now();
  }

  forgetToken(): void {
    this.token = null;
  }

  close(): void {
    this.channel?.close();
    this.channel = null;
    this.clients.clear();
  }
}

/** MembersOptions: TLS material, credentials and the time each request may take. */
export interface MembersOptions {
  readonly tls?: TlsMaterial;
  readonly username?: string;
  readonly password?: string;
  /** timeoutMs is each request's deadline (POOLCTL_ETCD_TIMEOUT). */
  readonly timeoutMs: number;
}

/** BUSY_PAUSE_MS and BUSY_PAUSE_MAX_MS pace retries while the cluster elects a leader (an election takes ~1-2 s). */
const BUSY_PAUSE_MS = 50;
const BUSY_PAUSE_MAX_MS = 500;
/** REPROBE_MS is how long after it failed a member is probed again (gRPC's first reconnect backoff is 100 ms). */
const REPROBE_MS = 150;

/**
 * EtcdMembers sends requests to an etcd cluster, member by member (the diagram above). One
 * per datastore; close() ends every connection, including ones that never got an answer.
 */
export class EtcdMembers {
  /** location names the cluster for messages: the endpoints as given, passwords masked. */
  readonly location: string;
  readonly timeoutMs: number;
  private readonly members: Member[];
  private preferred: Member | null = null;
  private readonly sockets = new Set<Socket>();
  private closed = false;

  constructor(api: EtcdApi, endpoints: readonly Endpoint[], opts: MembersOptions) {
    this.location = endpoints.map((e) => e.display).join(',');
    this.timeoutMs = opts.timeoutMs;
    const g = api.grpc;
    const creds = opts.tls ? g.credentials.createSsl(opts.tls.rootCertificate, opts.tls.privateKey ?? null, opts.tls.certChain ?? null) : null;
    const auth = opts.username && opts.password ? { username: opts.username, password: opts.password } : undefined;
    this.members = endpoints.map((e) => new Member(e, api, creds ?? (e.secure ? g.credentials.createSsl() : g.credentials.createInsecure()), auth));
  }

  /** deadline is the deadline of a request that starts now. */
  deadline(): number {
    return Date.now() + this.timeoutMs;
  }

  /**
   * request sends one KV request (range, txn) and returns the answer, or throws EtcdCallError.
   * A read is tried on every member that can take it until its deadline; a write moves on
   * only while it certainly was not applied, else it fails as 'lost'.
   */
  request<Q, R>(method: 'range' | 'txn', req: Q, kind: 'read' | 'write', deadline: number): Promise<R> {
    return owner.run(this, () => this.route<Q, R>(method, req, kind, deadline));
  }

  private async route<Q, R>(method: string, req: Q, kind: 'read' | 'write', deadline: number): Promise<R> {
    let pause = BUSY_PAUSE_MS;
    let reauths = 0;
    const tried = new Set<Member>();
    const attemptMs = Math.max(1000, Math.floor(this.timeoutMs / 2));
    for (;;) {
      const m = await this.pick(deadline, tried);
      let failure: unknown;
      let preSend = false;
      try {
        const res = await m.call<Q, R>('KV', method, req, Math.min(deadline, Date.now() + attemptMs));
        this.preferred = m;
        return res;
      } catch (e) {
        preSend = e instanceof PreSendError;
        failure = preSend ? (e as PreSendError).failure : e;
      }
      const { code, details } = statusOf(failure);
      const j = judgeFailure(code, details);
      m.lastError = describe(details);
      if (!j.transient) throw new EtcdCallError('refused', m.lastError, code);
      if (kind === 'write' && !j.notApplied && !preSend) throw new EtcdCallError('lost', m.lastError, code);
      if (j.reauth && reauths++ < 2) {
        m.forgetToken();
        continue;
      }
      if (j.memberDown) {
        m.markDown();
        if (this.preferred === m) this.preferred = null;
        continue;
      }
      // The member is up but the cluster cannot serve yet (an election): wait, then ask another.
      if (Date.now() + pause >= deadline) throw this.unreachable(deadline);
      await sleep(pause);
      pause = Math.min(pause * 2, BUSY_PAUSE_MAX_MS);
      this.preferred = this.after(m);
    }
  }

  /** after returns the next member that is up, after m in the configured order. */
  private after(m: Member): Member | null {
    const i = this.members.indexOf(m);
    for (let k = 1; k <= this.members.length; k++) {
      const c = this.members[(i + k) % this.members.length]!;
      if (c.state === 'up') return c;
    }
    return null;
  }

  /**
   * pick returns a member to send to: the preferred one, else the first that answered. When
   * none is up it probes every member not contacted yet, and once per request (`tried`) each
   * member that failed, at least REPROBE_MS after it failed (a dropped connection may come
   * back; a refused one fails again at once); it waits for the first answer. It throws
   * 'unreachable' at the deadline, or when no member is left to try.
   */
  private async pick(deadline: number, tried: Set<Member>): Promise<Member> {
    for (;;) {
      if (this.closed) throw new EtcdCallError('unreachable', 'the datastore was closed');
      if (this.preferred?.state === 'up') return this.preferred;
      let first: Member | null = null;
      for (const m of this.members) if (m.state === 'up' && (!first || m.upSince < first.upSince)) first = m;
      if (first) return first;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.unreachable(deadline);
      for (const m of this.members) {
        if (m.state === 'idle') this.startProbe(m, deadline, 0);
        else if (m.state === 'down' && !tried.has(m)) {
          tried.add(m);
          this.startProbe(m, deadline, m.downSince + REPROBE_MS - Date.now());
        }
      }
      const pending = this.members.map((m) => m.probe).filter((p): p is Promise<void> => p !== null);
      if (pending.length === 0) throw this.unreachable(deadline);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([...pending, new Promise<void>((r) => (timer = setTimeout(r, remaining)))]);
      clearTimeout(timer);
    }
  }

  /** startProbe asks m for its status after delayMs; m is up if it answers anything (an etcd error included), else down. */
  private startProbe(m: Member, deadline: number, delayMs: number): void {
    m.state = 'probing';
    m.probe = (delayMs > 0 ? sleep(Math.min(delayMs, deadline - Date.now())) : Promise.resolve()).then(() => m.status(deadline)).then(
      () => {
        m.state = 'up';
        m.upSince = Date.now();
      },
      (e: unknown) => {
        const { code, details } = statusOf(e);
        const j = judgeFailure(code, details);
        if (j.memberDown && !/etcdserver:/.test(details)) {
          m.markDown();
          m.lastError = Date.now() >= deadline ? `no answer within ${this.timeoutSeconds()}` : describe(details);
        } else {
          m.state = 'up';
          m.upSince = Date.now();
        }
      },
    ).finally(() => {
      m.probe = null;
    });
  }

  private timeoutSeconds(): string {
    return `${+(this.timeoutMs / 1000).toFixed(3)} s`;
  }

  /** unreachable is the failure of a request no member could take: each member's last error. */
  private unreachable(deadline: number): EtcdCallError {
    const late = Date.now() >= deadline;
    const each = this.members.map((m) => {
      const why = m.lastError || (m.state === 'probing' || late ? `no answer within ${this.timeoutSeconds()}` : 'not tried');
      return this.members.length === 1 ? why : `${m.endpoint.display}: ${why}`;
    });
    return new EtcdCallError('unreachable', each.join('; '));
  }

  /** adopt records a socket gRPC opened for this cluster (the net.client.socket channel, inside owner.run). */
  adopt(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  /**
   * close closes every channel. grpc-js does not end a connection whose TLS handshake never
   * finished (a member that accepts and never answers), which would keep the process alive:
   * a socket of ours that never received a byte is destroyed, the others are let go (unref)
   * so that they close in their own time without holding the process.
   */
  close(): void {
    this.closed = true;
    for (const m of this.members) m.close();
    for (const s of this.sockets) {
      if (s.bytesRead === 0) s.destroy();
      else s.unref();
    }
    this.sockets.clear();
  }
}

/** openEtcdMembers loads the gRPC library and prepares a channel per endpoint; nothing is sent yet. */
export async function openEtcdMembers(endpoints: readonly Endpoint[], opts: MembersOptions): Promise<EtcdMembers> {
  return new EtcdMembers(await loadApi(), endpoints, opts);
}
