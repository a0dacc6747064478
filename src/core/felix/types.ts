import type { ObjectMeta } from '../ippool/types.js';

/** KIND_FELIX_CONFIGURATION is a FelixConfiguration's kind (api/pkg/apis/projectcalico/v3/felixconfig.go). */
export const KIND_FELIX_CONFIGURATION = 'FelixConfiguration';
/** KIND_FELIX_CONFIGURATION_LIST is the kind of a list of FelixConfigurations. */
export const KIND_FELIX_CONFIGURATION_LIST = 'FelixConfigurationList';

/** FELIX_GLOBAL_NAME is the cluster-wide FelixConfiguration's name; per-node ones are FELIX_NODE_PREFIX + node name. */
export const FELIX_GLOBAL_NAME = 'default';
/** FELIX_NODE_PREFIX starts a per-node FelixConfiguration's name (libcalico-go updateprocessors/configurationprocessor.go). */
export const FELIX_NODE_PREFIX = 'node.';

/**
 * FelixConfigurationSpec is v3.FelixConfigurationSpec as JSON: 170 optional fields
 * (fields.generated.ts lists them with their Go types). The fields poolctl's NAT reads are
 * typed; the others are carried as they were decoded. Durations are Go duration strings
 * ("1m30s"), ports a number or "MIN:MAX" (numorstring.Port).
 */
export interface FelixConfigurationSpec {
  readonly [field: string]: unknown;
  readonly natOutgoingAddress?: string;
  readonly natOutgoingExclusions?: string;
  readonly natPortRange?: number | string;
  readonly iptablesNATOutgoingInterfaceFilter?: string;
  readonly featureDetectOverride?: string;
  readonly externalNodesList?: readonly string[] | null;
  readonly bpfEnabled?: boolean | null;
  readonly nftablesMode?: string;
  readonly maxIpsetSize?: number | null;
}

/** FelixConfiguration is a projectcalico.org/v3 FelixConfiguration resource. */
export interface FelixConfiguration {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: FelixConfigurationSpec;
}
