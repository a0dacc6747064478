import type { CommandSpec } from './command.js';
import apply from './apply.js';
import completion from './completion.js';
import create from './create.js';
import del from './delete.js';
import get from './get.js';
import nat from './nat/index.js';
import replace from './replace.js';
import validate from './validate.js';
import version from './version.js';

/** COMMANDS is the explicit, sorted list of top-level commands (no registration by side effect). */
export const COMMANDS: readonly CommandSpec[] = [apply, completion, create, del, get, nat, replace, validate, version];
