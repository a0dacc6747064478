import type { DiagnosticCode } from '../../core/index.js';

/** DiagnosticRule describes a diagnostic code for reports that list rules (SARIF, docs). */
export interface DiagnosticRule {
  /** title is a one-line description (SARIF shortDescription). */
  readonly title: string;
  /** help says what to do about it (SARIF help). */
  readonly help: string;
}

/**
 * DIAGNOSTIC_RULES describes every diagnostic code (spec/ippool.md §5), in the order of
 * core/ippool/diagnostic.ts. SARIF output lists them as the driver's rules.
 */
export const DIAGNOSTIC_RULES: Readonly<Record<DiagnosticCode, DiagnosticRule>> = {
  YAML_SYNTAX: { title: 'YAML syntax error', help: 'Fix the YAML syntax at the reported position; the other documents are still checked.' },
  JSON_SYNTAX: { title: 'JSON syntax error', help: 'Fix the JSON syntax at the reported position.' },
  INPUT_INVALID: {
    title: 'Input is not a manifest',
    help: 'Inputs must be UTF-8 (or UTF-16 with a BOM) YAML or JSON text holding resources, Lists of resources or sequences of them, within the nesting and alias limits.',
  },
  INPUT_TOO_LARGE: { title: 'Input too large', help: 'Split the input, or raise the limit if the input is trusted.' },
  FILE_UNREADABLE: { title: 'File cannot be read', help: 'Check the path and its permissions.' },
  FILE_SKIPPED: {
    title: 'File or directory skipped',
    help: 'A directory walk reads each file once and keeps to its tree: a second path to a file or directory already read, a symbolic link leading out of the tree, and a FIFO, socket or device are skipped. Name one with -f to read it.',
  },
  NO_RESOURCES: { title: 'No resources in file', help: 'The file or directory holds no resources; calicoctl fails on it unless --skip-empty is given.' },
  KIND_UNKNOWN: {
    title: 'Calico-looking resource calicoctl cannot load',
    help: 'A Calico apiVersion with a kind it does not have, an IPPool-like kind under another apiVersion (Calico API v1: convert it with calicoctl convert), a v1 List of projectcalico.org/v3 items, or a document without apiVersion and kind.',
  },
  KIND_NOT_HANDLED: {
    title: 'Calico kind poolctl does not handle',
    help: 'calicoctl would create this resource (BGPPeer, Node, ...); poolctl handles IPPools only and skips it.',
  },
  KIND_SKIPPED: { title: 'Other kind skipped', help: 'Not a Calico resource (ConfigMap, Deployment, ...): skipped, as it is not for calicoctl.' },
  YAML11_SCALAR: {
    title: 'Value read differently by YAML 1.1 and 1.2',
    help: 'calicoctl reads YAML 1.1 (yes/no/on/off are booleans, 0777 is octal); kubectl and most tools read YAML 1.2. Quote the value, or write it unambiguously.',
  },
  DUPLICATE_KEY: { title: 'Repeated mapping key', help: 'calicoctl keeps the last value of a repeated key; kubectl rejects the file. Remove the repetition.' },
  TOO_MANY_PROBLEMS: { title: 'More problems not shown', help: 'Only the first problems of a document are reported; fix them and run again.' },
  FIELD_UNKNOWN: { title: 'Unknown field', help: 'calicoctl decodes strictly and rejects unknown fields; check the spelling against the IPPool schema.' },
  FIELD_REQUIRED: { title: 'Required field missing', help: 'Add the field.' },
  TYPE_MISMATCH: { title: 'Wrong value type', help: 'Give the field a value of its type: booleans unquoted true/false, blockSize an integer, strings for CIDRs and selectors.' },
  NAMESPACE_SET: { title: 'Namespace on a cluster-scoped resource', help: 'IPPools are cluster-scoped: remove metadata.namespace.' },
  NAME_INVALID: { title: 'Invalid name', help: 'metadata.name must be a DNS-1123 subdomain (lower-case alphanumerics, "-" and ".") of at most 253 bytes.' },
  LABEL_INVALID: { title: 'Invalid label', help: 'Label keys are qualified names (optional DNS prefix and "/", name up to 63 characters); values up to 63 alphanumerics, "-", "_" or ".".' },
  ANNOTATION_INVALID: { title: 'Invalid annotation', help: 'Annotation keys are qualified names; keys and values together must not exceed 256 KiB.' },
  RESOURCE_VERSION_SET: {
    title: 'resourceVersion set',
    help: 'create rejects a resourceVersion; apply and replace use it as a precondition. Remove it from manifests meant for create.',
  },
  CIDR_REQUIRED: { title: 'CIDR missing', help: 'Set spec.cidr, e.g. 10.244.0.0/16.' },
  CIDR_INVALID: { title: 'Invalid CIDR', help: 'spec.cidr must be an IPv4 or IPv6 network with a prefix length, e.g. 10.244.0.0/16 (no leading zeros).' },
  CIDR_NOT_MASKED: { title: 'CIDR has host bits set', help: 'Write the network address: Calico rejects host bits rather than clearing them (the message shows the masked form).' },
  CIDR_LINK_LOCAL: { title: 'CIDR overlaps link-local', help: 'Pools may not overlap 169.254.0.0/16 or fe80::/10 (supernets such as 0.0.0.0/0 included).' },
  BLOCK_SIZE_RANGE: { title: 'Block size out of range', help: 'blockSize must be 20-32 for IPv4 and 116-128 for IPv6.' },
  POOL_TOO_SMALL: { title: 'Pool smaller than its block size', help: 'Use a prefix no longer than blockSize (default 26 / 122), a larger blockSize, or disable the pool.' },
  ENUM_INVALID: {
    title: 'Invalid mode',
    help: 'ipipMode and vxlanMode take Never, Always or CrossSubnet; assignmentMode Automatic or Manual; FelixConfiguration enums (natOutgoingExclusions IPPoolsOnly or IPPoolsAndHostIPs, ...) their listed values (case-sensitive).',
  },
  ENCAP_CONFLICT: { title: 'IPIP and VXLAN both enabled', help: 'Enable at most one of ipipMode and vxlanMode.' },
  IPIP_V6: { title: 'IPIP on an IPv6 pool', help: 'IPv6 pools support VXLAN, not IPIP: set ipipMode: Never.' },
  ALLOWED_USES: { title: 'Invalid allowedUses', help: 'Uses are Workload, Tunnel and LoadBalancer; LoadBalancer must be the only use.' },
  LB_RULE: {
    title: 'LoadBalancer pool rule',
    help: 'A LoadBalancer pool needs no encapsulation, BGP export enabled (disableBGPExport false) and nodeSelector all().',
  },
  SELECTOR_INVALID: { title: 'Invalid selector', help: "Use Calico's selector syntax (e.g. has(zone) && zone == 'a'); global() is not allowed in IPPool selectors." },
  NS_SELECTOR_TUNNEL: {
    title: 'namespaceSelector with Tunnel use',
    help: 'A namespaceSelector needs allowedUses without Tunnel; an omitted allowedUses means [Workload, Tunnel], so set allowedUses: [Workload].',
  },
  DEPRECATED_FIELD: { title: 'Deprecated field', help: 'ipip and nat-outgoing are v1 fields, removed in Calico v3.32: use ipipMode and natOutgoing.' },
  POOL_OVERLAP: { title: 'Overlapping pools', help: 'Calico refuses to create a pool overlapping another (disabled pools included): change or remove one of them.' },
  DUPLICATE_NAME: { title: 'Duplicate name', help: 'Two documents define a pool of the same name; create would fail on the second.' },
  ALREADY_EXISTS: { title: 'Pool exists', help: 'A pool of this name is already stored: use apply or replace to change it.' },
  NOT_FOUND: { title: 'Pool not found', help: 'No pool of this name is stored.' },
  CONFLICT: { title: 'Update conflict', help: 'The pool changed since its resourceVersion was read: read it again and retry.' },
  IMMUTABLE_FIELD: { title: 'Immutable field changed', help: 'cidr, blockSize and the LoadBalancer use cannot change: create a new pool instead.' },
  BLOCK_SIZE_CONFLICT: { title: 'Block size conflicts with allocations', help: 'Existing IPAM blocks in the range use another block size.' },
  FIELD_INVALID: {
    title: 'Invalid FelixConfiguration value',
    help: "Calico's validator refuses the value: natOutgoingAddress must be an IPv4 address, natPortRange a port or MIN:MAX within 1-65535, iptablesNATOutgoingInterfaceFilter an interface name (+ as a wildcard), externalNodesList IPv4 CIDRs.",
  },
  DISABLED_NAT_POOL: {
    title: 'Disabled pool with natOutgoing',
    help: 'Felix keeps NATing traffic from a disabled pool with natOutgoing: true; set natOutgoing: false if that is not wanted.',
  },
  PATCH_FAILED: { title: 'Patch cannot be applied', help: 'The patch does not apply to the stored resource (a JSON Patch path or test that fails, a rename, an unknown directive); get the resource and adjust the patch.' },
  LABEL_CONFLICT: { title: 'Label already set or missing', help: "Use --overwrite to change a label's value; --remove needs a label the resource has." },
  POOL_IN_USE: {
    title: 'Pool still has IPAM blocks in use',
    help: "Calico IPAM still has addresses allocated from the pool: disable it, recreate the workloads that use it, and delete it when its blocks are gone (or use --force).",
  },
};
