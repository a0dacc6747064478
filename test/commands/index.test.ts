import { describe, expect, it } from 'vitest';
import { COMMANDS, findCommand, loadAllCommands } from '../../src/commands/index.js';

describe('command registry', () => {
  it('is sorted, and each entry loads the declaration of the same name', async () => {
    const names = COMMANDS.map((c) => c.name);
    expect(names).toEqual([...names].sort());
    const specs = await loadAllCommands();
    expect(specs.map((s) => s.name)).toEqual(names);
    for (const s of specs) expect(s.run !== undefined || s.subcommands !== undefined).toBe(true);
  });

  it('finds commands by name and alias, and nothing else', () => {
    expect(findCommand('get')?.name).toBe('get');
    expect(findCommand('list')?.name).toBe('get');
    expect(findCommand('nat')?.name).toBe('nat');
    expect(findCommand('frobnicate')).toBeUndefined();
    expect(findCommand(undefined)).toBeUndefined();
  });

  it('declares examples for every command and subcommand', async () => {
    const missing: string[] = [];
    for (const s of await loadAllCommands()) {
      for (const c of s.subcommands ?? [s]) if (!c.examples?.length) missing.push(c.name);
    }
    expect(missing).toEqual([]);
  });
});
