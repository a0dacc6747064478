import type { Context } from '../base/context.js';
import type { ExitCode } from '../base/exit-codes.js';

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
  /** values are completion candidates for a flag without choices (e.g. get's -o). */
  readonly values?: readonly string[];
  /** files: the flag takes a path, so completion offers files. */
  readonly files?: boolean;
  /** hidden leaves the flag out of --help. (A string flag always requires a value: cli/app.ts sets yargs' requiresArg.) */
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
  /** run executes the command and returns its exit status; expected failures throw PoolctlError (cli/exit-status.ts maps the code). */
  readonly run?: (args: A, ctx: Context) => Promise<ExitCode | number>;
}

/** OptionSpecs are a command's declared flags by name; declare them `as const satisfies OptionSpecs` so their args type can be derived. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Camel is a flag name as an argument key, as the parsers camel-case it: skip-exists -> skipExists. */
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** ValueOf is the value of one flag or positional: one of its choices, else by its type; an array when it repeats. */
type ValueOf<O extends { readonly type?: string; readonly choices?: readonly unknown[] }, Many> = (
  O['choices'] extends readonly (infer C)[] ? C : O['type'] extends 'boolean' ? boolean : O['type'] extends 'number' ? number : string
) extends infer V
  ? Many extends true
    ? V[]
    : V
  : never;

/** WithDefault are the flags that always have a value (they declare a default). */
type WithDefault<Os extends OptionSpecs> = { [K in keyof Os]: Os[K] extends { readonly default: unknown } ? K : never }[keyof Os];

/**
 * OptionArgs is the args type of declared flags, as both parsers produce it (yargs'
 * InferredOptionTypes for poolctl's OptionSpec): camel-cased keys; a flag with a default is
 * always there, any other may be absent.
 */
export type OptionArgs<Os extends OptionSpecs> = {
  readonly [K in WithDefault<Os> & string as Camel<K>]: ValueOf<Os[K], Os[K]['array']>;
} & {
  readonly [K in Exclude<keyof Os, WithDefault<Os>> & string as Camel<K>]?: ValueOf<Os[K], Os[K]['array']>;
};

/** PositionalArgs is the args type of declared positionals: a variadic one is an array; one not required may be absent. */
export type PositionalArgs<Ps extends readonly PositionalSpec[]> = {
  readonly [P in Ps[number] as P['required'] extends true ? P['name'] : never]: ValueOf<P, P['variadic']>;
} & {
  readonly [P in Ps[number] as P['required'] extends true ? never : P['name']]?: ValueOf<P, P['variadic']>;
};

/**
 * defineCommand returns its argument typed as a CommandSpec. Without a type argument the args
 * of run are derived from the declared options and positionals (F10: declare them once, `as
 * const`); an explicit type argument still names them by hand.
 */
export function defineCommand<const Os extends OptionSpecs = {}, const Ps extends readonly PositionalSpec[] = []>(
  spec: CommandSpec<OptionArgs<Os> & PositionalArgs<Ps>> & { readonly options?: Os; readonly positionals?: Ps },
): CommandSpec<OptionArgs<Os> & PositionalArgs<Ps>>;
export function defineCommand<A>(spec: CommandSpec<A>): CommandSpec<A>;
export function defineCommand(spec: CommandSpec): CommandSpec {
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
