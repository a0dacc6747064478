import type { ReadScratch } from '../base/read-bounded.js';
import { visibleMessage } from '../base/terminal-text.js';
import type { Context } from '../base/context.js';
import { PoolctlError } from '../base/errors.js';
import {
  buildNatModel,
  checkIPPoolSchema,
  type CidrParses,
  decodeFelixConfiguration,
  FELIX_CONFIGURATION_KIND,
  fromCrd,
  kindByName,
  parsePrefix,
  type Diagnostic,
  type Family,
  type FelixConfiguration,
  type IPPool,
  type NatModel,
  type NatPool,
  type NatSettings,
} from '../core/index.js';
import { natPoolOf } from '../datastore/nat-pool.js';
import { felixNodeName } from '../host/felix-node.js';
import type { LoadedResource, MemoDocuments } from '../manifest/load.js';
import { KeptPools, PoolMemo, type Kept } from './kept-pools.js';
import { resolveNatSettings, type FelixSettingsInput, type ResolvedNatSettings } from './settings.js';

/** PoolSource says where the NAT workflows take the pools from: the files (- for stdin), else the datastore. */
export interface PoolSource {
  /** files are manifests, directories or - (stdin); none means the datastore. */
  readonly files: readonly string[];
  /** recursive descends into subdirectories of directories in files. */
  readonly recursive: boolean;
}

/** NatPools are the pools the NAT commands work on and what to tell the user about the input. */
export interface NatPools {
  readonly pools: NatPool[];
  /** felixConfigs are the FelixConfigurations of the same source (the store's, or the files'), for resolveNatSettings. */
  readonly felixConfigs: FelixConfiguration[];
  /** warnings are printed on stderr, each ending with a newline (positions and source lines included). */
  readonly warnings: string[];
  /**
   * resource returns the manifests' IPPool of a name (the one used), for pointing at a pool's
   * lines; absent for the datastore. A lookup, not a second map of every pool: building one
   * cost a 10,000-pool input ~10% of its load.
   */
  readonly resource?: (name: string) => LoadedResource | undefined;
}

/**
 * LoadPoolsOptions: allowEmpty accepts files without any IPPool (nat diff: a state with no
 * pools); positions keeps each pool's resource for NatPools.resource (nat diff's github and
 * JSON reports point at pools' lines). Without it, each parsed document is dropped as soon as
 * its pool is read: holding 10,000 parsed documents costs a large input ~30% of its load in
 * garbage collection.
 */
export interface LoadPoolsOptions {
  readonly allowEmpty?: boolean;
  readonly positions?: boolean;
  /**
   * memo holds the pools of the first load that used it by their documents' text (see PoolMemo):
   * nat diff passes one memo to the loads of both its states. With a memo, documents of the pool shape
   * (manifest/pool-shape.ts) are read from their text in one pass.
   */
  readonly memo?: PoolMemo;
  /** scratch is the buffer files are read into (ReadScratch): nat diff's two states share one, so the second file is read into memory already touched. */
  readonly scratch?: ReadScratch;
}

export { PoolMemo } from './kept-pools.js';

/** newPoolMemo returns an empty PoolMemo. */
export function newPoolMemo(): PoolMemo {
  return new PoolMemo();
}

/** duplicateName is the warning at a later resource whose name was already defined at `earlier` (file:line:column). */
function duplicateName(kind: string, name: string, earlier: string): Diagnostic {
  return {
    code: 'DUPLICATE_NAME',
    severity: 'warning',
    message: `${kind}(${name}) is also defined at ${earlier}; this later one is used, as apply -f would leave it`,
    path: '/metadata/name',
  };
}

/**
 * loadNatPools returns the pools for nat explain / render / apply / status: from the files
 * through the shared manifest loader, else from the datastore (Datastore.natPools). Pools are taken as Felix
 * would receive them, so Calico's create-time refusals (overlaps, size, host bits) are left to
 * the NAT model's warnings. Input errors stop the command (INPUT_INVALID): unreadable inputs,
 * syntax errors, documents that are not resources or that calicoctl cannot load, wrong value
 * types (Calico could not decode the pool), a missing name, and a CIDR that does not parse,
 * each with file:line:col. Pools in the kubectl form are read as Calico reads them. Unknown
 * fields, skipped kinds and the YAML reading's warnings are warnings; of two pools with one
 * name, the later wins, as `apply -f` would leave it. Files without any IPPool are NO_RESOURCES
 * (unless opts.allowEmpty).
 */
