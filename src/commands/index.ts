import type { CommandSpec } from './command.js';
import completion from './completion.js';
import version from './version.js';

/** COMMANDS is the explicit, sorted list of top-level commands (no registration by side effect). */
export const COMMANDS: readonly CommandSpec[] = [completion, version];
