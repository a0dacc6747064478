'use strict';
// start-bundle: starts the CLI from dist/'s CommonJS start bundles (scripts/build.mjs
// writeStartBundles). CommonJS on purpose: an ES module entry starts Node's ESM loader (~17 ms).
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');

/** TRAILER starts a bundle's last line, which names its build (the hash of its text). */
const TRAILER = '\n//# poolctl-build ';

/**
 * runBundle runs the CommonJS bundle at file as a vm.Script with the V8 code cache at
 * file + '.cache' (the build's hash, a newline, V8's data) when that cache names this bundle's
 * build; V8 itself rejects a cache of another V8 or other flags. Without a usable cache the
 * bundle compiles as any script does: slower, never different. It returns the module and the
 * script (whose createCachedData the build's training run saves).
 */
function runBundle(file) {
  const text = readFileSync(file, 'latin1');
  const at = text.lastIndexOf(TRAILER);
  const build = at < 0 ? '' : text.slice(at + TRAILER.length).trim();
  let cachedData;
  try {
    const cache = readFileSync(`${file}.cache`);
    const nl = cache.indexOf(10);
    if (build !== '' && nl > 0 && cache.latin1Slice(0, nl) === build) cachedData = cache.subarray(nl + 1);
  } catch {
    // No cache: compile.
  }
  // The bundle is written as CommonJS's function wrapper already (Module.wrap would make V8 copy the text).
  // node:vm loads here: `version` never needs it.
  const { Script } = require('node:vm');
  const script = new Script(text, { filename: file, cachedData });
  const module = new Module(file);
  module.filename = file;
  module.paths = Module._nodeModulePaths(dirname(file));
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, dirname(file));
  module.loaded = true;
  return { module, script };
}

/**
 * startBundles returns main (dist/poolctl.cjs, required as usual: it is small) after making
 * its require('./poolctl-line.cjs') (the rest of the CLI, loaded when a command line is not
 * `version`) go through runBundle; line() is that bundle's run once it is loaded.
 */
function startBundles(dist) {
  const file = join(dist, 'poolctl-line.cjs');
  let line;
  const entry = new Module(file);
  entry.filename = file;
  entry.loaded = true;
  Object.defineProperty(entry, 'exports', {
    get() {
      line ??= runBundle(file);
      return line.module.exports;
    },
  });
  require.cache[file] = entry;
  return { main: require(join(dist, 'poolctl.cjs')).main, line: () => line };
}

module.exports = { runBundle, startBundles, TRAILER };
