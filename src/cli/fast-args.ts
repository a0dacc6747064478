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

/** FoundFlag is the declared option a flag names. */
interface FoundFlag {
  readonly name: string;
  readonly option: OptionSpec;
  /** negated: the flag was --no-NAME of a boolean. */
  readonly negated: boolean;
}

/** flagFinder returns a lookup from flag text (`--name`, `--alias`, `-a`, `--no-name`) to the declared option. */
function flagFinder(options: Readonly<Record<string, OptionSpec>>): (flag: string) => FoundFlag | undefined {
  const byFlag = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) {
    byFlag.set(`--${name}`, name);
    for (const a of aliasesOf(o)) byFlag.set(a.length === 1 ? `-${a}` : `--${a}`, name);
  }
  return (flag) => {
    const name = byFlag.get(flag);
    if (name !== undefined) return { name, option: options[name]!, negated: false };
    const positive = flag.startsWith('--no-') ? byFlag.get(`--${flag.slice(5)}`) : undefined;
    if (positive !== undefined && options[positive]!.type === 'boolean') return { name: positive, option: options[positive]!, negated: true };
    return undefined;
  };
}

/** isFlag reports whether a command-line word is a flag (a lone `-` is a positional: stdin). */
function isFlag(token: string): boolean {
  return token.length > 1 && token[0] === '-';
}

/**
 * parseFlags reads a command line against declared options as yargs-parser does with
 * poolctl's configuration (camel-case expansion, --no- negation, no number parsing of
 * positionals, repeated array flags, defaults), for the plain forms only: `--name value`,
 * `--name=value`, `-a value`, `--flag`, `--no-flag`, `--`. Anything else (an unknown flag,
 * short-flag clusters, a boolean given a value, a flag missing its value, a repeated
 * single-valued flag, an empty or non-numeric value) returns null, and yargs, which reads
 * every form and words the errors, answers instead. It costs microseconds where loading
 * yargs-parser costs ~5 ms of start-up; test/cli/fast-args.test.ts checks it against
 * yargs-parser on generated command lines.
 */
function parseFlags(argv: readonly string[], options: Readonly<Record<string, OptionSpec>>): (Record<string, unknown> & { _: string[] }) | null {
  const find = flagFinder(options);
  const values = new Map<string, unknown>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isFlag(token)) {
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const found = find(eq > 0 ? token.slice(0, eq) : token);
    if (!found) return null;
    const { name, option, negated } = found;
    let v: unknown = !negated;
    if (option.type !== 'boolean') {
      let value = eq > 0 ? token.slice(eq + 1) : argv[++i];
      // A lone `-` value is left to yargs unless joinDashValues joined it (`-f=-`).
      if (value === undefined || value === '' || (eq < 0 && (isFlag(value) || value === '-'))) return null;
      v = value;
      if (option.type === 'number') {
        v = Number(value);
        if (Number.isNaN(v) || value.trim() !== value) return null;
      }
    } else if (eq > 0 || argv[i + 1] === 'true' || argv[i + 1] === 'false') {
      return null;
    }
    if (option.choices && !option.choices.includes(v as string | number)) return null;
    if (option.array) values.set(name, [...((values.get(name) as unknown[] | undefined) ?? []), v]);
    else if (values.has(name)) return null;
    else values.set(name, v);
  }
  const args: Record<string, unknown> & { _: string[] } = { _: positionals };
  for (const [name, o] of Object.entries(options)) {
    const v = values.has(name) ? values.get(name) : o.default;
    if (v === undefined) continue;
    for (const n of [name, ...aliasesOf(o)]) {
      args[n] = Array.isArray(v) ? [...(v as unknown[])] : v;
      args[camel(n)] = args[n];
    }
  }
  return args;
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
 * value (the command's name or alias), or undefined (also when a flag before it is not a
 * plain global one: yargs then reads the line).
 */
export function commandWord(argv: readonly string[]): string | undefined {
  const find = flagFinder(GLOBAL_OPTIONS);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!isFlag(token)) return token === '--' ? undefined : token;
    const eq = token.indexOf('=');
    const found = find(eq > 0 ? token.slice(0, eq) : token);
    if (!found) return undefined;
    if (found.option.type !== 'boolean' && eq < 0) i++;
  }
  return undefined;
}

/**
 * fastParse parses a command line from the commands' declared flags without loading yargs
 * (~50 ms of start-up) or yargs-parser (~5 ms). It returns null whenever yargs should answer
 * instead: --help, completion requests, unknown commands or flags, bad choices, missing or
 * extra positionals, and any form parseFlags leaves to yargs. So every error and help text
 * still comes from yargs, and a command sees the same argument object either way.
 */
export function fastParse(argv: readonly string[], commands: readonly CommandSpec[]): FastParse | null {
  if (argv.some((a) => a === '--help' || a === '-h' || a === '--version' || a.startsWith('--get-yargs-completions'))) {
    return null;
  }
  const top = findCommand(commands, commandWord(argv));
  if (!top) return null;
  // The command path: the top command, or the subcommand whose flags read the line with its name second.
  for (const spec of top.subcommands ?? [top]) {
    if (!spec.run) continue;
    const args = parseFlags(argv, { ...GLOBAL_OPTIONS, ...(spec.options ?? {}) });
    if (!args || findCommand(commands, args._[0]) !== top) continue;
    const path = spec === top ? [top.name] : [top.name, spec.name];
    if (spec !== top && findCommand([spec], args._[1]) !== spec) continue;
    return withPositionals(spec, path, args);
  }
  return null;
}

/** withPositionals names the words after the command path as the command declares them, or returns null if they do not fit. */
function withPositionals(spec: CommandSpec, path: string[], args: Record<string, unknown> & { _: string[] }): FastParse | null {
  const words = args._.slice(path.length);
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