export async function loadNatPools(source: PoolSource, ctx: Context, opts: LoadPoolsOptions = {}): Promise<NatPools> {
  if (source.files.length === 0) {
    const { openDatastore } = await import('../datastore/index.js');
    const ds = await openDatastore(ctx);
    try {
      const [pools, felixConfigs] = await Promise.all([ds.natPools(), ds.resources('felixconfigurations').list()]);
      return { pools, felixConfigs, warnings: [] };
    } finally {
      await ds.close();
    }
  }
  // The manifest reader only for -f: the datastore path does without it.
  const [{ bounded, visitManifests, positioned }, { formatDiagnostic }, { readPoolShape, plainPrefix }] = await Promise.all([
    import('../manifest/load.js'),
    import('../output/diagnostics/text.js'),
    import('../manifest/pool-shape.js'),
  ]);
  // The loader's own diagnostics (in input order) come before the pools' (as loadManifests lists them).
  const loaderDiagnostics: Diagnostic[] = [];
  const poolErrors: Diagnostic[] = [];
  const poolNotices: Diagnostic[] = [];
  const kept = new KeptPools();
  const felixByName = new Map<string, FelixConfiguration>();
  /** felixAt is where each FelixConfiguration name was last defined (for DUPLICATE_NAME). */
  const felixAt = new Map<string, string>();
  let poolCount = 0;
  const memo = opts.memo;
  // The first load to use a memo records its pools in it, slot by slot; a later one looks them up.
  const recording = memo ? memo.claim(kept) : false;
  /** following: a load that does not record has decided whether to follow the recording one's names (KeptPools.follow). */
  let following = false;
  /** found files a resource's decoding findings, bounded per resource: errors, and the rest (unknown fields among them) as warnings. */
  const found = (res: LoadedResource, diagnostics: readonly Diagnostic[]): void => {
    const ds = diagnostics.map((d) => (d.code === 'FIELD_UNKNOWN' ? { ...d, severity: 'warning' as const } : d));
    for (const d of bounded(res, ds)) (d.severity === 'error' ? poolErrors : poolNotices).push(d);
  };
  // Each resource is read as its document is parsed (visitManifests), so no parsed document outlives its pool.
  const resource = (res: LoadedResource): void => {
    const at = (d: Diagnostic): Diagnostic => positioned(res, d);
    if (kindByName(res.kind) === FELIX_CONFIGURATION_KIND) {
      // As Felix receives it: what decodes is used (the later of two with one name); unknown fields are warnings.
      const fc = decodeFelixConfiguration(res.value);
      found(res, fc.diagnostics);
      const name = fc.resource.metadata.name;
      const earlier = felixAt.get(name);
      if (earlier) poolNotices.push(at(duplicateName('FelixConfiguration', name, earlier)));
      felixAt.set(name, `${res.origin.file}:${res.origin.line}:${res.origin.column}`);
      felixByName.set(name, fc.resource);
      return;
    }
    poolCount++;
    const schema = checkIPPoolSchema(res.value);
    // Most pools have nothing to say: skip the copies then (10,000 pools a state for nat diff).
    if (schema.diagnostics.length > 0) found(res, schema.diagnostics);
    if (res.diagnostics) poolNotices.push(...res.diagnostics);
    if (!schema.decodable) return;
    // The pool as calicoctl decodes it (fields in any case, the kubectl form read as Calico reads it).
    const value = res.form === 'crd' ? fromCrd(schema.value as Record<string, unknown>).value : schema.value;
    const pool = natPoolOf(value as IPPool);
    if (pool.name === '') {
      poolErrors.push(at({ code: 'FIELD_REQUIRED', severity: 'error', message: 'IPPool has no metadata.name', path: '/metadata/name' }));
      return;
    }
    const cidr = pool.cidr === '' ? null : parsePrefix(pool.cidr);
    if (!cidr || !cidr.ok) {
      poolErrors.push(
        at({
          code: cidr ? 'CIDR_INVALID' : 'CIDR_REQUIRED',
          severity: 'error',
          message: cidr ? `IPPool(${pool.name}) CIDR: ${cidr.error.message}` : `IPPool(${pool.name}) has no spec.cidr`,
          path: '/spec/cidr',
        }),
      );
      return;
    }
    const o = res.origin;
    // A document read without any finding, cut from a YAML stream: the same text is this pool again.
    const input = recording && schema.diagnostics.length === 0 && !res.diagnostics && res.text !== undefined ? kept.current(o.file) : -1;
    keep(pool, input, o.document - 1, res.index, { origin: { file: o.file, document: o.document, line: o.line, column: o.column }, ...(opts.positions ? { res } : {}) }, res);
  };
  /**
   * keep keeps a pool as the one of its name (KeptPools.add; the later of two wins, with a
   * warning at the later one: `res`, or the resource of the one taken from its text).
   */
  const keep = (pool: NatPool, input: number, k: number, index: number, ref?: Kept, res?: LoadedResource, j = -1): void => {
    const earlier = kept.add(pool, input, k, index, ref, j);
    if (earlier >= 0) {
      const e = kept.settled(earlier).origin;
      poolNotices.push(positioned(res ?? kept.resource(kept.pools.length - 1)!, duplicateName('IPPool', pool.name, `${e.file}:${e.line}:${e.column}`)));
    }
  };
  /**
   * known takes documents from their text alone, from document k of `docs` on (resource
   * `index` on), as long as it can (ManifestVisitor.known): one the memo remembers as its pool,
   * or one of the pool shape (readPoolShape) whose CIDR parses (any other is read the usual
   * way, which reports its problems). Returns how many it took.
   */
  const known = (docs: MemoDocuments, k: number, index: number): number => {
    const text = docs.text;
    const input = kept.inputOf(docs);
    if (!recording && !following) {
      // Names go through the recording load's slots when it is done and its names unique.
      following = true;
      const base = memo!.base();
      if (base) kept.follow(base);
    }
    let n = 0;
    for (; k + n < docs.count; n++) {
      if (!recording) {
        // A run of documents that are the next remembered ones, in order: compared in a few calls.
        const j = memo!.nextSlot;
        const run = memo!.run(docs, k + n);
        for (let t = 0; t < run; t++) keep(memo!.pool(j + t), input, k + n + t, index + n + t, undefined, undefined, j + t);
        poolCount += run;
        n += run;
        if (k + n >= docs.count) break;
      }
      const from = docs.textFrom(k + n);
      const to = docs.textTo(k + n);
      let j = recording ? -1 : memo!.find(text, from, to);
      let pool: NatPool;
      if (j >= 0) pool = memo!.pool(j);
      else {
        const shape = readPoolShape(text, from, to);
        if (!shape) break;
        j = recording ? -1 : memo!.findNamed(shape.name, text, from, to);
        if (j >= 0) pool = memo!.pool(j);
        else {
          pool = natPoolOf({ metadata: { name: shape.name }, spec: shape.spec } as unknown as IPPool);
          if (pool.cidr === '' || !(plainPrefix(pool.cidr) || parsePrefix(pool.cidr).ok)) break;
        }
      }
      poolCount++;
      keep(pool, input, k + n, index + n, undefined, undefined, j);
    }
    return n;
  };
  const where = { recursive: source.recursive, stdin: () => ctx.io.stdin, cwd: ctx.cwd, ...(opts.scratch ? { scratch: opts.scratch } : {}) };
  const load = await visitManifests([...source.files], where, {
    resource,
    other: (r) => loaderDiagnostics.push(...(r.diagnostics ?? [])),
    diagnostic: (d) => loaderDiagnostics.push(d),
    ...(memo ? { known, end: () => recording && memo.seal() } : {}),
  });
  const errors = [...loaderDiagnostics.filter((d) => d.severity === 'error'), ...poolErrors];
  const notices = [...loaderDiagnostics.filter((d) => d.severity !== 'error'), ...poolNotices];
  const text = (ds: readonly Diagnostic[]): string[] => ds.map((d) => formatDiagnostic(d, { sourceLine: load.sourceLine }));
  if (errors.length > 0) {
    throw new PoolctlError('INPUT_INVALID', text(errors).join('').trimEnd());
  }
  if (poolCount === 0 && !opts.allowEmpty) {
    throw new PoolctlError('NO_RESOURCES', `no IPPool in ${source.files.join(', ')}`);
  }
  return {
    pools: kept.list(),
    felixConfigs: [...felixByName.values()],
    warnings: text(notices),
    ...(opts.positions
      ? {
          resource: (name: string) => {
            const slot = kept.slotOf(name);
            return slot === undefined ? undefined : kept.resource(slot);
          },
        }
      : {}),
  };
}

