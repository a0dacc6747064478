'use strict';
// exit-when-flushed: how bin/poolctl.js ends once main has returned (see exitWhenFlushed).

/**
 * whenFlushed calls done once every byte written to stream so far has been handed to the OS.
 * A write that a pipe could not take at once (its reader is slow) stays queued in the stream
 * (writableLength > 0): an empty write's callback runs after the writes before it, and the
 * check repeats. A stream that failed (a closed pipe, a full disk) calls nothing: main's error
 * handler (endOnClosedPipe) ends the process with its own status and words.
 */
function whenFlushed(stream, done) {
  if (stream.errored || stream.destroyed) return;
  if (!stream.writableLength) return done();
  stream.write('', (e) => {
    if (!e) whenFlushed(stream, done);
  });
}

/**
 * exitWhenFlushed ends the process (proc.exit(), with the proc.exitCode main set) as soon as
 * stdout and stderr are flushed, instead of letting Node wait for the event loop to drain and
 * tear down the heap first: that teardown costs ~40-160 ms after a run that built a large heap
 * (nat diff of 10,000 pools), and a leftover timer or socket could hold the process for
 * longer. Output is never cut short: files and TTYs are written synchronously, and a pipe's
 * queued writes are waited for (whenFlushed). It looks after the events already queued (a
 * failed write's error, which main answers), and main itself never exits (tests run it in-process).
 */
function exitWhenFlushed(proc) {
  setImmediate(() => whenFlushed(proc.stdout, () => whenFlushed(proc.stderr, () => proc.exit())));
}

module.exports = { exitWhenFlushed };
