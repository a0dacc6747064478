/**
 * POOLS is the manifest the nat render tests render (nat-render.test.ts and
 * nat-render.kernel.test.ts): NAT pools of both families, a pool inside one, a disabled pool.
 */
export const POOLS = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: default-ipv4-ippool
spec:
  cidr: 192.168.0.0/16
  natOutgoing: true
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: default-ipv6-ippool
spec:
  cidr: fd00:10:244::/64
  natOutgoing: true
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: inner
spec:
  cidr: 192.168.7.0/24
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: no-nat
spec:
  cidr: 10.0.0.0/8
  disabled: true
`;
