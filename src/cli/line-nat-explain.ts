// The line of `nat explain` (path-line.ts): main loads it for a command line that starts `nat explain`.
import explain from '../commands/nat/explain.js';
import { pathLine } from './path-line.js';

export const { dispatch, reportError } = pathLine([{ name: 'nat', describe: 'nat explain', subcommands: [explain] }]);