/** MAX_WARNINGS caps the model warnings printed (a big overlapping input can have thousands). */
const MAX_WARNINGS = 20;

/**
 * natModelOf builds the NAT model of the pools for the families, printing its warnings on
 * stderr (at most MAX_WARNINGS), or throws its refusal: NAT_ADDRESS_IPV6 when the settings
 * cannot apply to the pools (IPv6 with --nat-outgoing-address; `hint` says what to do), else
 * NAT_MODEL. parses: CIDR parses shared with the run's other builds (BuildNatModelOptions).
 */
export async function natModelOf(
  pools: readonly NatPool[],
  settings: NatSettings,
  families: readonly Family[],
  ctx: Pick<Context, 'io'>,
  hint?: string,
  parses?: CidrParses,
): Promise<NatModel> {
  const r = buildNatModel(pools, settings, { families, ...(parses ? { parses } : {}) });
  if (!r.ok) {
    if (r.error.kind === 'nat-address-ipv6') throw new PoolctlError('NAT_ADDRESS_IPV6', r.error.message, hint ? { hint } : {});
    throw new PoolctlError('NAT_MODEL', r.error.message);
  }
  const warnings = r.value.warnings;
  for (const w of warnings.slice(0, MAX_WARNINGS)) ctx.io.stderr.write(`warning: ${visibleMessage(w)}\n`);
  if (warnings.length > MAX_WARNINGS) ctx.io.stderr.write(`warning: ... and ${warnings.length - MAX_WARNINGS} more warnings about the pools\n`);
  return r.value;
}

