import type { Context } from '../cli/context.js';
import type { ExitCode } from '../cli/exit-codes.js';

/**
 * OptionSpec declares one flag. The same declaration drives the fast argument parser
 * (cli/fast-args.ts, on every run) and yargs (help, completion, usage errors).
 */
export interface OptionSpec {
  readonly type: 'string' | 'boolean' | 'number';
  readonly describe: string;
  readonly alias?: string | readonly string[];
  readonly choices?: readonly (string | number)[];
  readonly default?: string | boolean | number | readonly string[];
  /** array: the flag may repeat (-f a -f b) and always yields an array. */
  readonly array?: boolean;
  readonly hidden?: boolean;
  /** nonEmpty: the value names a file, so an empty one (`-f ''`) is a usage error, not the current directory. */
  readonly nonEmpty?: boolean;
}

/** PositionalSpec declares one positional argument, in order. */
export interface PositionalSpec {
  readonly name: string;
  readonly describe: string;
  readonly required?: boolean;
  /** variadic: takes all remaining positionals as an array (must be last). */
  readonly variadic?: boolean;
  readonly choices?: readonly string[];
}

/**
 * CommandSpec is one command's static metadata and its run function (npm's one file per
 * command; kubectl's Complete -> Validate -> Run inside run). Flags are declared as data;
 * heavy modules are imported inside run so that start-up stays cheap.
 */
export interface CommandSpec<A = any> {
  readonly name: string;
  readonly describe: string;
  readonly aliases?: readonly string[];
  readonly positionals?: readonly PositionalSpec[];
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** examples are [command line, what it does] pairs shown in --help. */
  readonly examples?: readonly (readonly [string, string])[];
  /** subcommands make this a command group (e.g. `nat`); a group has no run. */
  readonly subcommands?: readonly CommandSpec[];
  /** run executes the command and returns its exit status; expected failures throw CliError. */
  readonly run?: (args: A, ctx: Context) => Promise<ExitCode | number>;
}

/** defineCommand returns its argument typed as a CommandSpec; it exists for inference. */
export function defineCommand<A>(spec: CommandSpec<A>): CommandSpec<A> {
  return spec;
}

/** commandString returns the yargs command string of a spec, e.g. "explain <src> [dst]". */
export function commandString(spec: CommandSpec): string {
  const parts = [spec.name];
  for (const p of spec.positionals ?? []) {
    const n = p.variadic ? `${p.name}..` : p.name;
    parts.push(p.required ? `<${n}>` : `[${n}]`);
  }
  if (spec.subcommands) parts.push('<command>');
  return parts.join(' ');
}
