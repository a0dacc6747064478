import { commandString, type CommandSpec } from '../commands/command.js';
import { commandWord } from './fast-args.js';

/** UsageText is a usage error in poolctl's words: what is wrong, and what to run instead. */
export interface UsageText {
  readonly message: string;
  readonly hint: string;
}

/**
 * NOT_IN_POOLCTL are calicoctl's commands poolctl does not have (calicoctl/calicoctl/commands),
 * each with what to do instead.
 */
export const NOT_IN_POOLCTL: Readonly<Record<string, string>> = {
  ipam: "use 'calicoctl ipam show --show-blocks' (or 'calicoctl ipam check') for Calico IPAM's allocations; on etcd, 'poolctl delete ippool NAME --dry-run' names the IPAM blocks still in use in a pool",
  node: "use 'calicoctl node status|diags|checksystem' for calico/node; 'poolctl nat status' checks this host's outgoing-NAT rules",
  convert: "use 'calicoctl convert -f FILE' to convert v1 manifests; 'poolctl validate -f FILE' checks a v3 one",
  datastore: "use 'calicoctl datastore migrate ...' to move between datastores; 'poolctl config view' shows which datastore poolctl uses",
  cluster: "use 'calicoctl cluster diags' to collect diagnostics",
};

/** commandPath returns the commands a command line names (`nat explain` -> [nat, explain]), as far as they are known. */
function commandPath(args: readonly string[], commands: readonly CommandSpec[]): CommandSpec[] {
  const word = commandWord(args);
  const top = commands.find((c) => c.name === word || c.aliases?.includes(word ?? ''));
  if (!top) return [];
  const path = [top];
  if (top.subcommands) {
    const rest = args.slice(args.indexOf(word!) + 1).filter((a) => !a.startsWith('-'));
    const sub = top.subcommands.find((c) => c.name === rest[0]);
    if (sub) path.push(sub);
  }
  return path;
}

/**
 * usageText rewords a yargs failure message for the command line it came from: an unknown
 * command (with calicoctl's commands poolctl lacks, NOT_IN_POOLCTL), unknown flags or extra
 * arguments, missing arguments or subcommand, a flag without its value, a value not among the
 * choices. Anything else keeps yargs' text, with a pointer to --help.
 */
export function usageText(msg: string, args: readonly string[], commands: readonly CommandSpec[]): UsageText {
  const word = commandWord(args);
  const path = commandPath(args, commands);
  const name = ['poolctl', ...path.map((c) => c.name)].join(' ');
  const help = `run '${name} --help' for usage`;
  if (word !== undefined && path.length === 0) {
    const instead = NOT_IN_POOLCTL[word];
    if (instead) return { message: `poolctl has no '${word}' command: it manages Calico IPPools and their outgoing NAT`, hint: instead };
    const suggestion = /^Did you mean (\S+)\?/.exec(msg)?.[1];
    return {
      message: `unknown command '${word}'`,
      hint: `${suggestion ? `did you mean '${suggestion}'? ` : ''}run 'poolctl --help' for the commands`,
    };
  }
  const spec = path[path.length - 1];
  const unknown = /^Unknown arguments?: (.*)$/s.exec(msg);
  if (unknown) {
    const names = unknown[1]!.split(', ');
    const flags = names.filter((n) => args.some((a) => a === `-${n}` || a === `--${n}` || a.startsWith(`--${n}=`)));
    const extra = names.filter((n) => !flags.includes(n));
    const parts = [];
    if (flags.length > 0) parts.push(`unknown flag${flags.length > 1 ? 's' : ''} ${flags.map((f) => (f.length === 1 ? `-${f}` : `--${f}`)).join(', ')}`);
    if (extra.length > 0) parts.push(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((e) => `'${e}'`).join(', ')}`);
    return { message: `${name}: ${parts.join('; ')}`, hint: spec ? `usage: poolctl ${path.slice(0, -1).map((c) => `${c.name} `).join('')}${commandString(spec)}; ${help}` : help };
  }
  const missing = /^Not enough non-option arguments: got (\d+), need at least (\d+)/.exec(msg);
  if (missing && spec) {
    if (spec.subcommands) {
      return { message: `${name} needs a subcommand: ${spec.subcommands.map((c) => c.name).join(', ')}`, hint: help };
    }
    const wanted = (spec.positionals ?? []).filter((p) => p.required).map((p) => p.name);
    return {
      message: `${name} needs ${wanted.length > 0 ? wanted.join(', ') : `${missing[2]} argument(s)`} (got ${missing[1]} argument${missing[1] === '1' ? '' : 's'})`,
      hint: `usage: poolctl ${path.slice(0, -1).map((c) => `${c.name} `).join('')}${commandString(spec)}; ${help}`,
    };
  }
  const noValue = /^Not enough arguments following: (\S+)/.exec(msg);
  if (noValue) {
    const f = noValue[1]!;
    return { message: `${name}: flag ${f.length === 1 ? `-${f}` : `--${f}`} needs a value`, hint: help };
  }
  const choices = /^Invalid values:\s+Argument: (\S+), Given: (.*), Choices: (.*)$/s.exec(msg);
  if (choices) return { message: `${name}: invalid value ${choices[2]!.trim()} for --${choices[1]}: choose one of ${choices[3]!.trim()}`, hint: help };
  return { message: msg, hint: help };
}
