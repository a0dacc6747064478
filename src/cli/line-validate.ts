// The line of `validate` (path-line.ts): main loads it for a command line that starts `validate`.
import validate from '../commands/validate.js';
import { pathLine } from './path-line.js';

export const { dispatch, reportError } = pathLine([validate]);
