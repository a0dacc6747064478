import { KIND_FELIX_CONFIGURATION, KIND_FELIX_CONFIGURATION_LIST } from './felix/types.js';
import { KIND_IPPOOL, KIND_IPPOOL_LIST } from './ippool/types.js';

/**
 * The kind registry: the one place a resource kind poolctl handles is described (calicoctl's
 * resourcemgr registerResource, calicoctl/calicoctl/resourcemgr/*.go at v3.31.7): its Kind and
 * List kind, Calico's plural (the etcd key segment), the words commands accept for it, and its
 * table columns. Every resource command (create, apply, replace, get, delete, validate, and
 * those added later) looks a kind up here; the judging of a document is core's
 * (checkIPPool, checkFelixConfiguration), chosen by `kind`.
 */

/** KindName is a Kind poolctl handles. */
export type KindName = typeof KIND_IPPOOL | typeof KIND_FELIX_CONFIGURATION;

/** TableColumn is one column of `get`'s table: its heading and how a resource fills it. */
export interface TableColumn {
  readonly heading: string;
  readonly value: (r: KindResource) => string;
}

/** KindResource is a resource of any kind as printers see it: a name and a spec. */
export interface KindResource {
  readonly metadata: { readonly name: string };
  readonly spec: object;
}

/** field reads a spec field of a resource as a plain JSON object. */
const field = (r: KindResource, f: string): unknown => (r.spec as Record<string, unknown>)[f];

/** ResourceKind describes one kind (see the module comment). */
export interface ResourceKind {
  readonly kind: KindName;
  readonly listKind: string;
  /** plural is Calico's plural: /calico/resources/v3/projectcalico.org/<plural>/<name>. */
  readonly plural: 'ippools' | 'felixconfigurations';
  /** aliases are the words `get`/`delete` accept for the kind (case-insensitive, as calicoctl). */
  readonly aliases: readonly string[];
  /** columns are the table (calicoctl's `ps`) and wide columns. */
  readonly columns: { readonly table: readonly TableColumn[]; readonly wide: readonly TableColumn[] };
}

const NAME: TableColumn = { heading: 'NAME', value: (r) => r.metadata.name };
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const CIDR: TableColumn = { heading: 'CIDR', value: (r) => str(field(r, 'cidr')) };
const SELECTOR: TableColumn = { heading: 'SELECTOR', value: (r) => str(field(r, 'nodeSelector')) };
const mode = (m: unknown): string => str(m) || 'Never';

/**
 * IPPOOL_KIND: aliases and columns of calicoctl/calicoctl/resourcemgr/ippool.go; wide adds
 * ASSIGNMENTMODE last (v3.30+). Booleans print true/false, empty modes Never, SELECTOR the raw
 * nodeSelector.
 */
export const IPPOOL_KIND: ResourceKind = {
  kind: KIND_IPPOOL,
  listKind: KIND_IPPOOL_LIST,
  plural: 'ippools',
  aliases: ['ippool', 'ippools', 'ipp', 'ipps', 'pool', 'pools'],
  columns: {
    table: [NAME, CIDR, SELECTOR],
    wide: [
      NAME,
      CIDR,
      { heading: 'NAT', value: (r) => String(field(r, 'natOutgoing') === true) },
      { heading: 'IPIPMODE', value: (r) => mode(field(r, 'ipipMode')) },
      { heading: 'VXLANMODE', value: (r) => mode(field(r, 'vxlanMode')) },
      { heading: 'DISABLED', value: (r) => String(field(r, 'disabled') === true) },
      { heading: 'DISABLEBGPEXPORT', value: (r) => String(field(r, 'disableBGPExport') === true) },
      SELECTOR,
      { heading: 'ASSIGNMENTMODE', value: (r) => str(field(r, 'assignmentMode')) },
    ],
  },
};

/** FELIX_CONFIGURATION_KIND: calicoctl/calicoctl/resourcemgr/felixconfig.go (NAME in both tables). */
export const FELIX_CONFIGURATION_KIND: ResourceKind = {
  kind: KIND_FELIX_CONFIGURATION,
  listKind: KIND_FELIX_CONFIGURATION_LIST,
  plural: 'felixconfigurations',
  aliases: ['felixconfiguration', 'felixconfigurations', 'felixconfig', 'felixconfigs'],
  columns: { table: [NAME], wide: [NAME] },
};

/** RESOURCE_KINDS are the kinds poolctl handles, sorted by Kind. */
export const RESOURCE_KINDS: readonly ResourceKind[] = [FELIX_CONFIGURATION_KIND, IPPOOL_KIND];

/** kindByWord returns the kind a `get`/`delete` word names (an alias, case-insensitive), if any. */
export function kindByWord(word: string): ResourceKind | undefined {
  const w = word.toLowerCase();
  return RESOURCE_KINDS.find((k) => k.aliases.includes(w));
}

/** kindByName returns the kind of a document's `kind` (exact, as calicoctl's type lookup), if poolctl handles it. */
export function kindByName(kind: string | undefined): ResourceKind | undefined {
  return RESOURCE_KINDS.find((k) => k.kind === kind);
}
