import { PoolctlError } from '../base/errors.js';
import type { Family } from '../core/index.js';
import { nftFamily } from '../render/nftables.js';
import { familyLabel } from './desired.js';
import type { HostExec } from './host-exec.js';
import { commandFailed } from './host-exec.js';
import { parseIpsetSave, type SavedSet } from './ipset-save.js';
import { parseIptablesSave, type SavedTable } from './iptables-save.js';
import { parseNftTable, type NftTableState } from './nft-json.js';

/** Reading the kernel's NAT state: ipsets, the nat table per family, and nft tables. */

/** IptablesLive is the live iptables + ipset state: every set header, our sets' members, nat tables. */
export interface IptablesLive {
  /** all sets by name; members only for the names asked for */
  readonly sets: ReadonlyMap<string, SavedSet>;
  readonly nat: ReadonlyMap<Family, SavedTable | null>;
}

function saveTool(f: Family): string {
  return f === 4 ? 'iptables-save' : 'ip6tables-save';
}

/** restoreTool is the iptables-restore of a family: iptables-restore or ip6tables-restore. */
export function restoreTool(f: Family): string {
  return f === 4 ? 'iptables-restore' : 'ip6tables-restore';
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

/** readNatTable runs `iptables-save -t nat` (or ip6tables-save) and returns the nat table. */
async function readNatTable(exec: HostExec, family: Family): Promise<SavedTable | null> {
  const tool = saveTool(family);
  const r = await exec.run(tool, ['-t', 'nat']);
  if (r.code !== 0) throw commandFailed(tool, `read the ${familyLabel(family)} nat table`, r);
  const p = parseIptablesSave(r.stdout);
  if (!p.ok) throw unparseable(tool, `line ${p.error.line}: ${p.error.message}`);
  return p.value.get('nat') ?? null;
}

/** readIptablesLive reads the ipsets and the nat tables of the given families, concurrently. */
export async function readIptablesLive(
  exec: HostExec,
  families: readonly Family[],
  withMembers: (name: string) => boolean,
): Promise<IptablesLive> {
  const [sets, ...tables] = await Promise.all([readIpsets(exec, withMembers), ...families.map((f) => readNatTable(exec, f))]);
  return { sets, nat: new Map(families.map((f, i) => [f, tables[i] ?? null])) };
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
