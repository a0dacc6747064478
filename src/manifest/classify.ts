import { API_VERSION, CRD_API_VERSION, KIND_FELIX_CONFIGURATION, KIND_FELIX_CONFIGURATION_LIST, KIND_IPPOOL, KIND_IPPOOL_LIST, type ResourceForm } from '../core/index.js';

/**
 * What a document is, by its apiVersion and kind (spec/ippool.md, decision 6): an IPPool poolctl
 * judges (Calico's v3 form or the kubectl form), a list of them, a Calico kind calicoctl would
 * handle and poolctl does not, something calicoctl cannot load although it looks like Calico's
 * (an error), or another kind (skipped).
 */

/**
 * CALICO_KINDS are the kinds calicoctl v3.31 registers under projectcalico.org/v3
 * (calicoctl/calicoctl/resourcemgr/*.go, registerResource, tag v3.31.7), each with its List.
 */
export const CALICO_KINDS: ReadonlySet<string> = new Set([
  'BGPConfiguration',
  'BGPFilter',
  'BGPPeer',
  'ClusterInformation',
  'FelixConfiguration',
  'GlobalNetworkPolicy',
  'GlobalNetworkSet',
  'HostEndpoint',
  'IPPool',
  'IPReservation',
  'KubeControllersConfiguration',
  'NetworkPolicy',
  'NetworkSet',
  'Node',
  'Profile',
  'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'StagedNetworkPolicy',
  'Tier',
  'WorkloadEndpoint',
]);

/**
 * CALICO_V1_KINDS are the kinds of Calico API v1 (`apiVersion: v1`, calicoctl v1.x, Calico
 * v2.x docs: reference/calicoctl/resources), and `pool` of older tools.
 */
const CALICO_V1_KINDS: ReadonlySet<string> = new Set(['bgpPeer', 'hostEndpoint', 'ipPool', 'node', 'policy', 'profile', 'workloadEndpoint', 'pool']);

/** IPPOOL_WORDS are IPPool's names, lower-cased: a kind that is one of them is meant to be an IPPool. */
const IPPOOL_WORDS: ReadonlySet<string> = new Set(['ippool', 'ippools', 'ipp', 'ipps', 'pool', 'pools']);

/** KIND_BY_LOWER finds a Calico kind (or its List) by its lower-cased name. */
const KIND_BY_LOWER: ReadonlyMap<string, string> = new Map(
  [...CALICO_KINDS].flatMap((k) => [
    [k.toLowerCase(), k],
    [`${k.toLowerCase()}list`, `${k}List`],
  ]),
);

/** Kubernetes core kinds that share a name with a Calico kind (so `apiVersion: v1, kind: Node` is Kubernetes'). */
const KUBERNETES_CORE_KINDS: ReadonlySet<string> = new Set(['Node', 'List']);

/** Classification is what a document is (see the module comment). */
export type Classification =
  // 'pool': a resource poolctl judges, of a kind of the registry (core/kinds.ts): an IPPool, or a FelixConfiguration (v3 form)
  | { readonly class: 'pool'; readonly form: ResourceForm }
  // 'list': a v3 List of a registry kind (item: the kind its items must be: IPPoolList, FelixConfigurationList), or kubectl's v1 List (item '')
  | { readonly class: 'list'; readonly list: 'v3' | 'v1'; readonly item: string }
  | { readonly class: 'not-handled'; readonly message: string; readonly hint: string }
  | { readonly class: 'unknown'; readonly hint: string; readonly path: '/kind' | '/apiVersion' | '' }
  | { readonly class: 'other' };

/** The classifications without details, shared (a document is classified on a hot path). */
const POOL_V3: Classification = { class: 'pool', form: 'v3' };
const POOL_CRD: Classification = { class: 'pool', form: 'crd' };
const LIST_V3: Classification = { class: 'list', list: 'v3', item: KIND_IPPOOL };
const LIST_FELIX: Classification = { class: 'list', list: 'v3', item: KIND_FELIX_CONFIGURATION };
const LIST_V1: Classification = { class: 'list', list: 'v1', item: '' };
const OTHER: Classification = { class: 'other' };

/** groupOf is an apiVersion's API group ('' for the core group, `v1`). */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * calicoLooking reports whether an apiVersion could be meant as Calico's: the core group (`v1`,
 * `v3`), a group without a dot (`projectcalico/v3`), or one naming Calico. Kinds under
 * another project's group (whereabouts' or Metal3's IPPool) are that project's.
 */
