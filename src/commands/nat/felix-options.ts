import type { FelixSettingsInput } from '../../nat/settings.js';
import type { OptionArgs, OptionSpecs } from '../command.js';

/**
 * FELIX_OPTIONS are the Felix settings that change NAT (spec/cli.md, spec/nat.md §7), declared
 * once for nat explain, render, apply and status. Each flag given overrides that one setting
 * above the FelixConfigurations (`default`, then `node.<node>`); felixSettingsOf gathers them
 * for the NAT workflows, which resolve and check them (nat/settings.ts).
 */
export const FELIX_OPTIONS = {
  'nat-outgoing-address': {
    type: 'string',
    describe: "Felix's NATOutgoingAddress: SNAT to this IPv4 address instead of MASQUERADE (IPv4 only)",
  },
  'nat-outgoing-exclusions': {
    type: 'string',
    choices: ['IPPoolsOnly', 'IPPoolsAndHostIPs'],
    describe: "Felix's NATOutgoingExclusions: IPPoolsAndHostIPs also keeps traffic to host IPs (--host-ip) un-NATed (default: from the FelixConfigurations, else IPPoolsOnly)",
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
    describe: "--random-fully on MASQUERADE/SNAT, as Felix does when iptables and the kernel support it (default: featureDetectOverride's MASQFullyRandom/SNATFullyRandom, else true; --random-fully false: without)",
  },
  node: {
    type: 'string',
    describe: "the node whose FelixConfiguration node.<node> applies above default (default: this host's name as Felix finds it: FELIX_FELIXHOSTNAME, NODENAME, else the hostname)",
  },
  'pool-set-name': {
    type: 'string',
    choices: ['network-ip-pools', 'all-ipam-pools'],
    default: 'network-ip-pools',
    describe: "the all-pools set's name: network-ip-pools (Calico >= 3.31.6 / 3.32.1) or all-ipam-pools (older; keeps LoadBalancer-only pools)",
  },
} as const satisfies OptionSpecs;

/** FelixArgs are the parsed FELIX_OPTIONS (camel-cased by the argument parser). */
export type FelixArgs = Partial<OptionArgs<typeof FELIX_OPTIONS>>;

/** felixSettingsOf gathers the Felix flags as the NAT workflows take them (unchecked). */
export function felixSettingsOf(args: FelixArgs): FelixSettingsInput {
  return {
    ...(args.natOutgoingAddress !== undefined ? { natOutgoingAddress: args.natOutgoingAddress } : {}),
    ...(args.natOutgoingExclusions !== undefined ? { natOutgoingExclusions: args.natOutgoingExclusions } : {}),
    ...(args.hostIp !== undefined ? { hostIPs: args.hostIp } : {}),
    ...(args.natPortRange !== undefined ? { natPortRange: args.natPortRange } : {}),
    ...(args.natOutgoingInterfaceFilter !== undefined ? { interfaceFilter: args.natOutgoingInterfaceFilter } : {}),
    ...(args.randomFully !== undefined ? { randomFully: args.randomFully } : {}),
    ...(args.poolSetName !== undefined ? { poolSetName: args.poolSetName } : {}),
    ...(args.node !== undefined ? { node: args.node } : {}),
  };
}
