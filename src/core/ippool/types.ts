/** API_VERSION and the kinds poolctl handles (api/pkg/apis/projectcalico/v3). */
export const API_VERSION = 'projectcalico.org/v3';
export const KIND_IPPOOL = 'IPPool';
export const KIND_IPPOOL_LIST = 'IPPoolList';

export type EncapMode = 'Never' | 'Always' | 'CrossSubnet';
export type AllowedUse = 'Workload' | 'Tunnel' | 'LoadBalancer';
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
