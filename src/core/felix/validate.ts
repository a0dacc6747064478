import { goValueText } from '../ippool/calico-error.js';
import type { Diagnostic, DiagnosticCode } from '../ippool/diagnostic.js';
import { validateObjectMeta } from '../ippool/meta.js';
import { escapePointerSegment } from '../json-pointer.js';
import { parseAddr, unmap } from '../net/addr.js';
import { parsePrefix } from '../net/prefix.js';
import { parseGoDuration } from './duration.js';
import { felixSpecFields, type FelixField, type FelixType } from './field-types.js';
import { portFromJson, type Port } from './port.js';
import type { FelixConfiguration } from './types.js';

/**
 * validateFelixConfiguration is libcalico-go's validator.Validate for a FelixConfiguration
 * (libcalico-go/lib/validator/v3/validator.go, v3.31.7), which clientv3's
 * felixConfigurations.Create/Update run after their defaults: the metadata rules, then every
 * spec field's `validate` tag in declaration order (descending into structs and, with `dive`,
 * into slice elements, where numorstring.Port and the range structs have their own rules),
 * then validateFelixConfigSpec's cross-field rules. Texts are Calico's; `field` and `value`
 * are the ErroredField's (a Go field name and the value as Go's %v prints it), so
 * calicoErrorText prints them as calicoctl does.
 *
 * The value must have been decoded (decodeFelixConfiguration): types are right, so a tag
 * only judges values.
 */
export function validateFelixConfiguration(fc: FelixConfiguration): Diagnostic[] {
  const out = validateObjectMeta(fc.metadata);
  const spec = fc.spec ?? {};
  const v = new Validator(out);
  for (const f of felixSpecFields()) v.field(spec[f.json], f, `/spec/${escapePointerSegment(f.json)}`);
  felixConfigSpecRules(spec, out);
  return out;
}

// Regular expressions of validator.go (the Go RE2 ones that JavaScript reads the same way).
const IFACE_FILTER = /^[a-zA-Z0-9:._+-]{1,15}$/;
const INTERFACE = /^[a-zA-Z0-9_.-]{1,15}$/;
const PROMETHEUS_HOST = /^[a-zA-Z0-9:._+-]{1,64}$/;
const LOG_LEVEL = /^(Trace|Debug|Info|Warning|Error|Fatal)$/;
const BPF_LOG_LEVEL = /^(Debug|Info|Off)$/;
const BPF_SERVICE_MODE = /^(Tunnel|DSR)$/;
const DROP_ACCEPT_RETURN = /^(Drop|Accept|Return)$/;
const ACCEPT_RETURN = /^(Accept|Return)$/;
const DROP_REJECT = /^(Drop|Reject)$/;
const KV_ITEM = /^\s*(\w+)=(.*)$/;
const HTO_NAME = /^[a-zA-Z0-9_ -]+$/;

/** ENUM_TAGS are the tags that test a value against a fixed list (ENUM_INVALID); other tags give FIELD_INVALID. */
const ENUM_TAGS = new Set(['oneof', 'logLevel', 'bpfLogLevel', 'bpfServiceMode', 'dropAcceptReturn', 'acceptReturn', 'dropReject', 'iptablesBackend']);

/**
 * isGoRegexp reports whether Go's regexp.Compile would accept s, approximated by JavaScript's
 * parser with the constructs RE2 lacks refused (backreferences, lookaround).
 */
