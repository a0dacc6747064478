import { PoolctlError } from '../base/errors.js';
import type { Family } from '../core/index.js';
import type { NftChainEntry } from './nft-json.js';
import { commandFailed, toolMissing, type HostExec } from './host-exec.js';
import { parseIptablesSave, type SavedTable } from './iptables-save.js';

/**
 * The two iptables flavours: iptables-legacy (x_tables, /proc/net/ip_tables_names) and
 * iptables-nft (nf_tables tables "ip nat", "ip6 nat", ...). Both can hold rules at the same
 * time and both run, so programming one while poolctl's or Felix's chains sit in the other
 * leaves two copies of every NAT rule. poolctl picks the flavour as Felix does
 * (felix/environment/feature_detect_linux.go DetectBackend, `IptablesBackend` Auto), with one
 * step before and one after:
 *
 *   0. cali- chains (poolctl's or Felix's) in one flavour only: that flavour; in both: stop
 *      (HOST_IPTABLES_MIXED), naming both and what to do;
 *   1. Kubernetes' hint chains (KUBE-IPTABLES-HINT, KUBE-KUBELET-CANARY) in iptables-nft,
 *      then in iptables-legacy: that flavour;
 *   2. rules in iptables-legacy: legacy when it holds as many as iptables-nft or more, else nft;
 *   3. none in iptables-legacy: the flavour of the system's iptables-restore (what its
 *      --version says), unless that is legacy and iptables-nft holds rules (then nft, as
 *      Felix). With no rule anywhere Felix
 *      takes legacy; a host's own default is what its admin sees with `iptables -t nat -S`,
 *      and works where the legacy modules are gone.
 * An explicit --iptables-backend legacy|nft is used as given (as Felix does), with a warning
 * when the other flavour holds cali- chains.
 *
 * Legacy tables are read only when /proc/net/ip_tables_names (ip6_tables_names) lists some:
 * `iptables-legacy-save -t nat` would create an empty legacy nat table in the namespace, and
 * iptables-nft would then warn about "iptables-legacy tables present" on every listing.
 */

/** IptablesFlavour is iptables-legacy or iptables-nft. */
export type IptablesFlavour = 'legacy' | 'nft';

/** IptablesTools are the save and restore programs of one flavour, per family. */
export interface IptablesTools {
  readonly save: ReadonlyMap<Family, string>;
  readonly restore: ReadonlyMap<Family, string>;
}

/** FlavourChoice is the flavour used, why, its tools, and a warning about the other one. */
export interface FlavourChoice extends IptablesTools {
  readonly flavour: IptablesFlavour;
  readonly why: string;
  readonly warning: string | null;
}

/** LegacyState is what iptables-legacy holds, per family: its tables (none read when the kernel lists none). */
export interface LegacyState {
  readonly tables: ReadonlyMap<Family, ReadonlyMap<string, SavedTable>>;
  /** problems: legacy tables that exist but could not be read (no iptables-legacy-save) */
  readonly problems: readonly string[];
}

const KUBE_HINTS = new Set(['KUBE-IPTABLES-HINT', 'KUBE-KUBELET-CANARY']);
const NFT_IPTABLES_TABLES = new Set(['nat', 'filter', 'mangle', 'raw', 'security']);

const prefix = (f: Family): string => (f === 4 ? 'iptables' : 'ip6tables');

/** flavourName is how a flavour is called in messages: iptables-legacy, iptables-nft. */
export function flavourName(f: IptablesFlavour): string {
  return `iptables-${f}`;
}

/** flavourOfVersion reads `iptables-save --version` ("... v1.8.9 (nf_tables)"): releases before 1.8 are legacy only. */
export function flavourOfVersion(text: string): IptablesFlavour {
  return /\(nf_tables\)/.test(text) ? 'nft' : 'legacy';
}

/**
 * plainFlavour returns the flavour of a plain tool (iptables-restore, ...) from its --version
 * ("(nf_tables)" or "(legacy)"); null when it is not installed or does not run.
 */
async function plainFlavour(exec: HostExec, tool: string): Promise<IptablesFlavour | null> {
  if (!exec.has(tool)) return null;
  const r = await exec.run(tool, ['--version']);
  return r.code === 0 ? flavourOfVersion(r.stdout + r.stderr) : null;
}

/** procNet reads /proc/net/NAME as the tools' network namespace sees it (e.g. ip_tables_names); null when it does not exist. */
async function procNet(exec: HostExec, name: string): Promise<string | null> {
  const r = await exec.run('cat', [`/proc/net/${name}`]);
  return r.code === 0 ? r.stdout : null;
}

