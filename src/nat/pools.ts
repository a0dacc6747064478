import { visibleMessage } from '../base/terminal-text.js';
import type { Context } from '../base/context.js';
import { PoolctlError } from '../base/errors.js';
import { buildNatModel, checkIPPoolSchema, fromCrd, parsePrefix, type Diagnostic, type Family, type IPPool, type NatModel, type NatPool, type NatSettings } from '../core/index.js';
import { natPoolOf } from '../datastore/nat-pool.js';
import type { LoadedResource } from '../manifest/load.js';

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
  /** warnings are printed on stderr, each ending with a newline (positions and source lines included). */
  readonly warnings: string[];
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
 * name, the later wins, as `apply -f` would leave it. Files without any IPPool are NO_RESOURCES.
 */
export async function loadNatPools(source: PoolSource, ctx: Context): Promise<NatPools> {
  if (source.files.length === 0) {
    const { openDatastore } = await import('../datastore/index.js');
    const ds = await openDatastore(ctx);
    try {
      return { pools: await ds.natPools(), warnings: [] };
    } finally {
      await ds.close();
    }
  }
  // The manifest reader only for -f: the datastore path does without it.
  const [{ bounded, loadManifests, positioned }, { formatDiagnostic }] = await Promise.all([
    import('../manifest/load.js'),
    import('../output/diagnostics/text.js'),
  ]);
  const load = await loadManifests([...source.files], { recursive: source.recursive, stdin: () => ctx.io.stdin, cwd: ctx.cwd });
  const errors: Diagnostic[] = load.diagnostics.filter((d) => d.severity === 'error');
  const notices: Diagnostic[] = load.diagnostics.filter((d) => d.severity !== 'error');
  const byName = new Map<string, { pool: NatPool; res: LoadedResource }>();
  for (const res of load.resources) {
    const at = (d: Diagnostic): Diagnostic => positioned(res, d);
    const schema = checkIPPoolSchema(res.value);
    const found = schema.diagnostics.map((d) => (d.code === 'FIELD_UNKNOWN' ? { ...d, severity: 'warning' as const } : d));
    for (const d of bounded(res, found)) (d.severity === 'error' ? errors : notices).push(d);
    notices.push(...(res.diagnostics ?? []));
    if (!schema.decodable) continue;
    // The pool as calicoctl decodes it (fields in any case, the kubectl form read as Calico reads it).
    const value = res.form === 'crd' ? fromCrd(schema.value as Record<string, unknown>).value : schema.value;
    const pool = natPoolOf(value as IPPool);
    if (pool.name === '') {
      errors.push(at({ code: 'FIELD_REQUIRED', severity: 'error', message: 'IPPool has no metadata.name', path: '/metadata/name' }));
      continue;
    }
    const cidr = pool.cidr === '' ? null : parsePrefix(pool.cidr);
    if (!cidr || !cidr.ok) {
      errors.push(
        at({
          code: cidr ? 'CIDR_INVALID' : 'CIDR_REQUIRED',
          severity: 'error',
          message: cidr ? `IPPool(${pool.name}) CIDR: ${cidr.error.message}` : `IPPool(${pool.name}) has no spec.cidr`,
          path: '/spec/cidr',
        }),
      );
      continue;
    }
    const earlier = byName.get(pool.name);
    if (earlier) {
      const o = earlier.res.origin;
      notices.push(
        at({
          code: 'DUPLICATE_NAME',
          severity: 'warning',
          message: `IPPool(${pool.name}) is also defined at ${o.file}:${o.line}:${o.column}; this later one is used, as apply -f would leave it`,
          path: '/metadata/name',
        }),
      );
      byName.delete(pool.name);
    }
    byName.set(pool.name, { pool, res });
  }
  const text = (ds: readonly Diagnostic[]): string[] => ds.map((d) => formatDiagnostic(d, { sourceLine: load.sourceLine }));
  if (errors.length > 0) {
    throw new PoolctlError('INPUT_INVALID', text(errors).join('').trimEnd());
  }
  if (load.resources.length === 0) {
    throw new PoolctlError('NO_RESOURCES', `no IPPool in ${source.files.join(', ')}`);
  }
  return { pools: [...byName.values()].map((e) => e.pool), warnings: text(notices) };
}

/** MAX_WARNINGS caps the model warnings printed (a big overlapping input can have thousands). */
const MAX_WARNINGS = 20;

/**
 * natModelOf builds the NAT model of the pools for the families, printing its warnings on
 * stderr (at most MAX_WARNINGS), or throws its refusal: NAT_ADDRESS_IPV6 when the settings
 * cannot apply to the pools (IPv6 with --nat-outgoing-address; `hint` says what to do), else
 * NAT_MODEL.
 */
export async function natModelOf(
  pools: readonly NatPool[],
  settings: NatSettings,
  families: readonly Family[],
  ctx: Pick<Context, 'io'>,
  hint?: string,
): Promise<NatModel> {
  const r = buildNatModel(pools, settings, { families });
  if (!r.ok) {
    if (r.error.kind === 'nat-address-ipv6') throw new PoolctlError('NAT_ADDRESS_IPV6', r.error.message, hint ? { hint } : {});
    throw new PoolctlError('NAT_MODEL', r.error.message);
  }
  const warnings = r.value.warnings;
  for (const w of warnings.slice(0, MAX_WARNINGS)) ctx.io.stderr.write(`warning: ${visibleMessage(w)}\n`);
  if (warnings.length > MAX_WARNINGS) ctx.io.stderr.write(`warning: ... and ${warnings.length - MAX_WARNINGS} more warnings about the pools\n`);
  return r.value;
}
