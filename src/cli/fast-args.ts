import parser from 'yargs-parser';
import type { CommandSpec, OptionSpec } from '../commands/command.js';
import { GLOBAL_OPTIONS } from './global-options.js';

/** FastParse is a command line the fast path understood completely. */
export interface FastParse {
  readonly spec: CommandSpec;
  readonly args: Record<string, unknown>;
}

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function aliasesOf(o: OptionSpec): readonly string[] {
  return o.alias === undefined ? [] : typeof o.alias === 'string' ? [o.alias] : o.alias;
}

function parserOptions(options: Readonly<Record<string, OptionSpec>>): parser.Options {
  const string: string[] = [];
  const boolean: string[] = [];
  const number: string[] = [];
  const array: string[] = [];
  const alias: Record<string, string[]> = {};
  const dflt: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(options)) {
    (o.type === 'string' ? string : o.type === 'boolean' ? boolean : number).push(name);
    if (o.array) array.push(name);
    const al = aliasesOf(o);
    if (al.length) alias[name] = [...al];
    if (o.default !== undefined) dflt[name] = o.default;
  }
  return {
    string,
    boolean,
    number,
    array,
    alias,
    default: dflt,
    configuration: {
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'boolean-negation': true,
      'camel-case-expansion': true,
      'duplicate-arguments-array': true,
      'greedy-arrays': false,
      'strip-dashed': false,
      'unknown-options-as-args': false,
    },
  };
}

/**
 * joinDashValues rewrites `<string flag> -` as `<string flag>=-` for every string option of
 * the commands (e.g. `-f -`, stdin): yargs-parser reads a lone `-` after an array flag as
 * another flag and leaves the flag empty. Both parsers get the rewritten line.
 */
export function joinDashValues(argv: readonly string[], commands: readonly CommandSpec[]): string[] {
  if (!argv.includes('-')) return [...argv];
  const flags = new Set<string>();
  const visit = (list: readonly CommandSpec[]): void => {
    for (const c of list) {
      for (const [name, o] of Object.entries(c.options ?? {})) {
        if (o.type !== 'string') continue;
        flags.add(`--${name}`);
        for (const a of aliasesOf(o)) flags.add(a.length === 1 ? `-${a}` : `--${a}`);
      }
      visit(c.subcommands ?? []);
    }
  };
  visit(commands);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (argv[i + 1] === '-' && flags.has(a)) {
      out.push(`${a}=-`);
      i++;
    } else out.push(a);
  }
  return out;
}

function findCommand(list: readonly CommandSpec[], word: unknown): CommandSpec | undefined {
  if (typeof word !== 'string') return undefined;
  return list.find((c) => c.name === word || c.aliases?.includes(word));
}

/**
 * commandWord returns the first word of a command line that is not a global option or its
 * value (the command's name or alias), or undefined.
 */
export function commandWord(argv: readonly string[]): string | undefined {
  const w = parser([...argv], parserOptions(GLOBAL_OPTIONS))._[0];
  return typeof w === 'string' ? w : undefined;
}

/**
 * fastParse parses a command line with yargs-parser from the commands' declared flags,
 * without loading yargs (~50 ms of start-up). It returns null whenever yargs should answer
 * instead: --help, completion requests, unknown commands or flags, bad choices, missing or
 * extra positionals. So every error and help text still comes from yargs, and a command
 * sees the same argument object either way.
 */
export function fastParse(argv: readonly string[], commands: readonly CommandSpec[]): FastParse | null {
  if (argv.some((a) => a === '--help' || a === '-h' || a === '--version' || a.startsWith('--get-yargs-completions'))) {
    return null;
  }
  // Pass 1: find the command path using the global options only.
  const first = parser([...argv], parserOptions(GLOBAL_OPTIONS));
  let spec = findCommand(commands, first._[0]);
  const path: string[] = [];
  if (!spec) return null;
  path.push(spec.name);
  if (spec.subcommands) {
    spec = findCommand(spec.subcommands, first._[1]);
    if (!spec) return null;
    path.push(spec.name);
  }
  if (!spec.run) return null;
  // Pass 2: the command's own flags plus the global ones.
  const options = { ...GLOBAL_OPTIONS, ...(spec.options ?? {}) };
  const parsed = parser.detailed([...argv], parserOptions(options));
  if (parsed.error) return null;
  const args = parsed.argv as Record<string, unknown> & { _: (string | number)[] };
  const known = new Set<string>(['_', '$0', '--']);
  for (const [name, o] of Object.entries(options)) {
    for (const n of [name, ...aliasesOf(o)]) {
      known.add(n);
      known.add(camel(n));
    }
  }
  for (const key of Object.keys(args)) if (!known.has(key)) return null;
  for (const [name, o] of Object.entries(options)) {
    const v = args[name];
    if (v === undefined) continue;
    if (!o.array && Array.isArray(v)) return null;
    const values = Array.isArray(v) ? v : [v];
    for (const x of values) {
      if (o.type === 'number' && (typeof x !== 'number' || Number.isNaN(x))) return null;
      if (o.type === 'string' && (typeof x !== 'string' || x === '')) return null;
      if (o.choices && !o.choices.includes(x as string | number)) return null;
    }
  }
  // Positionals: the words after the command path, in declared order.
  const words = args._.slice(path.length).map(String);
  for (const p of spec.positionals ?? []) {
    if (p.variadic) {
      const rest = words.splice(0);
      if (p.required && rest.length === 0) return null;
      args[p.name] = rest;
      continue;
    }
    const w = words.shift();
    if (w === undefined) {
      if (p.required) return null;
      continue;
    }
    if (p.choices && !p.choices.includes(w)) return null;
    args[p.name] = w;
  }
  if (words.length > 0) return null;
  args._ = path;
  args.$0 = 'poolctl';
  return { spec, args };
}
