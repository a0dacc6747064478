import { usageError } from '../base/errors.js';
import { DEFAULT_NAT_SETTINGS, formatAddr, parseAddr, parseHostIP, type NatSettings, type PoolSetName } from '../core/index.js';
import type { FelixArgs } from '../commands/nat/felix-options.js';

// The Felix flags' values, checked: loaded by the NAT commands' run functions only, so that
// declaring the flags (felix-options.ts) costs no core at start-up.

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
 * settingsFromArgs returns the NatSettings the Felix flags describe, or throws a usage error
 * (exit 2) naming the flag for a bad value: an address that is not IPv4, a host IP that is
 * neither an address nor an IPv4 CIDR, a malformed port range or interface name.
 */
export function settingsFromArgs(args: FelixArgs): NatSettings {
  let natOutgoingAddress: string | undefined;
  if (args.natOutgoingAddress !== undefined) {
    const a = parseAddr(args.natOutgoingAddress);
    if (!a.ok) throw usageError(`--nat-outgoing-address: ${a.error.message}`);
    if (a.value.family !== 4) {
      throw usageError(
        `--nat-outgoing-address ${args.natOutgoingAddress}: Felix's NATOutgoingAddress is an IPv4 address`,
        'it applies to the IPv4 chain; IPv6 traffic is always masqueraded',
      );
    }
    natOutgoingAddress = formatAddr(a.value);
  }
  const hostIPs = [...(args.hostIp ?? [])];
  for (const h of hostIPs) {
    const r = parseHostIP(h);
    if (!r.ok) throw usageError(`--host-ip ${h}: ${r.error}`);
  }
  let natPortRange: { min: number; max: number } | undefined;
  if (args.natPortRange !== undefined) {
    const r = parsePortRange(args.natPortRange);
    if (!r) throw usageError(`--nat-port-range ${args.natPortRange}: expected MIN:MAX with 1 <= MIN <= MAX <= 65535`);
    natPortRange = r;
  }
  const iface = args.natOutgoingInterfaceFilter;
  if (iface !== undefined && !IFACE_PARAM.test(iface)) {
    throw usageError(
      `--nat-outgoing-interface-filter ${iface}: not an interface name (1-15 of a-z A-Z 0-9 : . _ + -; "+" at the end is a wildcard)`,
    );
  }
  return {
    ...DEFAULT_NAT_SETTINGS,
    poolSetName: (args.poolSetName as PoolSetName | undefined) ?? DEFAULT_NAT_SETTINGS.poolSetName,
    natOutgoingExclusions:
      args.natOutgoingExclusions === 'IPPoolsAndHostIPs' ? 'IPPoolsAndHostIPs' : DEFAULT_NAT_SETTINGS.natOutgoingExclusions,
    hostIPs,
    randomFully: args.randomFully ?? DEFAULT_NAT_SETTINGS.randomFully,
    ...(natOutgoingAddress !== undefined ? { natOutgoingAddress } : {}),
    ...(natPortRange ? { natPortRange } : {}),
    ...(iface !== undefined ? { interfaceFilter: iface } : {}),
  };
}
