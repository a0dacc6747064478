import yargs, { type Argv, type CommandModule, type Options } from 'yargs';
import { commandString, type CommandSpec, type OptionSpec } from '../commands/command.js';
import { PoolctlError, usageError } from '../base/errors.js';
import { ExitCode } from '../base/exit-codes.js';
import { GLOBAL_OPTIONS } from './global-options.js';
import { makeContext, type BaseContext } from './make-context.js';
import { reportError } from './report-error.js';
import { usageText } from './usage-text.js';
import { VERSION } from '../base/version-info.js';

/**
 * optionOf is the yargs declaration of an OptionSpec. A nonEmpty option refuses an empty value
 * in a coerce function (yargs reports a coerce failure as its own YError: a usage error); the
 * fast parser never accepts an empty value, so such a line always comes here.
 */
function optionOf(name: string, o: OptionSpec): Options {
  const aliases = o.alias === undefined ? [] : typeof o.alias === 'string' ? [o.alias] : o.alias;
  const flag = [...aliases, name]
    .sort((a, b) => a.length - b.length)
    .map((n) => (n.length === 1 ? `-${n}` : `--${n}`))
    .join('/');
  return {
    type: o.type,
    describe: o.describe,
    ...(o.alias !== undefined ? { alias: typeof o.alias === 'string' ? o.alias : [...o.alias] } : {}),
    ...(o.choices ? { choices: [...o.choices] } : {}),
    ...(o.default !== undefined ? { default: o.default } : {}),
    ...(o.array ? { array: true } : {}),
    ...(o.hidden ? { hidden: true } : {}),
    ...(o.type === 'string' ? { requiresArg: true } : {}),
    ...(o.nonEmpty
      ? {
          coerce: (v: unknown) => {
            if (v === '' || (Array.isArray(v) && v.includes(''))) throw new Error(`${flag} needs a file name, not an empty value`);
            return v;
          },
        }
      : {}),
  };
}

/** toModule turns a CommandSpec into a yargs CommandModule whose handler records the exit code. */
function toModule(spec: CommandSpec, base: BaseContext, result: { code: number }): CommandModule {
  return {
    command: commandString(spec),
    describe: spec.describe,
    aliases: spec.aliases ? [...spec.aliases] : [],
    builder: (y: Argv) => {
      let b: Argv<any> = y;
      for (const p of spec.positionals ?? []) {
        b = b.positional(p.name, {
          describe: p.describe,
          type: 'string',
          ...(p.variadic ? { array: true } : {}),
          ...(p.choices ? { choices: [...p.choices] } : {}),
        });
      }
      for (const [name, o] of Object.entries(spec.options ?? {})) b = b.option(name, optionOf(name, o));
      for (const sub of spec.subcommands ?? []) b = b.command(toModule(sub, base, result));
      if (spec.subcommands) b = b.demandCommand(1, `specify a '${spec.name}' subcommand`);
      for (const [cmd, what] of spec.examples ?? []) b = b.example(cmd, what);
      return b;
    },
    handler: async (argv: any) => {
      if (!spec.run) return;
      result.code = await spec.run(argv, makeContext(base, argv));
    },
  };
}

/**
 * runApp parses the arguments with yargs, runs the chosen command and returns the exit
 * status. It serves --help, completion and every usage error (exit 2); plain command lines
 * usually take the fast path in main.ts instead.
 */
export async function runApp(args: readonly string[], commands: readonly CommandSpec[], base: BaseContext): Promise<number> {
  const result = { code: ExitCode.OK as number };
  let y = yargs([...args])
    .scriptName('poolctl')
    .usage('poolctl [global options] <command> [args]\n\nCalico IPPools and the outgoing NAT they imply.')
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false })
    .version('version', 'Show version number', VERSION)
    .alias('h', 'help')
    .completion('__complete', false)
    .strict()
    .recommendCommands()
    .demandCommand(1, 'specify a command')
    .wrap(Math.min(110, (base.io.stdout as { columns?: number }).columns ?? 100))
    .exitProcess(false)
    .fail((msg: string | undefined, err: Error | undefined) => {
      // A YError is yargs' own finding about the command line (a string option given without
      // its value: "Not enough arguments following: f"): a usage error like the others.
      // Anything else was thrown by a command and goes on as it is. yargs' raw texts
      // ("Unknown arguments: ...") are reworded for this command line, with a hint.
      if (err && err.name !== 'YError') throw err;
      const t = usageText(msg ?? err?.message ?? 'invalid usage', args, commands);
      throw usageError(t.message, t.hint);
    });
  for (const [name, o] of Object.entries(GLOBAL_OPTIONS)) y = y.option(name, { ...optionOf(name, o), global: true });
  for (const spec of commands) y = y.command(toModule(spec, base, result));
  try {
    // yargs' own output (help, version, completions) goes to our streams, not the console.
    await y.parseAsync([...args], {}, (e: Error | undefined, _argv: unknown, output: string) => {
      if (output) (e ? base.io.stderr : base.io.stdout).write(output.endsWith('\n') ? output : `${output}\n`);
    });
  } catch (e) {
    if (e instanceof PoolctlError) return reportError(e, base.io, base.env);
    throw e;
  }
  return result.code;
}
