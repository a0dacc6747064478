import { usageError } from '../base/errors.js';
import {
  felixConfigSources,
  formatAddr,
  parseAddr,
  parseHostIP,
  resolveFelixNatSettings,
  toNatSettings,
  type FelixConfiguration,
  type FelixNatSettings,
  type NatOutgoingExclusions,
  type NatSettings,
  type PoolSetName,
  type SettingOverrides,
} from '../core/index.js';

// The Felix settings that change NAT, resolved as Felix resolves them: loaded by the NAT
// workflows only, so that declaring the flags (commands/nat/felix-options.ts) costs no core
// at start-up. resolveNatSettings is pure: nat explain/render/apply/status, the nat agent and
// nat diff call it with the FelixConfigurations they read (store or -f) and the flags.

/**
 * FelixSettingsInput are Felix's NAT settings as given, unchecked (strings as typed; absent
 * means Felix's default). The NAT commands fill it from their flags; parseNatSettings checks it.
 */
export interface FelixSettingsInput {
  /** natOutgoingAddress is Felix's NATOutgoingAddress. */
  readonly natOutgoingAddress?: string;
  /** natOutgoingExclusions is Felix's NATOutgoingExclusions: IPPoolsOnly or IPPoolsAndHostIPs. */
  readonly natOutgoingExclusions?: string;
  /** hostIPs are the all-hosts-net members: node addresses or IPv4 CIDRs. */
  readonly hostIPs?: readonly string[];
  /** natPortRange is Felix's NATPortRange "MIN:MAX". */
  readonly natPortRange?: string;
  /** interfaceFilter is Felix's IptablesNATOutgoingInterfaceFilter. */
  readonly interfaceFilter?: string;
  /** randomFully is whether MASQUERADE/SNAT get --random-fully. */
  readonly randomFully?: boolean;
  /** poolSetName is the all-pools set's ID: network-ip-pools or all-ipam-pools. */
  readonly poolSetName?: string;
  /** node is the node whose `node.<node>` FelixConfiguration applies (absent: this host's, host/felix-node.ts). */
  readonly node?: string;
}

/** SettingNames name the settings in messages, as the user gave them. */
export type SettingNames = Readonly<Record<'natOutgoingAddress' | 'hostIPs' | 'natPortRange' | 'interfaceFilter', string>>;

/** FLAG_NAMES name the settings by the NAT commands' flags. */
export const FLAG_NAMES: SettingNames = {
  natOutgoingAddress: '--nat-outgoing-address',
  hostIPs: '--host-ip',
  natPortRange: '--nat-port-range',
  interfaceFilter: '--nat-outgoing-interface-filter',
};

/** IFACE_PARAM is Felix's iface-param pattern for IptablesNATOutgoingInterfaceFilter (felix/config/config_params.go). */
const IFACE_PARAM = /^[a-zA-Z0-9:._+-]{1,15}$/;

/** parsePortRange parses Felix's NATPortRange "MIN:MAX" (or a single port), 1 <= MIN <= MAX <= 65535. */
function parsePortRange(s: string): { min: number; max: number } | null {
  const m = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(s);
  if (!m) return null;
  const min = Number(m[1]);
  const max = Number(m[2] ?? m[1]);
  return min >= 1 && min <= max && max <= 65535 ? { min, max } : null;
}

/**
 * parseOverrides checks the Felix flags given and returns them as overrides above every
 * FelixConfiguration, or throws a usage error naming the setting (by `names`, the flags by
 * default) for a bad value: an address that is not IPv4, a host IP that is neither an address
 * nor an IPv4 CIDR, a malformed port range or interface name.
 */
