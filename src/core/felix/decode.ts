import type { Diagnostic } from '../ippool/diagnostic.js';
import { API_VERSION } from '../ippool/types.js';
import { escapePointerSegment } from '../json-pointer.js';
import { parseGoDuration } from './duration.js';
import { felixSpecFields, type FelixField, type FelixType } from './field-types.js';
import { portFromJson } from './port.js';
import { KIND_FELIX_CONFIGURATION, type FelixConfiguration } from './types.js';
import { validateFelixConfiguration } from './validate.js';

/**
 * decodeFelixConfiguration decodes a document into a v3.FelixConfiguration as calicoctl does
 * (go-yaml-wrapper, then projectcalico/go-json into the Go struct, api/pkg/apis/projectcalico/v3/
 * felixconfig.go): a key matches a field by its JSON name ignoring case (of several keys for one
 * field the last in sorted order wins, the others are unknown); a number or boolean in a string
 * field becomes its text; null leaves a field unset; an unknown field is
 * `field in document is not recognized or is in the wrong location: <key>` (FIELD_UNKNOWN); a
 * value of the wrong type `cannot parse <kind> '<value>' into field <Struct>.<field> of type
 * <Type>` (TYPE_MISMATCH); a duration Go's time.ParseDuration refuses `time: invalid duration
 * "<s>"`. The resource returned has the fields under their JSON names, in the input's order.
 */
export function decodeFelixConfiguration(doc: unknown): { readonly resource: FelixConfiguration; readonly diagnostics: Diagnostic[] } {
  const d = new Decoder();
  const o = isRecord(doc) ? doc : {};
  if (!isRecord(doc)) d.out.push({ code: 'INPUT_INVALID', severity: 'error', message: 'a FelixConfiguration must be a mapping (apiVersion, kind, metadata, spec)', path: '' });
  const top = d.fields(o, '', ['apiVersion', 'kind', 'metadata', 'spec']);
  const metadata = isRecord(top.metadata) ? d.metadata(top.metadata) : {};
  const spec = isRecord(top.spec) ? d.struct(top.spec, felixSpecFields(), '/spec', 'FelixConfigurationSpec') : {};
  if (top.spec !== undefined && top.spec !== null && !isRecord(top.spec)) d.mismatch(top.spec, '/spec', 'FelixConfiguration.spec', 'v3.FelixConfigurationSpec');
  const resource: FelixConfiguration = {
    apiVersion: typeof top.apiVersion === 'string' ? top.apiVersion : '',
    kind: typeof top.kind === 'string' ? top.kind : '',
    metadata: metadata as unknown as FelixConfiguration['metadata'],
    spec,
  };
  return { resource, diagnostics: d.out };
}

/** FelixCheck is a judged FelixConfiguration: decoded, and valid when no diagnostic is an error. */
export interface FelixCheck {
  readonly resource: FelixConfiguration;
  readonly diagnostics: Diagnostic[];
  readonly valid: boolean;
}

/**
 * checkFelixConfiguration judges a FelixConfiguration document as calicoctl and clientv3 do on a
 * write: strict decoding, the apiVersion and kind, clientv3's defaults (setFelixDefaults), then
 * (when it decoded) libcalico-go's validator (validateFelixConfiguration).
 */
export function checkFelixConfiguration(doc: unknown): FelixCheck {
  const { resource, diagnostics } = decodeFelixConfiguration(doc);
  if (resource.apiVersion !== API_VERSION || resource.kind !== KIND_FELIX_CONFIGURATION) {
    diagnostics.push({
      code: 'KIND_UNKNOWN',
      severity: 'error',
      message: `unknown resource type (${resource.kind}) and/or version (${resource.apiVersion})`,
      path: '/apiVersion',
    });
  }
  const defaulted: FelixConfiguration = { ...resource, spec: setFelixDefaults(resource.spec) };
  if (!diagnostics.some((x) => x.code === 'TYPE_MISMATCH' || x.code === 'INPUT_INVALID')) diagnostics.push(...validateFelixConfiguration(defaulted));
  return { resource: defaulted, diagnostics, valid: !diagnostics.some((x) => x.severity === 'error') };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** META_FIELDS are metav1.ObjectMeta's JSON fields and Go types (k8s.io/apimachinery/pkg/apis/meta/v1/types.go). */
const META_FIELDS: Readonly<Record<string, string>> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'types.UID',
  resourceVersion: 'string',
  generation: 'int64',
  creationTimestamp: 'Time',
  deletionTimestamp: 'Time',
  deletionGracePeriodSeconds: 'int64',
  labels: 'map[string]string',
  annotations: 'map[string]string',
  ownerReferences: '[]OwnerReference',
  finalizers: '[]string',
  managedFields: '[]ManagedFieldsEntry',
};

/** Decoder collects diagnostics while it decodes. */
class Decoder {
  readonly out: Diagnostic[] = [];

  unknown(key: string, path: string): void {
    this.out.push({ code: 'FIELD_UNKNOWN', severity: 'error', message: `field in document is not recognized or is in the wrong location: ${key}`, path: `${path}/${escapePointerSegment(key)}` });
  }

