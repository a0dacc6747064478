import { usageError } from '../../cli/cli-error.js';
import type { NatSettings, PoolSetName } from '../../core/index.js';
import type { OptionSpec } from '../command.js';

/**
 * FELIX_OPTIONS are the Felix settings that change NAT (spec/cli.md, spec/nat.md §7), declared
 * once for nat explain, render, apply and status. settingsFromArgs turns them into NatSettings.
 */
export const FELIX_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'nat-outgoing-address': {
    type: 'string',
    describe: "Felix's NATOutgoingAddress: SNAT to this IPv4 address instead of MASQUERADE (IPv4 only)",
  },
  'nat-outgoing-exclusions': {
    type: 'string',
    choices: ['IPPoolsOnly', 'IPPoolsAndHostIPs'],
    default: 'IPPoolsOnly',
    describe: "Felix's NATOutgoingExclusions: IPPoolsAndHostIPs also keeps traffic to host IPs (--host-ip) un-NATed",
  },
  'host-ip': {
    type: 'string',
    array: true,
    describe: 'a node address for all-hosts-net, or an IPv4 CIDR (as ExternalNodesCIDRList); repeatable',
  },
  'nat-port-range': {
    type: 'string',
    describe: "Felix's NATPortRange MIN:MAX: tcp and udp get --to-ports MIN-MAX",
  },
  'nat-outgoing-interface-filter': {
    type: 'string',
    describe: "Felix's IptablesNATOutgoingInterfaceFilter: NAT only on egress interfaces matching it (eth0, eth+)",
  },
  'random-fully': {
    type: 'boolean',
    default: true,
    describe: '--random-fully on MASQUERADE/SNAT, as Felix does when iptables and the kernel support it (--random-fully false: without)',
  },
  'pool-set-name': {
    type: 'string',
    choices: ['network-ip-pools', 'all-ipam-pools'],
    default: 'network-ip-pools',
    describe: "the all-pools set's name: network-ip-pools (Calico >= 3.31.6 / 3.32.1) or all-ipam-pools (older; keeps LoadBalancer-only pools)",
  },
};

/** FelixArgs are the parsed FELIX_OPTIONS (camel-cased by the argument parser). */
export interface FelixArgs {
  readonly natOutgoingAddress?: string;
  readonly natOutgoingExclusions?: string;
  readonly hostIp?: readonly string[];
  readonly natPortRange?: string;
  readonly natOutgoingInterfaceFilter?: string;
  readonly randomFully?: boolean;
  readonly poolSetName?: string;
}

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
export async function settingsFromArgs(args: FelixArgs): Promise<NatSettings> {
  const { DEFAULT_NAT_SETTINGS, formatAddr, parseAddr, parseHostIP } = await import('../../core/index.js');
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
