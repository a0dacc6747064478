import { formatAddr, parseAddr, unmap } from '../net/addr.js';
import { parsePrefix } from '../net/prefix.js';
import { DEFAULT_NAT_SETTINGS, type NatOutgoingExclusions, type NatSettings, type PoolSetName } from '../nat/model.js';
import { formatPort, portFromJson, portFromString } from './port.js';
import { FELIX_GLOBAL_NAME, FELIX_NODE_PREFIX, type FelixConfiguration } from './types.js';

/**
 * Felix's NAT settings as Felix itself resolves them (felix/config/config_params.go, v3.31.7):
 * each FelixConfiguration field becomes a config key (libcalico-go updateprocessors
 * configurationprocessor.go: nil and "" are "not set", other values stringified, an annotation
 * `config.projectcalico.org/<Name>` replacing the field); a node's `node.<name>` resource is
 * the DatastorePerHost source and `default` the DatastoreGlobal one; the highest source that
 * sets a key wins, its value parsed by Felix's parameter type. A value Felix cannot parse
 * gives the parameter's default (not the lower source's value), and "none" gives its zero
 * value. poolctl's flags are a source above both (Felix's environment variables are, on a node).
 */

/** NatSettingName names a Felix setting that changes outgoing NAT. */
export type NatSettingName =
  | 'natOutgoingAddress'
  | 'natOutgoingExclusions'
  | 'natPortRange'
  | 'iptablesNATOutgoingInterfaceFilter'
  | 'featureDetectOverride'
  | 'externalNodesList'
  | 'bpfEnabled'
  | 'nftablesMode';

/** SettingOrigin says where a setting's value came from. */
export type SettingOrigin =
  | { readonly kind: 'default' }
  | { readonly kind: 'felix'; readonly resource: string; readonly annotation?: string }
  | { readonly kind: 'flag'; readonly flag: string };

/** SettingValue is a resolved setting: the value Felix uses, where it came from, and the text it was read from. */
export interface SettingValue<T> {
  readonly value: T;
  readonly origin: SettingOrigin;
  /** raw is the config text read (absent for a default). */
  readonly raw?: string;
  /** invalid is Felix's parse error when the raw text was refused and the default used instead. */
  readonly invalid?: string;
}

/** PortRange is NATPortRange once parsed: no range is undefined. */
export interface PortRange {
  readonly min: number;
  readonly max: number;
}

/** FelixNatSettings are the NAT-relevant Felix settings of one node, each with its origin. */
export interface FelixNatSettings {
  /** node is the node the settings are for (its node.<node> resource was consulted). */
  readonly node: string;
  readonly natOutgoingAddress: SettingValue<string | undefined>;
  readonly natOutgoingExclusions: SettingValue<NatOutgoingExclusions>;
  readonly natPortRange: SettingValue<PortRange | undefined>;
  readonly iptablesNATOutgoingInterfaceFilter: SettingValue<string | undefined>;
  /** featureDetectOverride: MASQFullyRandom and SNATFullyRandom, when overridden (Felix's feature detection otherwise). */
  readonly featureDetectOverride: SettingValue<{ readonly masqFullyRandom?: boolean; readonly snatFullyRandom?: boolean }>;
  /** externalNodesList: CIDRs Felix adds to all-hosts-net (IPv4), as canonical CIDRs. */
  readonly externalNodesList: SettingValue<readonly string[]>;
  readonly bpfEnabled: SettingValue<boolean>;
  readonly nftablesMode: SettingValue<'Enabled' | 'Disabled'>;
  /** randomFully is what the NAT rule gets: the flag's value, else the feature the action needs (SNAT or MASQ). */
  readonly randomFully: SettingValue<boolean>;
}

/**
 * SettingOverrides are poolctl's Felix flags (what-if values above every FelixConfiguration),
 * already checked: a value, or null for Felix's "none" (the setting's zero value: unset).
 */
export interface SettingOverrides {
  readonly natOutgoingAddress?: string | null;
  readonly natOutgoingExclusions?: NatOutgoingExclusions;
  readonly natPortRange?: PortRange | null;
  readonly interfaceFilter?: string | null;
  readonly randomFully?: boolean;
}

/** FelixConfigSources are the FelixConfigurations Felix on one node reads: `default` and `node.<node>`. */
export interface FelixConfigSources {
  readonly node: string;
  readonly global?: FelixConfiguration;
  readonly perNode?: FelixConfiguration;
}