  mismatch(v: unknown, path: string, field: string, type: string): void {
    const kind = jsonKind(v);
    const shown = kind === 'object' || kind === 'array' ? kind : `${kind} '${String(v)}'`;
    this.out.push({ code: 'TYPE_MISMATCH', severity: 'error', message: `cannot parse ${shown} into field ${field} of type ${type}`, path });
  }

  /**
   * fields matches an object's keys to field names as go-json does (exact, else ignoring case;
   * the last sorted key of a field wins), reports the other keys as unknown, and returns the
   * values by field name.
   */
  fields(o: Record<string, unknown>, path: string, names: readonly string[]): Record<string, unknown> {
    const byFold = new Map(names.map((n) => [n.toLowerCase(), n]));
    const chosen = new Map<string, string>();
    for (const key of Object.keys(o).sort()) {
      const name = names.includes(key) ? key : byFold.get(key.toLowerCase());
      if (name === undefined) continue;
      const prev = chosen.get(name);
      if (prev === name && key !== name) continue; // the exact key wins over a folded one
      chosen.set(name, key);
    }
    const nameOf = new Map([...chosen].map(([name, key]) => [key, name]));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(o)) {
      const name = nameOf.get(key);
      if (name === undefined) this.unknown(key, path);
      else out[name] = o[key];
    }
    return out;
  }

  /** metadata decodes ObjectMeta: the fields calicoctl knows, strings and string maps checked. */
  metadata(m: Record<string, unknown>): Record<string, unknown> {
    const f = this.fields(m, '/metadata', Object.keys(META_FIELDS));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(f)) {
      if (v === null || v === undefined) continue;
      const type = META_FIELDS[k]!;
      const path = `/metadata/${k}`;
      if (type === 'map[string]string') {
        if (!isRecord(v)) {
          this.mismatch(v, path, `ObjectMeta.${k}`, type);
          continue;
        }
        const map: Record<string, string> = {};
        for (const [mk, mv] of Object.entries(v)) {
          if (typeof mv === 'string' || typeof mv === 'number' || typeof mv === 'boolean') map[mk] = String(mv);
          else this.mismatch(mv, `${path}/${escapePointerSegment(mk)}`, `ObjectMeta.${k}`, 'string');
        }
        out[k] = map;
      } else if (type === 'string' || type === 'types.UID' || type === 'Time') {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
        else this.mismatch(v, path, `ObjectMeta.${k}`, type);
      } else {
        out[k] = v;
      }
    }
    return out;
  }

  /** struct decodes a Go struct's JSON object with its fields. */
  struct(o: Record<string, unknown>, fields: readonly FelixField[], path: string, structName: string): Record<string, unknown> {
    const byName = new Map(fields.map((f) => [f.json, f]));
    const values = this.fields(o, path, fields.map((f) => f.json));
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(values)) {
      const f = byName.get(name)!;
      const r = this.value(v, f.type, `${path}/${escapePointerSegment(name)}`, `${structName}.${name}`);
      if (r !== undefined) out[name] = r;
    }
    return out;
  }

  /** value decodes one value of a Go type; undefined when it is unset (null) or refused. */
  value(v: unknown, t: FelixType, path: string, field: string): unknown {
    if (v === null || v === undefined) return undefined;
    const bad = (): undefined => {
      this.mismatch(v, path, field, t.name);
      return undefined;
    };
    switch (t.kind) {
      case 'string':
        return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : bad();
      case 'bool':
        return typeof v === 'boolean' ? v : bad();
      case 'int':
      case 'uint16':
      case 'uint32': {
        if (typeof v !== 'number' || !Number.isInteger(v)) return bad();
        const max = t.kind === 'uint16' ? 0xffff : t.kind === 'uint32' ? 0xffffffff : Number.MAX_SAFE_INTEGER;
        const min = t.kind === 'int' ? Number.MIN_SAFE_INTEGER : 0;
        return v >= min && v <= max ? v : bad();
      }
      case 'duration': {
        if (typeof v !== 'string') return bad();
        const p = parseGoDuration(v);
        if (!p.ok) {
          this.out.push({ code: 'TYPE_MISMATCH', severity: 'error', message: p.error, path });
          return undefined;
        }
        return v;
      }
      case 'port': {
        if (typeof v !== 'string' && typeof v !== 'number') return bad();
        const p = portFromJson(v);
        if (!p.ok) {
          this.out.push({ code: 'TYPE_MISMATCH', severity: 'error', message: p.error, path });
          return undefined;
        }
        return v;
      }
      case 'map': {
        if (!isRecord(v)) return bad();
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
          const r = this.value(x, t.elem, `${path}/${escapePointerSegment(k)}`, field);
          if (r !== undefined) out[k] = r;
        }
        return out;
      }
      case 'slice': {
        if (!Array.isArray(v)) return bad();
        return v.map((x, i) => this.value(x, t.elem, `${path}/${i}`, field) ?? null);
      }
      case 'struct': {
        if (!isRecord(v)) return bad();
        return this.struct(v, t.fields, path, t.name.replace(/^v3\./, ''));
      }
    }
  }
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
