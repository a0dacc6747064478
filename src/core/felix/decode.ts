import type { Diagnostic } from '../ippool/diagnostic.js';
import type { GoType } from '../ippool/go-json.js';
import { sourcePaths } from '../ippool/ippool.js';
import { checkSchema } from '../ippool/schema.js';
import { API_VERSION } from '../ippool/types.js';
import { felixConfigurationType } from './schema.js';
import { KIND_FELIX_CONFIGURATION, type FelixConfiguration } from './types.js';
import { validateFelixConfiguration } from './validate.js';

/** FelixDecode is a decoded FelixConfiguration: the resource, the decoder's findings, and where fields written in other case are. */
export interface FelixDecode {
  readonly resource: FelixConfiguration;
  readonly diagnostics: Diagnostic[];
  /** decodable: no type error (the validator may run). */
  readonly decodable: boolean;
  /** renamed maps a canonical pointer to the document's (a field matched ignoring case). */
  readonly renamed: ReadonlyMap<string, string>;
}

/**
 * decodeFelixConfiguration decodes a document into a v3.FelixConfiguration as calicoctl does,
 * with the loader's one Go decoder (checkSchema, ippool/go-json.ts decodeGo; the Go types in
 * schema.ts), exactly as an IPPool is decoded: a key matches a field by its JSON name ignoring
 * case (of several keys for one field the last in sorted order wins, the others are unknown);
 * a number or boolean in a string field becomes its text; null leaves a field unset; an
 * unknown field is `field in document is not recognized or is in the wrong location: <key>`
 * (FIELD_UNKNOWN, with a "did you mean" hint); a value of the wrong type `cannot parse <kind>
 * '<value>' into field <Struct>.<field> of type <Type>` (TYPE_MISMATCH); a duration Go's
 * time.ParseDuration refuses `time: invalid duration "<s>"`. The resource has the fields under
 * their JSON names.
 */
export function decodeFelixConfiguration(doc: unknown): FelixDecode {
  if (!isRecord(doc)) {
    return {
      resource: { apiVersion: '', kind: '', metadata: {} as FelixConfiguration['metadata'], spec: {} },
      diagnostics: [{ code: 'INPUT_INVALID', severity: 'error', message: 'a FelixConfiguration must be a mapping (apiVersion, kind, metadata, spec)', path: '' }],
      decodable: false,
      renamed: new Map(),
    };
  }
  const type = felixConfigurationType();
  const r = checkSchema(doc, type);
  const top = withoutNulls(r.value, type) as Record<string, unknown>;
  const resource: FelixConfiguration = {
    apiVersion: typeof top.apiVersion === 'string' ? top.apiVersion : '',
    kind: typeof top.kind === 'string' ? top.kind : '',
    metadata: (isRecord(top.metadata) ? top.metadata : {}) as unknown as FelixConfiguration['metadata'],
    spec: isRecord(top.spec) ? top.spec : {},
  };
  return { resource, diagnostics: [...r.diagnostics], decodable: r.decodable, renamed: r.renamed };
}

/**
 * withoutNulls is a decoded value as Go holds it: a struct field decoded from null is unset
 * (nil, or the zero value that omitempty drops), so it is left out; the value itself when no
 * struct in it holds a null.
 */
function withoutNulls(v: unknown, t: GoType): unknown {
  if (t.kind === 'struct' && isRecord(v)) {
    let out: Record<string, unknown> | null = null;
    for (const k of Object.keys(v)) {
      const f = t.exact.get(k);
      const x = v[k];
      const y = x === null ? undefined : f ? withoutNulls(x, f.type) : x;
      if (y !== x) {
        out ??= { ...v };
        if (y === undefined) delete out[k];
        else out[k] = y;
      }
    }
    return out ?? v;
  }
  if (t.kind === 'slice' && Array.isArray(v) && t.elem!.kind === 'struct') {
    const out = v.map((x) => withoutNulls(x, t.elem!));
    return out.some((x, i) => x !== v[i]) ? out : v;
  }
  return v;
}

/** FelixCheck is a judged FelixConfiguration: decoded, and valid when no diagnostic is an error. */
export interface FelixCheck {
  readonly resource: FelixConfiguration;
  readonly diagnostics: Diagnostic[];
  readonly valid: boolean;
}

/**
 * FelixCheckContext is what a FelixConfiguration is judged against: for a create, the names of
 * the FelixConfigurations accepted from earlier documents of the same input (a second one of
 * a name fails with DUPLICATE_NAME, as a second IPPool of a name does).
 */
export interface FelixCheckContext {
  readonly earlier?: ReadonlySet<string>;
}

/**
 * checkFelixConfiguration judges a FelixConfiguration document as calicoctl and clientv3 do on a
 * write: strict decoding, the apiVersion and kind, clientv3's defaults (setFelixDefaults), then
 * (when it decoded) libcalico-go's validator (validateFelixConfiguration), whose findings are
 * placed where the document writes the field (in any case); for a create, a name an earlier
 * document took is DUPLICATE_NAME (ctx).
 */
export function checkFelixConfiguration(doc: unknown, ctx: FelixCheckContext = {}): FelixCheck {
  const { resource, diagnostics, decodable, renamed } = decodeFelixConfiguration(doc);
  if (isRecord(doc) && (resource.apiVersion !== API_VERSION || resource.kind !== KIND_FELIX_CONFIGURATION)) {
    diagnostics.push({
      code: 'KIND_UNKNOWN',
      severity: 'error',
      message: `unknown resource type (${resource.kind}) and/or version (${resource.apiVersion})`,
      path: '/apiVersion',
    });
  }
  const defaulted: FelixConfiguration = { ...resource, spec: setFelixDefaults(resource.spec) };
  if (decodable && isRecord(doc)) diagnostics.push(...sourcePaths(validateFelixConfiguration(defaulted), renamed));
  const failed = diagnostics.some((x) => x.severity === 'error');
  const name = resource.metadata.name;
  if (!failed && typeof name === 'string' && ctx.earlier?.has(name)) {
    diagnostics.push({
      code: 'DUPLICATE_NAME',
      severity: 'error',
      message: `resource already exists: ${KIND_FELIX_CONFIGURATION}(${name})`,
      path: '/metadata/name',
      hint: `an earlier document defines a ${KIND_FELIX_CONFIGURATION} of the same name`,
    });
    return { resource: defaulted, diagnostics, valid: false };
  }
  return { resource: defaulted, diagnostics, valid: !failed };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * setFelixDefaults returns the spec with clientv3's defaults for a FelixConfiguration
 * (libcalico-go/lib/clientv3/felixconfig.go setDefaults, v3.31.7): floatingIPs Disabled,
 * bpfConnectTimeLoadBalancing TCP and bpfHostNetworkedNATWithoutCTLB Enabled when unset; a
 * set bpfConnectTimeLoadBalancingEnabled makes bpfHostNetworkedNATWithoutCTLB Disabled and
 * bpfConnectTimeLoadBalancing Enabled or Disabled after it.
 */
export function setFelixDefaults(spec: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...spec };
  out.floatingIPs ??= 'Disabled';
  out.bpfConnectTimeLoadBalancing ??= 'TCP';
  out.bpfHostNetworkedNATWithoutCTLB ??= 'Enabled';
  const enabled = out.bpfConnectTimeLoadBalancingEnabled;
  if (typeof enabled === 'boolean') {
    out.bpfHostNetworkedNATWithoutCTLB = 'Disabled';
    out.bpfConnectTimeLoadBalancing = enabled ? 'Enabled' : 'Disabled';
  }
  return out;
}
