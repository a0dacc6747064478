import type { CommandSpec, OptionSpec } from '../commands/command.js';

/**
 * Completion is what the shell should offer for the word being completed: these words, the
 * files of the file system (after a flag that takes a path), or the names of the resources
 * of `kind` (the word that named it: `ippools`, `felixconfig`, or `ippool/a`) in the
 * configured store.
 */
export type Completion =
  | { readonly type: 'words'; readonly words: readonly string[] }
  | { readonly type: 'files' }
  | { readonly type: 'names'; readonly kind: string };

/** KIND_POSITIONAL is the positional that names a kind; the names positionals after it take resource names. */
const KIND_POSITIONAL = 'resource';
const NAME_POSITIONALS: ReadonlySet<string> = new Set(['name', 'names']);

function optionNamed(options: Readonly<Record<string, OptionSpec>>, flag: string): OptionSpec | undefined {
  for (const [name, o] of Object.entries(options)) {
    const aliases = o.alias === undefined ? [] : typeof o.alias === 'string' ? [o.alias] : o.alias;
    if (flag === `--${name}` || aliases.some((a) => flag === (a.length === 1 ? `-${a}` : `--${a}`))) return o;
  }
  return undefined;
}

function flagsOf(options: Readonly<Record<string, OptionSpec>>): string[] {
  return Object.entries(options)
    .filter(([, o]) => !o.hidden)
    .map(([name]) => `--${name}`);
}

/**
 * completeLine returns what to offer for the last of `words` (the command line after
 * `poolctl`, the word being completed last, possibly empty), from the commands' and the
 * global options' declarations alone: command and subcommand names, flags (long forms), a flag's choices or values, files
 * after a flag that takes a path, the kinds for a `resource` positional (`kinds`), the
 * resource names after it, and a positional's choices.
 */
export function completeLine(
  words: readonly string[],
  commands: readonly CommandSpec[],
  globals: Readonly<Record<string, OptionSpec>>,
  kinds: readonly string[],
): Completion {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  let level: readonly CommandSpec[] = commands;
  let spec: CommandSpec | undefined;
  let options: Readonly<Record<string, OptionSpec>> = globals;
  const positionals: string[] = [];
  let pending: OptionSpec | undefined;
  for (const w of before) {
    if (pending) {
      pending = undefined;
      continue;
    }
    if (w.startsWith('-') && w.length > 1) {
      const o = optionNamed(options, w.split('=')[0]!);
      if (o && o.type !== 'boolean' && !w.includes('=')) pending = o;
      continue;
    }
    const sub = spec && !spec.subcommands ? undefined : level.find((c) => c.name === w || c.aliases?.includes(w));
    if (sub) {
      spec = sub;
      level = sub.subcommands ?? [];
      options = { ...globals, ...(sub.options ?? {}) };
      continue;
    }
    positionals.push(w);
  }
  if (pending) {
    if (pending.files) return { type: 'files' };
    return { type: 'words', words: (pending.choices ?? pending.values ?? []).map(String) };
  }
  if (current.startsWith('-')) return { type: 'words', words: flagsOf(options) };
  if (!spec || spec.subcommands) return { type: 'words', words: level.flatMap((c) => [c.name, ...(c.aliases ?? [])]) };
  const declared = spec.positionals ?? [];
  const at = declared[Math.min(positionals.length, declared.length - 1)];
  if (!at || (positionals.length >= declared.length && !at.variadic)) return { type: 'words', words: [] };
  if (at.choices) return { type: 'words', words: at.choices };
  if (at.name === KIND_POSITIONAL) return { type: 'words', words: kinds };
  if (NAME_POSITIONALS.has(at.name) && declared.some((p) => p.name === KIND_POSITIONAL)) return { type: 'names', kind: positionals[0] ?? '' };
  return { type: 'words', words: [] };
}
