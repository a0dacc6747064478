// What main loads for every command line but `version`, in one import: `poolctl version`
// starts without the command table, the parsers or the error reporter (bin/poolctl.js loads
// the start bundle of this module, with its code cache, only when main asks for it).
export { dispatch } from './dispatch.js';
export { reportError } from './report-error.js';