/** NatInputs are the pools and the NAT settings resolved for one node from the same source. */
export interface NatInputs extends NatPools {
  readonly resolved: ResolvedNatSettings;
}

/**
 * loadNatInputs loads the pools and FelixConfigurations (loadNatPools) and resolves the Felix
 * settings for the node (--node, else this host's name as Felix finds it) with the flags above
 * them (resolveNatSettings). When Felix there runs in eBPF mode (bpfEnabled), a warning says
 * the iptables/nftables view does not apply (`what` names it).
 */
export async function loadNatInputs(source: PoolSource, flags: FelixSettingsInput, ctx: Context, what: string): Promise<NatInputs> {
  const loaded = await loadNatPools(source, ctx);
  const resolved = resolveNatSettings({ node: flags.node ?? felixNodeName(ctx.env), configs: loaded.felixConfigs, flags });
  const warnings = [...loaded.warnings];
  const bpf = resolved.felix.bpfEnabled;
  if (bpf.value) warnings.push(`warning: ${bpfText(resolved)}; ${what} shows the iptables/nftables rules Felix would program without it\n`);
  return { ...loaded, warnings, resolved };
}

/** bpfText says that Felix on the node runs in eBPF mode, and why poolctl thinks so. */
export function bpfText(r: ResolvedNatSettings): string {
  const o = r.felix.bpfEnabled.origin;
  const from = o.kind === 'felix' ? `FelixConfiguration ${o.resource}` : o.kind === 'flag' ? o.flag : "Felix's default";
  return `bpfEnabled is true for node ${r.felix.node} (from ${from}): Felix does outgoing NAT in eBPF programs there, and no iptables or nftables NAT rules apply`;
}