/**
 * toolOf returns the program for a flavour, family and kind, as Felix's FindBestBinary does:
 * `iptables-legacy-save` (and so on) when installed, else the plain `iptables-save` if it is
 * of that flavour, else null.
 */
async function toolOf(exec: HostExec, flavour: IptablesFlavour, family: Family, kind: 'save' | 'restore'): Promise<string | null> {
  const variant = `${prefix(family)}-${flavour}-${kind}`;
  if (exec.has(variant)) return variant;
  const plain = `${prefix(family)}-${kind}`;
  return (await plainFlavour(exec, plain)) === flavour ? plain : null;
}

/** toolsOf returns a flavour's tools for the families, or throws HOST_TOOL_MISSING naming the first missing one. */
export async function toolsOf(exec: HostExec, flavour: IptablesFlavour, families: readonly Family[]): Promise<IptablesTools> {
  const save = new Map<Family, string>();
  const restore = new Map<Family, string>();
  for (const f of families) {
    const [s, r] = await Promise.all([toolOf(exec, flavour, f, 'save'), toolOf(exec, flavour, f, 'restore')]);
    if (s === null) throw toolMissing(`${prefix(f)}-${flavour}-save`);
    if (r === null) throw toolMissing(`${prefix(f)}-${flavour}-restore`);
    save.set(f, s);
    restore.set(f, r);
  }
  return { save, restore };
}

/**
 * readLegacy reads iptables-legacy's tables per family, where the kernel lists any
 * (/proc/net/ip_tables_names, ip6_tables_names): every table, with `iptables-legacy-save`.
 */
export async function readLegacy(exec: HostExec, families: readonly Family[]): Promise<LegacyState> {
  const problems: string[] = [];
  const read = async (f: Family): Promise<Map<string, SavedTable>> => {
    const names = await procNet(exec, f === 4 ? 'ip_tables_names' : 'ip6_tables_names');
    if (!names?.trim()) return new Map();
    const tool = await toolOf(exec, 'legacy', f, 'save');
    if (tool === null) {
      problems.push(`${f === 4 ? 'IPv4' : 'IPv6'} iptables-legacy tables exist (${names.trim().split(/\s+/).join(', ')}), but ${prefix(f)}-legacy-save is not installed to read them`);
      return new Map();
    }
    const r = await exec.run(tool, []);
    if (r.code !== 0) throw commandFailed(tool, 'read the iptables-legacy tables', r);
    const p = parseIptablesSave(r.stdout);
    if (!p.ok) throw new PoolctlError('HOST_COMMAND_FAILED', `cannot read the output of ${tool}: line ${p.error.line}: ${p.error.message}`);
    return p.value;
  };
  const tables = await Promise.all(families.map(read));
  return { tables: new Map(families.map((f, i) => [f, tables[i]!])), problems };
}

/** legacyCaliFamilies lists the families whose legacy tables hold a cali- chain. */
export function legacyCaliFamilies(legacy: LegacyState): Family[] {
  return [...legacy.tables].filter(([, ts]) => [...ts.values()].some((t) => [...t.chains.keys()].some((c) => c.startsWith('cali-')))).map(([f]) => f);
}

/** caliFamiliesNft lists the families whose iptables-nft tables (ip/ip6 nat, filter, ...) hold a cali- chain. */
function caliFamiliesNft(chains: readonly NftChainEntry[] | null): Family[] {
  const fams = new Set<Family>();
  for (const c of chains ?? []) {
    if ((c.family === 'ip' || c.family === 'ip6') && NFT_IPTABLES_TABLES.has(c.table ?? '') && c.name?.startsWith('cali-')) fams.add(c.family === 'ip' ? 4 : 6);
  }
  return [...fams].sort();
}

/**
 * nftCaliBySave finds the families whose iptables-nft nat table holds a cali- chain with
 * `iptables-nft-save -t nat`: for a host without the nft chain list (nft not installed).
 */
async function nftCaliBySave(exec: HostExec, families: readonly Family[]): Promise<Family[]> {
  const out: Family[] = [];
  for (const f of families) {
    const tool = await toolOf(exec, 'nft', f, 'save');
    if (tool === null) continue;
    const r = await exec.run(tool, ['-t', 'nat']);
    if (r.code === 0 && /^:cali-/m.test(r.stdout)) out.push(f);
  }
  return out;
}

const familyList = (fs: readonly Family[]): string => fs.map((f) => (f === 4 ? 'IPv4' : 'IPv6')).join(' and ');

function countRules(text: string): number {
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith('-')) n++;
  return n;
}