function calicoLooking(apiVersion: string): boolean {
  const g = groupOf(apiVersion);
  return g === '' || !g.includes('.') || /calico/i.test(g);
}

/** CONVERT_HINT is the hint for Calico API v1 documents. */
const CONVERT_HINT = 'this is Calico API v1 (calicoctl v1.x): convert it with `calicoctl convert -f FILE` (calicoctl v3.0 to v3.x) and validate the output';

/** IPPOOL_HINT is the hint for a kind or apiVersion meant to be an IPPool's. */
const IPPOOL_HINT = `an IPPool is apiVersion: ${API_VERSION}, kind: ${KIND_IPPOOL} (or the kubectl form, apiVersion: ${CRD_API_VERSION})`;

/**
 * classify says what a document with this apiVersion and kind is (undefined: missing or not
 * a string). A List is a list only with `items`; its items are classified one by one.
 */
export function classify(apiVersion: string | undefined, kind: string | undefined, hasItems: boolean): Classification {
  if (apiVersion === undefined || kind === undefined) {
    return { class: 'unknown', path: kind === undefined ? '' : '/kind', hint: 'every resource needs apiVersion and kind' };
  }
  const group = groupOf(apiVersion);
  if (apiVersion === API_VERSION) {
    if (kind === KIND_IPPOOL || kind === KIND_FELIX_CONFIGURATION) return POOL_V3;
    if (kind === KIND_IPPOOL_LIST && hasItems) return LIST_V3;
    // calicoctl registers each kind's List (resourcemgr registerResource) and reads its items (convertToSliceOfResources)
    if (kind === KIND_FELIX_CONFIGURATION_LIST && hasItems) return LIST_FELIX;
    if (CALICO_KINDS.has(kind) || (kind.endsWith('List') && CALICO_KINDS.has(kind.slice(0, -4)))) {
      return {
        class: 'not-handled',
        message: `poolctl does not handle ${kind}; \`calicoctl create\` would create it`,
        hint: 'skipped: poolctl handles IPPools only',
      };
    }
    const near = IPPOOL_WORDS.has(kind.toLowerCase()) ? KIND_IPPOOL : KIND_BY_LOWER.get(kind.toLowerCase());
    return { class: 'unknown', path: '/kind', hint: near ? `did you mean kind: ${near}? (kinds are case-sensitive)` : `${API_VERSION} has no kind ${kind}` };
  }
  if (apiVersion === CRD_API_VERSION) {
    if (kind === KIND_IPPOOL) return POOL_CRD;
    const near = IPPOOL_WORDS.has(kind.toLowerCase()) ? `did you mean kind: ${KIND_IPPOOL}? (kinds are case-sensitive); ` : '';
    return { class: 'unknown', path: '/kind', hint: `${near}poolctl reads the kubectl form (${CRD_API_VERSION}) of IPPools only, and calicoctl none` };
  }
  if (group === 'projectcalico.org' || group === 'crd.projectcalico.org') {
    return { class: 'unknown', path: '/apiVersion', hint: `calicoctl v3.31 reads ${API_VERSION}; poolctl also the kubectl form ${CRD_API_VERSION}` };
  }
  if (apiVersion === 'v1' && kind === 'List') return LIST_V1;
  if (apiVersion === 'v1' && CALICO_V1_KINDS.has(kind)) return { class: 'unknown', path: '/kind', hint: CONVERT_HINT };
  if (calicoLooking(apiVersion)) {
    if (IPPOOL_WORDS.has(kind.toLowerCase())) return { class: 'unknown', path: '/apiVersion', hint: IPPOOL_HINT };
    const calico = KIND_BY_LOWER.get(kind.toLowerCase());
    if (calico && !(apiVersion === 'v1' && KUBERNETES_CORE_KINDS.has(kind))) {
      return { class: 'unknown', path: '/apiVersion', hint: `a Calico ${calico} is apiVersion: ${API_VERSION}, kind: ${calico}` };
    }
  }
  return OTHER;
}

/** V1_LIST_HINT explains why a v1 List of projectcalico.org/v3 items is refused. */
export const V1_LIST_HINT = `calicoctl rejects a v1 List; write kind: ${KIND_IPPOOL_LIST} (apiVersion ${API_VERSION}) or a YAML sequence of the pools`;
