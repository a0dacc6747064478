'use strict';
// run-marks: preloaded (node -r) into a CLI run by bench/startup.ts. On exit it writes to stderr
// one line `MARKS {...}`: monotonic clock readings (process.hrtime, ns; the same clock in every
// process) at the first open of a file whose path ends with $POOLCTL_BENCH_INPUT (the command's
// first real work) and at the last write to stdout; so the bench can split a run's wall time
// into the fixed costs before and after the command's work.
const fs = require('node:fs');

const now = () => String(process.hrtime.bigint());
const marks = {};
const input = process.env.POOLCTL_BENCH_INPUT;
const open = fs.openSync;
fs.openSync = function openSync(path, ...rest) {
  if (input && marks.open === undefined && String(path).endsWith(input)) marks.open = now();
  return open.call(this, path, ...rest);
};
const write = process.stdout.write;
process.stdout.write = function (...args) {
  marks.lastWrite = now();
  return write.apply(this, args);
};
process.on('exit', () => fs.writeSync(2, `MARKS ${JSON.stringify({ ...marks, exit: now() })}\n`));
