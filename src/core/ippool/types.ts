/** API_VERSION is the API group and version of the resources poolctl handles (api/pkg/apis/projectcalico/v3). */
export const API_VERSION = 'projectcalico.org/v3';
/** KIND_IPPOOL is an IPPool's kind. */
export const KIND_IPPOOL = 'IPPool';
/** KIND_IPPOOL_LIST is the kind of a list of IPPools. */
export const KIND_IPPOOL_LIST = 'IPPoolList';

/** EncapMode is an ipipMode or vxlanMode value Calico accepts. */
export type EncapMode = 'Never' | 'Always' | 'CrossSubnet';
/** AllowedUse is an allowedUses entry Calico accepts. */
export type AllowedUse = 'Workload' | 'Tunnel' | 'LoadBalancer';
/** AssignmentMode is an assignmentMode value Calico accepts. */
export type AssignmentMode = 'Automatic' | 'Manual';

/** ObjectMeta is the subset of Kubernetes object metadata a Calico IPPool carries. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generateName?: string;
}

/** IPPoolSpec mirrors api/pkg/apis/projectcalico/v3/ippool.go (v3.31); JSON keys verbatim. */
export interface IPPoolSpec {
  cidr: string;
  vxlanMode?: EncapMode | string;
  ipipMode?: EncapMode | string;
  natOutgoing?: boolean;
  disabled?: boolean;
  disableBGPExport?: boolean;
  blockSize?: number;
  nodeSelector?: string;
  namespaceSelector?: string;
  allowedUses?: (AllowedUse | string)[];
  assignmentMode?: AssignmentMode | string;
  /** deprecated (<= v3.31): must be absent or null */
  ipip?: { enabled?: boolean; mode?: string } | null;
  /** deprecated (<= v3.31): must be absent or false */
  'nat-outgoing'?: boolean;
}

/** IPPool is the projectcalico.org/v3 IPPool resource. */
export interface IPPool {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND_IPPOOL;
  metadata: ObjectMeta;
  spec: IPPoolSpec;
}