/** mixedError: cali- chains in both flavours, so neither can be programmed without leaving the other's rules running. */
function mixedError(legacy: readonly Family[], nft: readonly Family[]): PoolctlError {
  return new PoolctlError(
    'HOST_IPTABLES_MIXED',
    `both iptables flavours hold cali- chains: iptables-legacy (${familyList(legacy)}) and iptables-nft (${familyList(nft)}); ` +
      'the rules of both run, and poolctl would program only one of them',
    {
      hint:
        "remove the copy not in use (see them with 'iptables-legacy-save | grep cali' and 'iptables-nft-save | grep cali'), " +
        'or choose one for nat apply and nat status with --iptables-backend legacy|nft (the other copy keeps running)',
    },
  );
}

/**
 * chooseFlavour picks the iptables flavour (see the top of this file) and its tools.
 * `chains` is the nft chain list (listNftChains), `legacy` what readLegacy read.
 */
export async function chooseFlavour(
  exec: HostExec,
  requested: IptablesFlavour | 'auto',
  families: readonly Family[],
  chains: readonly NftChainEntry[] | null,
  legacy: LegacyState,
): Promise<FlavourChoice> {
  const inLegacy = legacyCaliFamilies(legacy);
  const inNft = chains !== null ? caliFamiliesNft(chains) : await nftCaliBySave(exec, families);
  const problems = legacy.problems.length ? `; ${legacy.problems.join('; ')}` : '';
  const choose = async (flavour: IptablesFlavour, why: string, warning: string | null = null): Promise<FlavourChoice> => ({
    flavour,
    why: `${flavourName(flavour)}: ${why}`,
    warning: warning ?? (legacy.problems.length ? legacy.problems.join('; ') : null),
    ...(await toolsOf(exec, flavour, families)),
  });
  if (requested !== 'auto') {
    const other = requested === 'legacy' ? inNft : inLegacy;
    const otherName = flavourName(requested === 'legacy' ? 'nft' : 'legacy');
    const warning = other.length
      ? `${otherName} also holds cali- chains (${familyList(other)}), from an earlier apply or Felix: their rules run as well; ` +
        `remove them ('${otherName}-save | grep cali' lists them) unless they are meant to stay`
      : null;
    return choose(requested, 'chosen with --iptables-backend', warning);
  }
  if (inLegacy.length && inNft.length) throw mixedError(inLegacy, inNft);
  if (inLegacy.length) return choose('legacy', `it holds the cali- chains (${familyList(inLegacy)})${problems}`);
  if (inNft.length) return choose('nft', `it holds the cali- chains (${familyList(inNft)})${problems}`);
  // as Felix: Kubernetes' hint chains, then which flavour holds more rules
  if ((chains ?? []).some((c) => (c.family === 'ip' || c.family === 'ip6') && KUBE_HINTS.has(c.name ?? ''))) {
    return choose('nft', `Kubernetes' hint chains are there${problems}`);
  }
  const legacyTables = [...legacy.tables.values()].flatMap((ts) => [...ts.values()]);
  if (legacyTables.some((t) => [...t.chains.keys()].some((c) => KUBE_HINTS.has(c)))) {
    return choose('legacy', `Kubernetes' hint chains are there${problems}`);
  }
  const legacyRules = legacyTables.reduce((n, t) => n + [...t.chains.values()].reduce((m, c) => m + c.rules.length, 0), 0);
  // more rules in legacy (a tie too) is legacy, fewer is nft; with none in legacy, the system's
  // own flavour decides unless it is legacy and iptables-nft has rules
  const system = (await plainFlavour(exec, 'iptables-restore')) ?? (await plainFlavour(exec, 'ip6tables-restore')) ?? 'nft';
  if (legacyRules === 0 && system === 'nft') {
    return choose('nft', `no rules in iptables-legacy, and the system's iptables-restore is iptables-nft${problems}`);
  }
  const counts = await Promise.all(
    families.map(async (f) => {
      const tool = await toolOf(exec, 'nft', f, 'save');
      const r = tool === null ? null : await exec.run(tool, []);
      return r?.code === 0 ? countRules(r.stdout) : 0;
    }),
  );
  const nftRules = counts.reduce((a, b) => a + b, 0);
  if (legacyRules || nftRules) {
    const flavour = legacyRules >= nftRules ? 'legacy' : 'nft';
    return choose(flavour, `${legacyRules} rules in iptables-legacy, ${nftRules} in iptables-nft${problems}`);
  }
  return choose(system, `no rules in either flavour, and the system's iptables-restore is ${flavourName(system)}${problems}`);
}