function isGoRegexp(s: string): boolean {
  if (/\\[1-9]|\(\?[=!<]/.test(s)) return false;
  try {
    new RegExp(s.replace(/^\(\?i\)/, ''), 'u');
    return true;
  } catch {
    try {
      new RegExp(s.replace(/^\(\?i\)/, ''));
      return true;
    } catch {
      return false;
    }
  }
}

/** isCIDROrIP is cnet.ParseCIDROrIP's success: a CIDR (host bits allowed) or a bare address. */
function isCIDROrIP(s: string): boolean {
  return s.includes('/') ? parsePrefix(s).ok : parseAddr(s).ok;
}

/** isCalicoIPv4 is Calico's "valid IPv4 address": net.ParseIP with a 4-byte form (an IPv4-mapped IPv6 address counts). */
export function isCalicoIPv4(s: string): boolean {
  const a = parseAddr(s);
  return a.ok && unmap(a.value).family === 4;
}

/** isValidPortName is k8s validation.IsValidPortName: 1-15 of [a-z0-9-], a letter, no leading, trailing or double hyphen. */
function isValidPortName(s: string): boolean {
  return s.length >= 1 && s.length <= 15 && /^[a-z0-9-]+$/.test(s) && /[a-z]/.test(s) && !s.startsWith('-') && !s.endsWith('-') && !s.includes('--');
}

/** numberTag compares a number against a gte/gt/lte/lt tag's parameter. */
function numberTag(tag: string, param: string, n: number): boolean {
  const p = Number(param);
  switch (tag) {
    case 'gte':
      return n >= p;
    case 'gt':
      return n > p;
    case 'lte':
      return n <= p;
    case 'lt':
      return n < p;
  }
  return true;
}

/** Validator walks a decoded value as go-playground's validator.v9 walks the Go value. */
class Validator {
  constructor(private readonly out: Diagnostic[]) {}

  private tagError(code: DiagnosticCode, path: string, goName: string, tag: string, value: unknown): void {
    this.out.push({
      code,
      severity: 'error',
      message: `Reason: failed to validate Field: ${goName} because of Tag: ${tag} `,
      path,
      field: goName,
      value: goValueText(value),
    });
  }

  /** structError records a struct-level rule's failure (its reason verbatim). */
  structError(path: string, field: string, reason: string, value: unknown): void {
    this.out.push({ code: 'FIELD_INVALID', severity: 'error', message: reason, path, field, value: goValueText(value) });
  }

  /** field validates one field's value (undefined or null: a nil pointer or zero value) with its tags, then descends. */
  field(value: unknown, f: FelixField, path: string): void {
    if (value === undefined || value === null) return; // nil pointer (or a zero value omitempty skips)
    const t = f.type;
    for (let i = 0; i < f.tags.length; i++) {
      const tag = f.tags[i]!;
      if (tag === 'omitempty') {
        if (!t.pointer && isZero(value, t)) return;
        continue;
      }
      if (tag === 'dive') {
        if (Array.isArray(value)) value.forEach((x, k) => this.element(x, t.kind === 'slice' ? t.elem : t, `${path}/${k}`, f.tags.slice(i + 1)));
        return;
      }
      const eq = tag.indexOf('=');
      const name = eq < 0 ? tag : tag.slice(0, eq);
      if (!this.tag(name, eq < 0 ? '' : tag.slice(eq + 1), value)) {
        this.tagError(ENUM_TAGS.has(name) ? 'ENUM_INVALID' : 'FIELD_INVALID', path, f.goName, name, value);
        return;
      }
    }
    this.descend(value, t, path);
  }

  /** element validates one slice element after `dive`: the remaining tags, then its own rules. */
  private element(value: unknown, t: FelixType, path: string, tags: readonly string[]): void {
    if (value === undefined || value === null) return;
    for (const tag of tags) {
      const eq = tag.indexOf('=');
      const name = eq < 0 ? tag : tag.slice(0, eq);
      if (!this.tag(name, eq < 0 ? '' : tag.slice(eq + 1), value)) return;
    }
    this.descend(value, t, path);
  }

  /** descend runs the rules of the value's own type: numorstring.Port's, a struct's fields and struct-level rules. */
  private descend(value: unknown, t: FelixType, path: string): void {
    if (t.kind === 'port') {
      const p = portFromJson(value);
      if (p.ok) this.port(p.port, path);
      return;
    }
    if (t.kind !== 'struct' || typeof value !== 'object' || value === null) return;
    const o = value as Record<string, unknown>;
    for (const f of t.fields) this.field(o[f.json], f, `${path}/${escapePointerSegment(f.json)}`);
    structRules(t.name, o, path, this);
  }

  /** port is numorstring.Port's portName tag and validatePort. */
  private port(p: Port, path: string): void {
    if (p.portName !== '' && !isValidPortName(p.portName)) {
      this.tagError('FIELD_INVALID', path, 'PortName', 'portName', p.portName);
    }
    if (p.minPort > p.maxPort) this.structError(path, 'Port', 'port range invalid', p.maxPort);
    if (p.portName !== '') {
      if (p.minPort !== 0 || p.maxPort !== 0) this.structError(path, 'Port', 'named port invalid, if name is specified, min and max should be 0', p.portName);
    } else if (p.minPort < 1) {
      this.structError(path, 'Port', 'port range invalid, port number must be between 1 and 65535', p.minPort);
    } else if (p.maxPort < 1) {
      this.structError(path, 'Port', 'port range invalid, port number must be between 1 and 65535', p.maxPort);
    }
  }

  /** tag reports whether a value passes one validator tag (Calico's registered validators and the built-in ones used). */
  private tag(name: string, param: string, v: unknown): boolean {
    const s = typeof v === 'string' ? v : '';
    switch (name) {
      case 'oneof':
        return param.split(' ').includes(goValueText(v));
      case 'gte':
      case 'gt':
      case 'lte':
      case 'lt':
        return typeof v !== 'number' || numberTag(name, param, v);
      case 'ifaceFilter':
        return IFACE_FILTER.test(s);
      case 'ifaceFilterSlice':
        return Array.isArray(v) && v.every((x) => IFACE_FILTER.test(String(x ?? '')));
      case 'interface':
        return s === '*' || INTERFACE.test(s);
      case 'keyValueList':
        return s.trim() === '' || s.split(',').every((item) => item === '' || KV_ITEM.test(item));
      case 'logLevel':
        return LOG_LEVEL.test(s);
      case 'bpfLogLevel':
        return BPF_LOG_LEVEL.test(s);
      case 'bpfServiceMode':
        return BPF_SERVICE_MODE.test(s);
      case 'dropAcceptReturn':
        return DROP_ACCEPT_RETURN.test(s);
      case 'acceptReturn':
        return ACCEPT_RETURN.test(s);
      case 'dropReject':
        return DROP_REJECT.test(s);
      case 'iptablesBackend':
        return ['', 'Auto', 'NFT', 'Legacy'].includes(s);
      case 'prometheusHost':
        return PROMETHEUS_HOST.test(s);
      case 'regexp':
      case 'routeSource': // validator.go checks routeSource as a regular expression too
        return isGoRegexp(s);
      case 'cidrs':
        // also tagged on an int (bpfExportBufferSizeMB), where Go's type assertion would panic; poolctl lets it pass
        return !Array.isArray(v) || v.every((x) => isCIDROrIP(String(x ?? '')));
      case 'bpfLogFilters':
        return typeof v === 'object' && v !== null && Object.keys(v).every((k) => INTERFACE.test(k));
      default:
        return true;
    }
  }
}

/** isZero is Go's zero-value test for a decoded value of a non-pointer type (omitempty on a plain field). */
function isZero(v: unknown, t: FelixType): boolean {
  if (t.kind === 'slice' || t.kind === 'map') return Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0;
  return v === '' || v === 0 || v === false;
}

/** goStructText is Go's %v of a small struct: its field values in order, in braces. */
function goStructText(values: readonly unknown[]): string {
  return `{${values.map(goValueText).join(' ')}}`;
}

/** structRules runs the struct-level rules validator.go registers for the spec's nested structs. */
function structRules(name: string, o: Record<string, unknown>, path: string, v: Validator): void {
  switch (name) {
    case 'v3.RouteTableRange': {
      const min = Number(o.min ?? 0);
      const max = Number(o.max ?? 0);
      if (!(min >= 1 && max >= min && max <= 250)) {
        v.structError(path, 'RouteTableRange', 'must be a range of route table indices within 1..250', goStructText([min, max]));
      }
      return;
    }
    case 'v3.RouteTableIDRange': {
      const min = Number(o.min ?? 0);
      const max = Number(o.max ?? 0);
      const text = goStructText([min, max]);
      if (min > max) v.structError(path, 'RouteTableRange', 'min value cannot be greater than max value', text);
      if (min <= 0) v.structError(path, 'RouteTableRange', 'cannot target indices < 1', text);
      if (max > 0xffffffff) v.structError(path, 'RouteTableRange', 'max index too high', text);
      return;
    }
    case 'v3.HealthTimeoutOverride': {
      const name = String(o.name ?? '');
      const d = typeof o.timeout === 'string' ? parseGoDuration(o.timeout) : null;
      const text = goStructText([name, o.timeout ?? '0s']);
      if (!HTO_NAME.test(name)) v.structError(path, 'HealthTimeoutOverride.Name', `name should match regex ${HTO_NAME.source}`, text);
      if (d?.ok && d.ns < 0n) v.structError(path, 'HealthTimeoutOverride.Timeout', 'Timeout should not be negative', text);
      return;
    }
  }
}

/** DNS1123_LABEL_MAX is k8svalidation.DNS1123LabelMaxLength. */
const DNS1123_LABEL_MAX = 63;
const OPENSTACK_REGION_PREFIX = 'openstack-region-';

/** felixConfigSpecRules is validateFelixConfigSpec: the spec's cross-field and address rules, in Calico's order. */
function felixConfigSpecRules(spec: Record<string, unknown>, out: Diagnostic[]): void {
  const err = (path: string, field: string, message: string, value: unknown): void => {
    out.push({ code: 'FIELD_INVALID', severity: 'error', message, path, field, value: goValueText(value) });
  };
  const ports = spec.kubeNodePortRanges;
  if (Array.isArray(ports)) {
    if (ports.length > 7) err('/spec/kubeNodePortRanges', 'KubeNodePortRanges', 'node port ranges list is too long (max 7)', ports);
    for (const p of ports) {
      const r = portFromJson(p);
      if (r.ok && r.port.portName !== '') err('/spec/kubeNodePortRanges', 'KubeNodePortRanges', 'node port ranges should not contain named ports', ports);
    }
  }
  const external = spec.externalNodesList;
  if (Array.isArray(external)) {
    external.forEach((c, i) => {
      const s = String(c ?? '');
      const path = `/spec/externalNodesList/${i}`;
      const p = s.includes('/') ? parsePrefix(s) : null;
      const a = p ? null : parseAddr(s);
      if ((p && !p.ok) || (a && !a.ok)) err(path, 'ExternalNodesCIDRList', 'has invalid CIDR(s)', s);
      else if ((p?.ok ? p.value.addr.family : a?.ok ? unmap(a.value).family : 4) !== 4) err(path, 'ExternalNodesCIDRList', 'has invalid IPv6 CIDR', s);
    });
  }
  const region = typeof spec.openstackRegion === 'string' ? spec.openstackRegion : '';
  if (region.length > DNS1123_LABEL_MAX - OPENSTACK_REGION_PREFIX.length) {
    err('/spec/openstackRegion', 'OpenstackRegion', 'is too long', region);
  } else if (region.length > 0 && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(region)) {
    err('/spec/openstackRegion', 'OpenstackRegion', 'must be a valid DNS label', region);
  }
  const address = (field: string, goField: string, family: 4 | 6): void => {
    const s = spec[field];
    if (typeof s !== 'string' || s === '') return;
    const a = parseAddr(s);
    const ok = a.ok && (family === 4 ? unmap(a.value).family === 4 : unmap(a.value).family === 6);
    if (!ok) err(`/spec/${field}`, goField, `is not a valid IPv${family} address`, s);
  };
  address('natOutgoingAddress', 'NATOutgoingAddress', 4);
  address('deviceRouteSourceAddress', 'DeviceRouteSourceAddress', 4);
  address('deviceRouteSourceAddressIPv6', 'DeviceRouteSourceAddressIPv6', 6);
  const ranges = spec.routeTableRanges;
  if (spec.routeTableRange != null && ranges != null) {
    err('/spec/routeTableRange', 'RouteTableRange', 'cannot be set when `RouteTableRanges` is also set', goStructText([(spec.routeTableRange as { min?: number }).min ?? 0, (spec.routeTableRange as { max?: number }).max ?? 0]));
  }
  if (Array.isArray(ranges)) {
    let n = 0;
    for (const r of ranges as { min?: number; max?: number }[]) n += (r?.max ?? 0) - (r?.min ?? 0) + 1;
    if (n > 0xffff) err('/spec/routeTableRanges', 'RouteTableRanges', 'targets too many tables', ranges);
  }
}
