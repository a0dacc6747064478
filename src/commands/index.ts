import type { CommandSpec } from './command.js';

/**
 * CommandEntry names a top-level command and loads its declaration on demand, so a run loads
 * only the command it runs (help and completion load them all).
 */
export interface CommandEntry {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly load: () => Promise<CommandSpec>;
}

/** COMMANDS is the explicit, sorted list of top-level commands (no registration by side effect). */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'apply', load: async () => (await import('./apply.js')).default },
  { name: 'completion', load: async () => (await import('./completion.js')).default },
  { name: 'config', load: async () => (await import('./config.js')).default },
  { name: 'create', load: async () => (await import('./create.js')).default },
  { name: 'delete', load: async () => (await import('./delete.js')).default },
  { name: 'diff', load: async () => (await import('./diff.js')).default },
  { name: 'get', aliases: ['list'], load: async () => (await import('./get.js')).default },
  { name: 'label', load: async () => (await import('./label.js')).default },
  { name: 'nat', load: async () => (await import('./nat/index.js')).default },
  { name: 'patch', load: async () => (await import('./patch.js')).default },
  { name: 'replace', load: async () => (await import('./replace.js')).default },
  { name: 'validate', load: async () => (await import('./validate.js')).default },
  { name: 'version', load: async () => (await import('./version.js')).default },
];

/** findCommand returns the entry a command word names (by name or alias), or undefined. */
export function findCommand(word: string | undefined): CommandEntry | undefined {
  return word === undefined ? undefined : COMMANDS.find((c) => c.name === word || c.aliases?.includes(word));
}

/** loadCommand returns an entry's declaration with the entry's aliases. */
export async function loadCommand(entry: CommandEntry): Promise<CommandSpec> {
  const spec = await entry.load();
  return entry.aliases ? { ...spec, aliases: entry.aliases } : spec;
}

/** loadAllCommands returns every top-level declaration, in COMMANDS order. */
export function loadAllCommands(): Promise<CommandSpec[]> {
  return Promise.all(COMMANDS.map(loadCommand));
}