/** felixConfigSources picks a node's two FelixConfigurations out of a list (others are ignored, as Felix's syncer does). */
export function felixConfigSources(node: string, configs: readonly FelixConfiguration[]): FelixConfigSources {
  const global = configs.find((c) => c.metadata.name === FELIX_GLOBAL_NAME);
  const perNode = configs.find((c) => c.metadata.name === `${FELIX_NODE_PREFIX}${node}`);
  return { node, ...(global ? { global } : {}), ...(perNode ? { perNode } : {}) };
}

const ANNOTATION_PREFIX = 'config.projectcalico.org/';

/** Raw is one source's text for a setting: the config text and where it came from. */
interface Raw {
  readonly text: string;
  readonly origin: SettingOrigin;
}

/** v1Text is the config text the update processor makes of a spec value (undefined: not set). */
function v1Text(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (Array.isArray(v)) return v.map((x) => String(x ?? '')).join(',');
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

/**
 * rawOf returns the highest-priority text for a setting among the node's and the cluster's
 * FelixConfiguration (the annotation before the spec field in each), or undefined.
 */
function rawOf(src: FelixConfigSources, json: string, v1name: string, fromSpec: (v: unknown) => string | undefined = v1Text): Raw | undefined {
  for (const fc of [src.perNode, src.global]) {
    if (!fc) continue;
    const annotations = fc.metadata.annotations ?? {};
    const lower = `${ANNOTATION_PREFIX}${v1name}`.toLowerCase();
    const key = Object.keys(annotations).find((k) => k.toLowerCase() === lower);
    if (key !== undefined) return { text: annotations[key]!, origin: { kind: 'felix', resource: fc.metadata.name, annotation: key } };
    const text = fromSpec(fc.spec?.[json]);
    if (text !== undefined) return { text, origin: { kind: 'felix', resource: fc.metadata.name } };
  }
  return undefined;
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * resolveOne gives a setting from its highest source: the parsed value, Felix's zero value for
 * "none", or the default when the text does not parse (with the parse error kept).
 */
function resolveOne<T>(raw: Raw | undefined, dflt: T, zero: T, parse: (s: string) => Parsed<T>): SettingValue<T> {
  if (!raw) return { value: dflt, origin: { kind: 'default' } };
  if (raw.text.toLowerCase() === 'none') return { value: zero, origin: raw.origin, raw: raw.text };
  const p = parse(raw.text);
  if (p.ok) return { value: p.value, origin: raw.origin, raw: raw.text };
  return { value: dflt, origin: raw.origin, raw: raw.text, invalid: p.error };
}

const IFACE_PARAM = /^[a-zA-Z0-9:._+-]{1,15}$/;
const KV_ITEM = /\s*(\w+)=(.*)/;

/** parseIPv4Param is Felix's ipv4 parameter: net.ParseIP with a 4-byte form; the address as Felix prints it. */
function parseIPv4Param(s: string): Parsed<string | undefined> {
  const a = parseAddr(s);
  if (!a.ok) return { ok: false, error: 'invalid IP' };
  const v4 = unmap(a.value);
  return v4.family === 4 ? { ok: true, value: formatAddr(v4) } : { ok: false, error: 'not an IPv4 address' };
}

/** parseOneof is Felix's oneof parameter: case-insensitive, the canonical spelling returned. */
function parseOneof<T extends string>(options: readonly T[]): (s: string) => Parsed<T> {
  return (s) => {
    const o = options.find((x) => x.toLowerCase() === s.toLowerCase());
    return o ? { ok: true, value: o } : { ok: false, error: 'unknown option' };
  };
}

/** parseBool is Felix's bool parameter. */
function parseBool(s: string): Parsed<boolean> {
  const l = s.toLowerCase();
  if (['true', '1', 'yes', 'y', 't'].includes(l)) return { ok: true, value: true };
  if (['false', '0', 'no', 'n', 'f'].includes(l)) return { ok: true, value: false };
  return { ok: false, error: 'invalid boolean' };
}

/** parseGoBool is strconv.ParseBool (feature-detection overrides). */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** parseFeatureOverride is Felix's keyvaluelist parameter, reduced to the two NAT features (unparsable values ignored, as Felix does). */
function parseFeatureOverride(s: string): Parsed<{ masqFullyRandom?: boolean; snatFullyRandom?: boolean }> {
  const out: { masqFullyRandom?: boolean; snatFullyRandom?: boolean } = {};
  if (s.trim() === '') return { ok: true, value: out };
  const bad: string[] = [];
  for (const item of s.split(',')) {
    if (item === '') continue;
    const m = KV_ITEM.exec(item);
    if (!m) {
      bad.push(item);
      continue;
    }
    const b = parseGoBool(m[2]!);
    if (m[1] === 'MASQFullyRandom' && b !== undefined) out.masqFullyRandom = b;
    if (m[1] === 'SNATFullyRandom' && b !== undefined) out.snatFullyRandom = b;
  }
  return bad.length > 0 ? { ok: false, error: `invalid items [${bad.join(' ')}]` } : { ok: true, value: out };
}

/** parseCidrList is Felix's cidr-list parameter: CIDRs or addresses, canonical networks. */
function parseCidrList(s: string): Parsed<readonly string[]> {
  const out: string[] = [];
  for (const item of s.split(',')) {
    const v = item.trim();
    if (v === '') continue;
    const p = parsePrefix(v.includes('/') ? v : `${v}/${v.includes(':') ? 128 : 32}`);
    if (!p.ok) return { ok: false, error: `invalid CIDR or IP ${v}` };
    const { prefix } = p.value;
    out.push(`${formatAddr({ family: prefix.family, value: prefix.value })}/${prefix.bits}`);
  }
  return { ok: true, value: out };
}

/** parsePortRangeParam is Felix's portrange parameter: a port or MIN:MAX; a named port is refused. */
function parsePortRangeParam(s: string): Parsed<PortRange | undefined> {
  const p = portFromString(s);
  if (!p.ok) return { ok: false, error: `${s} is not a valid port range` };
  if (p.port.portName !== '') return { ok: false, error: `${s} has port name set` };
  // MaxPort 0 (the zero value) means no range: Felix renders ports only when MaxPort > 0
  return { ok: true, value: p.port.maxPort > 0 ? { min: p.port.minPort, max: p.port.maxPort } : undefined };
}

/** portText is the config text of a spec natPortRange (Port.String()). */
function portText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const p = portFromJson(v);
  return p.ok ? formatPort(p.port) : String(v);
}

function flag<T>(value: T, name: string): SettingValue<T> {
  return { value, origin: { kind: 'flag', flag: name } };
}

/**
 * resolveFelixNatSettings resolves the NAT settings Felix on `sources.node` uses, from its
 * FelixConfigurations and poolctl's flags (overrides), each with its origin.
 */
export function resolveFelixNatSettings(sources: FelixConfigSources, overrides: SettingOverrides = {}): FelixNatSettings {
  const raw = (json: string, v1name: string, fromSpec?: (v: unknown) => string | undefined): Raw | undefined => rawOf(sources, json, v1name, fromSpec);
  const natOutgoingAddress =
    overrides.natOutgoingAddress !== undefined
      ? flag(overrides.natOutgoingAddress ?? undefined, '--nat-outgoing-address')
      : resolveOne<string | undefined>(raw('natOutgoingAddress', 'NATOutgoingAddress'), undefined, undefined, parseIPv4Param);
  const natOutgoingExclusions =
    overrides.natOutgoingExclusions !== undefined
      ? flag(overrides.natOutgoingExclusions, '--nat-outgoing-exclusions')
      : resolveOne<NatOutgoingExclusions>(raw('natOutgoingExclusions', 'NATOutgoingExclusions'), 'IPPoolsOnly', 'IPPoolsOnly', parseOneof(['IPPoolsOnly', 'IPPoolsAndHostIPs'] as const));
  const natPortRange =
    overrides.natPortRange !== undefined
      ? flag(overrides.natPortRange ?? undefined, '--nat-port-range')
      : resolveOne<PortRange | undefined>(raw('natPortRange', 'NATPortRange', portText), undefined, undefined, parsePortRangeParam);
  const iptablesNATOutgoingInterfaceFilter =
    overrides.interfaceFilter !== undefined
      ? flag(overrides.interfaceFilter ?? undefined, '--nat-outgoing-interface-filter')
      : resolveOne<string | undefined>(raw('iptablesNATOutgoingInterfaceFilter', 'IptablesNATOutgoingInterfaceFilter'), undefined, undefined, (s) =>
          IFACE_PARAM.test(s) ? { ok: true, value: s } : { ok: false, error: 'invalid Linux interface parameter' },
        );
  const featureDetectOverride = resolveOne(raw('featureDetectOverride', 'FeatureDetectOverride'), {}, {}, parseFeatureOverride);
  const externalNodesList = resolveOne<readonly string[]>(raw('externalNodesList', 'ExternalNodesCIDRList'), [], [], parseCidrList);
  const bpfEnabled = resolveOne(raw('bpfEnabled', 'BPFEnabled'), false, false, parseBool);
  const nftablesMode = resolveOne<'Enabled' | 'Disabled'>(raw('nftablesMode', 'NFTablesMode'), 'Disabled', 'Disabled', parseOneof(['Enabled', 'Disabled'] as const));
  let randomFully: SettingValue<boolean>;
  if (overrides.randomFully !== undefined) {
    randomFully = flag(overrides.randomFully, '--random-fully');
  } else {
    // SNAT rules use SNATFullyRandom, MASQUERADE rules MASQFullyRandom (felix/rules/nat.go)
    const snat = natOutgoingAddress.value !== undefined;
    const o = snat ? featureDetectOverride.value.snatFullyRandom : featureDetectOverride.value.masqFullyRandom;
    randomFully = o === undefined ? { value: DEFAULT_NAT_SETTINGS.randomFully, origin: { kind: 'default' } } : { value: o, origin: featureDetectOverride.origin, ...(featureDetectOverride.raw !== undefined ? { raw: featureDetectOverride.raw } : {}) };
  }
  return {
    node: sources.node,
    natOutgoingAddress,
    natOutgoingExclusions,
    natPortRange,
    iptablesNATOutgoingInterfaceFilter,
    featureDetectOverride,
    externalNodesList,
    bpfEnabled,
    nftablesMode,
    randomFully,
  };
}

/**
 * toNatSettings gives the NatSettings the model is built from: the resolved Felix settings,
 * the pool-set name (a Calico version, not a setting) and the host IPs: node addresses from
 * --host-ip plus Felix's externalNodesList.
 */
export function toNatSettings(f: FelixNatSettings, extra: { readonly poolSetName?: PoolSetName; readonly hostIPs?: readonly string[] } = {}): NatSettings {
  const s = f.natOutgoingAddress.value;
  const ports = f.natPortRange.value;
  const iface = f.iptablesNATOutgoingInterfaceFilter.value;
  return {
    poolSetName: extra.poolSetName ?? DEFAULT_NAT_SETTINGS.poolSetName,
    natOutgoingExclusions: f.natOutgoingExclusions.value,
    // Felix adds ExternalNodesCIDRList to the IPv4 all-hosts-net only (ipset_hosts_mgr.go)
    hostIPs: [...(extra.hostIPs ?? []), ...f.externalNodesList.value.filter((c) => !c.includes(':'))],
    randomFully: f.randomFully.value,
    ...(s !== undefined ? { natOutgoingAddress: s } : {}),
    ...(ports ? { natPortRange: ports } : {}),
    ...(iface !== undefined ? { interfaceFilter: iface } : {}),
  };
}

/** formatOrigin says where a setting came from, for people: "FelixConfiguration node.worker-1", "--nat-port-range", "Felix's default". */
export function formatOrigin(o: SettingOrigin): string {
  switch (o.kind) {
    case 'default':
      return "Felix's default";
    case 'flag':
      return o.flag;
    case 'felix':
      return o.annotation ? `FelixConfiguration ${o.resource} (annotation ${o.annotation})` : `FelixConfiguration ${o.resource}`;
  }
}

/** FelixBackend is the NAT backend a node's Felix settings choose, and why (for people). */
export interface FelixBackend {
  readonly backend: 'iptables' | 'nftables';
  readonly why: string;
}

/**
 * felixBackend is the dataplane Felix v3.31.7 programs NAT with, chosen by nftablesMode
 * (felix/dataplane/driver.go: nftables when NFTablesMode is "Enabled", else iptables; the
 * parameter is oneof(Enabled,Disabled) with default Disabled in felix/config/config_params.go,
 * so the API's "Auto" is refused by Felix and gives Disabled, and "none" gives Disabled too).
 * undefined when no FelixConfiguration sets it: poolctl then detects the backend from the host
 * (its `auto`, a poolctl decision for hosts that run no Felix).
 */
export function felixBackend(f: FelixNatSettings): FelixBackend | undefined {
  const m = f.nftablesMode;
  if (m.origin.kind === 'default') return undefined;
  const backend = m.value === 'Enabled' ? 'nftables' : 'iptables';
  const from = `from ${formatOrigin(m.origin)}`;
  const why = m.invalid
    ? `nftablesMode ${JSON.stringify(m.raw)} ${from} is refused by Felix v3.31.7 (${m.invalid}), which uses its default Disabled`
    : `nftablesMode ${m.raw ?? m.value} ${from}`;
  return { backend, why };
}
