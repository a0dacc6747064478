import fc from 'fast-check';
import parser from 'yargs-parser';
import { describe, expect, it } from 'vitest';
import { GLOBAL_OPTIONS } from '../../src/cli/global-options.js';
import { commandWord, fastParse, joinDashValues } from '../../src/cli/fast-args.js';
import type { CommandSpec, OptionSpec } from '../../src/commands/command.js';
import { loadAllCommands } from '../../src/commands/index.js';
import { fcRuns } from '../support/fc-runs.js';

const commands = await loadAllCommands();

const aliasesOf = (o: OptionSpec): readonly string[] => (o.alias === undefined ? [] : typeof o.alias === 'string' ? [o.alias] : o.alias);
const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const find = (list: readonly CommandSpec[], w: unknown): CommandSpec | undefined => list.find((c) => c.name === w || c.aliases?.includes(w as string));

/** yargsOptions is the yargs-parser configuration yargs itself gets from app.ts's declarations. */
function yargsOptions(options: Readonly<Record<string, OptionSpec>>): parser.Options {
  const out = { string: [] as string[], boolean: [] as string[], number: [] as string[], array: [] as string[], alias: {} as Record<string, string[]>, default: {} as Record<string, unknown> };
  for (const [name, o] of Object.entries(options)) {
    out[o.type].push(name);
    if (o.array) out.array.push(name);
    if (aliasesOf(o).length) out.alias[name] = [...aliasesOf(o)];
    if (o.default !== undefined) out.default[name] = o.default;
  }
  return {
    ...out,
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
 * reference is what the command would get through yargs-parser (the parser yargs uses): the
 * command path from the first words, the flags of that command, then the positionals.
 */
function reference(argv: string[]): { spec: CommandSpec; args: Record<string, unknown> } | 'invalid' {
  const first = parser([...argv], yargsOptions(GLOBAL_OPTIONS));
  const top = find(commands, first._[0]);
  const spec = top?.subcommands ? find(top.subcommands, first._[1]) : top;
  if (!top || !spec?.run) return 'invalid';
  const options = { ...GLOBAL_OPTIONS, ...(spec.options ?? {}) };
  const parsed = parser.detailed([...argv], yargsOptions(options));
  if (parsed.error) return 'invalid';
  const args = parsed.argv as Record<string, unknown> & { _: (string | number)[] };
  const path = spec === top ? [top.name] : [top.name, spec.name];
  const words = args._.slice(path.length).map(String);
  for (const p of spec.positionals ?? []) args[p.name] = p.variadic ? words.splice(0) : words.shift();
  for (const k of Object.keys(args)) if (args[k] === undefined) delete args[k];
  return { spec, args: { ...args, _: path, $0: 'poolctl' } };
}

/** words generates command lines from the commands' own names, flags and plausible values. */
function lines(): fc.Arbitrary<string[]> {
  const specs = commands.flatMap((c) => (c.subcommands ?? [c]).map((s) => ({ top: c, spec: s })));
  return fc.constantFrom(...specs).chain(({ top, spec }) => {
    const options = { ...GLOBAL_OPTIONS, ...(spec.options ?? {}) };
    const flagWords: string[] = [];
    for (const [name, o] of Object.entries(options)) {
      flagWords.push(`--${name}`, ...aliasesOf(o).map((a) => (a.length === 1 ? `-${a}` : `--${a}`)));
      if (o.type === 'boolean') flagWords.push(`--no-${name}`, `--${name}=true`);
      else flagWords.push(`--${name}=x`, `--${name}=`);
      if (o.choices) flagWords.push(...o.choices.map(String));
    }
    const word = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...flagWords) },
      { weight: 4, arbitrary: fc.constantFrom('10.244.1.5', '1.1.1.1', 'fd00::1', 'pools.yaml', '-', 'yaml', 'json', '5', 'ippools', 'true') },
      { weight: 1, arbitrary: fc.constantFrom('--', '-x', '--bogus', '-fR', '--filename-x', '') },
    );
    const path = spec === top ? [top.name] : [top.name, spec.name];
    return fc.tuple(fc.array(word, { maxLength: 2 }), fc.array(word, { maxLength: 6 })).map(([pre, post]) => [...pre, ...path, ...post]);
  });
}

describe('fastParse', () => {
  it('gives a command exactly the arguments yargs-parser gives it, or leaves the line to yargs', () => {
    let fast = 0;
    fc.assert(
      fc.property(lines(), (raw) => {
        const argv = joinDashValues(raw, commands);
        const got = fastParse(argv, commands);
        if (got === null) return;
        fast++;
        const want = reference(argv);
        expect(want).not.toBe('invalid');
        if (want === 'invalid') return;
        expect(got.spec).toBe(want.spec);
        expect(got.args).toEqual(want.args);
      }),
      { numRuns: fcRuns(4000) },
    );
    // The fast path took a good share of the lines (so the comparison above was not vacuous).
    expect(fast).toBeGreaterThan(fcRuns(4000) / 20);
  });

  it('reads the common lines itself', () => {
    const r = fastParse(['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', 'examples/pools.yaml', '--no-color'], commands);
    expect(r?.spec.name).toBe('explain');
    expect(r?.args).toMatchObject({ _: ['nat', 'explain'], src: '10.244.1.5', dst: '1.1.1.1', filename: ['examples/pools.yaml'], f: ['examples/pools.yaml'], color: false });
    const g = fastParse(['--store', '/tmp/s', 'get', 'ippools', '-o', 'wide'], commands);
    expect(g?.args).toMatchObject({ _: ['get'], store: '/tmp/s', output: 'wide', o: 'wide' });
  });

  it('leaves help, unknown flags, clusters, bad choices and missing values to yargs', () => {
    for (const argv of [
      ['nat', 'explain', '--help'],
      ['nat', 'explain', 'a', 'b', '--bogus'],
      ['validate', '-Rf', 'x'],
      ['nat', 'explain', 'a', 'b', '-o', 'xml'],
      ['nat', 'explain', 'a', 'b', '-f'],
      ['get'],
      ['apply', '--config', '-'],
      ['nat', 'frob'],
      ['frob'],
    ]) {
      expect(fastParse(argv, commands), argv.join(' ')).toBeNull();
    }
  });
});

describe('commandWord', () => {
  it('skips global flags and their values', () => {
    expect(commandWord(['--store', '/x', '--no-color', 'get', 'ippools'])).toBe('get');
    expect(commandWord(['-c=/etc/x', 'nat', 'explain'])).toBe('nat');
    expect(commandWord(['--bogus', 'get'])).toBeUndefined();
    expect(commandWord([])).toBeUndefined();
  });
});