function parseOverrides(input: FelixSettingsInput, names: SettingNames): SettingOverrides {
  let natOutgoingAddress: string | undefined;
  if (input.natOutgoingAddress !== undefined) {
    const a = parseAddr(input.natOutgoingAddress);
    if (!a.ok) throw usageError(`${names.natOutgoingAddress}: ${a.error.message}`);
    if (a.value.family !== 4) {
      throw usageError(
        `${names.natOutgoingAddress} ${input.natOutgoingAddress}: Felix's NATOutgoingAddress is an IPv4 address`,
        'it applies to the IPv4 chain; IPv6 traffic is always masqueraded',
      );
    }
    natOutgoingAddress = formatAddr(a.value);
  }
  for (const h of input.hostIPs ?? []) {
    const r = parseHostIP(h);
    if (!r.ok) throw usageError(`${names.hostIPs} ${h}: ${r.error}`);
  }
  let natPortRange: { min: number; max: number } | undefined;
  if (input.natPortRange !== undefined) {
    const r = parsePortRange(input.natPortRange);
    if (!r) throw usageError(`${names.natPortRange} ${input.natPortRange}: expected MIN:MAX with 1 <= MIN <= MAX <= 65535`);
    natPortRange = r;
  }
  const iface = input.interfaceFilter;
  if (iface !== undefined && !IFACE_PARAM.test(iface)) {
    throw usageError(
      `${names.interfaceFilter} ${iface}: not an interface name (1-15 of a-z A-Z 0-9 : . _ + -; "+" at the end is a wildcard)`,
    );
  }
  const exclusions = input.natOutgoingExclusions;
  return {
    ...(natOutgoingAddress !== undefined ? { natOutgoingAddress } : {}),
    ...(exclusions !== undefined ? { natOutgoingExclusions: (exclusions === 'IPPoolsAndHostIPs' ? exclusions : 'IPPoolsOnly') as NatOutgoingExclusions } : {}),
    ...(natPortRange ? { natPortRange } : {}),
    ...(iface !== undefined ? { interfaceFilter: iface } : {}),
    ...(input.randomFully !== undefined ? { randomFully: input.randomFully } : {}),
  };
}

/** NatSettingsSources are what resolveNatSettings takes: the node, the FelixConfigurations read, and the flags. */
export interface NatSettingsSources {
  /** node is the node whose `node.<node>` FelixConfiguration applies. */
  readonly node: string;
  /** configs are the FelixConfigurations at hand (others than `default` and `node.<node>` are ignored, as by Felix). */
  readonly configs: readonly FelixConfiguration[];
  /** flags are poolctl's Felix flags, unchecked; a flag given overrides that one setting (what-if). */
  readonly flags: FelixSettingsInput;
}

/** ResolvedNatSettings are the NatSettings the model is built from and each Felix setting with its origin. */
export interface ResolvedNatSettings {
  readonly settings: NatSettings;
  readonly felix: FelixNatSettings;
}

/**
 * resolveNatSettings resolves the NAT settings of one node as Felix does (pure, no I/O): the
 * `default` FelixConfiguration, then `node.<node>` above it, then each flag given above both
 * (core/felix/nat-settings.ts has Felix's rules: annotations, "none", unparsable values). The
 * host IPs and the pool-set name come from the flags only. Throws a usage error for a bad flag
 * value (named by `names`, the flags by default).
 */
export function resolveNatSettings(src: NatSettingsSources, names: SettingNames = FLAG_NAMES): ResolvedNatSettings {
  const felix = resolveFelixNatSettings(felixConfigSources(src.node, src.configs), parseOverrides(src.flags, names));
  const settings = toNatSettings(felix, {
    ...(src.flags.poolSetName !== undefined ? { poolSetName: src.flags.poolSetName as PoolSetName } : {}),
    hostIPs: src.flags.hostIPs ?? [],
  });
  return { settings, felix };
}

/**
 * parseNatSettings returns the NatSettings the flags describe with no FelixConfiguration
 * (Felix's defaults below them), or throws a usage error naming the setting.
 */
export function parseNatSettings(input: FelixSettingsInput, names: SettingNames = FLAG_NAMES): NatSettings {
  return resolveNatSettings({ node: '', configs: [], flags: input }, names).settings;
}
