import { PoolctlError } from '../base/errors.js';
import type { Family } from '../core/index.js';
import { nftFamily } from '../render/nftables.js';
import { familyLabel } from './desired.js';
import type { HostExec } from './host-exec.js';
import { commandFailed } from './host-exec.js';
import { parseIpsetSave, type SavedSet } from './ipset-save.js';
import { parseIptablesSave, type SavedTable } from './iptables-save.js';
import type { IptablesTools, LegacyState } from './iptables-flavour.js';
import { parseNftTable, type NftTableState } from './nft-json.js';

/** Reading the kernel's NAT state: ipsets, the nat table per family, and nft tables. */

/**
 * IptablesLive is the live iptables + ipset state: every set header, our sets' members, nat
 * tables, and the tools of the iptables flavour they were read with (iptables-flavour.ts).
 */
export interface IptablesLive {
  /** all sets by name; members only for the names asked for */
  readonly sets: ReadonlyMap<string, SavedSet>;
  readonly nat: ReadonlyMap<Family, SavedTable | null>;
  readonly tools: IptablesTools;
}

/** restoreTool is the iptables-restore of a family in the flavour live was read with. */
export function restoreTool(live: IptablesLive, f: Family): string {
  const t = live.tools.restore.get(f);
  if (t === undefined) throw new Error(`restoreTool: no IPv${f} tools`);
  return t;
}

function unparseable(tool: string, message: string): PoolctlError {
  return new PoolctlError('HOST_COMMAND_FAILED', `cannot read the output of ${tool}: ${message}`);
}

/** readIpsets runs `ipset save` and parses it, keeping members of the sets `withMembers` accepts. */
export async function readIpsets(exec: HostExec, withMembers: (name: string) => boolean): Promise<Map<string, SavedSet>> {
  const r = await exec.run('ipset', ['save']);
  if (r.code !== 0) throw commandFailed('ipset', 'list the ipsets', r);
  const p = parseIpsetSave(r.stdout, withMembers);
  if (!p.ok) throw unparseable('ipset save', `line ${p.error.line}: ${p.error.message}`);
  return p.value;
}

/** readNatTable runs `iptables-save -t nat` (the flavour's, or ip6tables-save) and returns the nat table. */
async function readNatTable(exec: HostExec, family: Family, tool: string): Promise<SavedTable | null> {
  const r = await exec.run(tool, ['-t', 'nat']);
  if (r.code !== 0) throw commandFailed(tool, `read the ${familyLabel(family)} nat table`, r);
  const p = parseIptablesSave(r.stdout);
  if (!p.ok) throw unparseable(tool, `line ${p.error.line}: ${p.error.message}`);
  return p.value.get('nat') ?? null;
}

/**
 * readNatTables reads the nat table of each family with the flavour's save tool, concurrently;
 * a legacy nat table readLegacy already read (legacy) is taken from there.
 */
export async function readNatTables(
  exec: HostExec,
  tools: IptablesTools,
  families: readonly Family[],
  legacy?: LegacyState,
): Promise<Map<Family, SavedTable | null>> {
  const tables = await Promise.all(
    families.map((f) => {
      const tool = tools.save.get(f)!;
      const known = /-legacy-save$/.test(tool) ? legacy?.tables.get(f)?.get('nat') : undefined;
      return known ?? readNatTable(exec, f, tool);
    }),
  );
  return new Map(families.map((f, i) => [f, tables[i] ?? null]));
}

/** readIptablesLive reads the ipsets and the nat tables of the given families with the flavour's tools, concurrently. */
export async function readIptablesLive(
  exec: HostExec,
  tools: IptablesTools,
  families: readonly Family[],
  withMembers: (name: string) => boolean,
): Promise<IptablesLive> {
  const [sets, nat] = await Promise.all([readIpsets(exec, withMembers), readNatTables(exec, tools, families)]);
  return { sets, nat, tools };
}

/** readReferences returns how many rules use each named set (`ipset list -t NAME`: "References: N"); sets it cannot tell are left out. */
export async function readReferences(exec: HostExec, names: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await Promise.all(
    names.map(async (n) => {
      const r = await exec.run('ipset', ['list', '-t', n]);
      const m = /^References:\s*(\d+)/m.exec(r.stdout);
      if (r.code === 0 && m) out.set(n, Number(m[1]));
    }),
  );
  return out;
}

/** readNftTable runs `nft -j list table ip|ip6 NAME`; null when the table does not exist. */
export async function readNftTable(exec: HostExec, family: Family, name: string): Promise<NftTableState | null> {
  const r = await exec.run('nft', ['-j', 'list', 'table', nftFamily(family), name]);
  if (r.code !== 0) {
    if (/No such file or directory/.test(r.stderr)) return null;
    throw commandFailed('nft', `list table ${nftFamily(family)} ${name}`, r);
  }
  const p = parseNftTable(r.stdout);
  if (!p.ok) throw unparseable('nft -j', p.error.message);
  return p.value;
}

/** listNftTables returns the tables nft lists, as "family name" strings (e.g. "ip calico"). */
export async function listNftTables(exec: HostExec): Promise<string[]> {
  const r = await exec.run('nft', ['list', 'tables']);
  if (r.code !== 0) throw commandFailed('nft', 'list the nftables tables', r);
  return r.stdout
    .split('\n')
    .map((l) => /^table\s+(\S+)\s+(\S+)/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);
}
