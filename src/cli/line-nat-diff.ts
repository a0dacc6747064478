// The line of `nat diff` (path-line.ts): main loads it for a command line that starts `nat diff`.
import diff from '../commands/nat/diff.js';
import { pathLine } from './path-line.js';

export const { dispatch, reportError } = pathLine([{ name: 'nat', describe: 'nat diff', subcommands: [diff] }]);
