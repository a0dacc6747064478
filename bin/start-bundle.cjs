'use strict';
// start-bundle: starts the CLI from dist/'s CommonJS start bundles (scripts/build.mjs
// writeStartBundles). CommonJS on purpose: an ES module entry starts Node's ESM loader (~17 ms).
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');

/** TRAILER starts a bundle's last line, which names its build (the hash of its text). */
const TRAILER = '\n//# poolctl-build ';

/**
 * LINES name the start bundles of the lines main loads (src/cli/main.ts lineOf): poolctl-line.cjs
 * (line.ts, the whole CLI but `version`) and one per command path (path-line.ts), which holds
 * only that command's code: `poolctl-line${key}.cjs` is the build of src/cli/line${key}.ts.
 */
const LINES = ['', '-nat-diff', '-nat-explain', '-validate'];

/** readCache returns the V8 data of the bundle's cache (file + '.cache') if it names build, else undefined. */
function readCache(file, build) {
  let cache;
  try {
    cache = readFileSync(`${file}.cache`);
  } catch {
    return undefined; // No cache: compile.
  }
  const nl = cache.indexOf(10);
  return build !== '' && nl > 0 && cache.latin1Slice(0, nl) === build ? cache.subarray(nl + 1) : undefined;
}

/**
 * runBundle runs the CommonJS bundle at file as a vm.Script with the V8 code cache at
 * file + '.cache' (the build's hash, a newline, V8's data; none when cache is false, as the
 * training runs start) when that cache names this bundle's build; V8 itself rejects a cache of
 * another V8 or other flags. Without a usable cache the bundle compiles as any script does:
 * slower, never different. It returns the module and the script (whose createCachedData the
 * build's training run saves).
 */
function runBundle(file, cache = true) {
  const text = readFileSync(file, 'latin1');
  const at = text.lastIndexOf(TRAILER);
  const build = at < 0 ? '' : text.slice(at + TRAILER.length).trim();
  const cachedData = cache ? readCache(file, build) : undefined;
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
 * its require of each of the LINES (loaded when main asks for that line) go through runBundle
 * (with the code caches unless cache is false); line(key) is that bundle's run once it is loaded.
 */
function startBundles(dist, { cache = true } = {}) {
  const loaded = new Map();
  for (const key of LINES) {
    const file = join(dist, `poolctl-line${key}.cjs`);
    const entry = new Module(file);
    entry.filename = file;
    entry.loaded = true;
    Object.defineProperty(entry, 'exports', {
      get() {
        if (!loaded.has(key)) loaded.set(key, runBundle(file, cache));
        return loaded.get(key).module.exports;
      },
    });
    require.cache[file] = entry;
  }
  return { main: require(join(dist, 'poolctl.cjs')).main, line: (key = '') => loaded.get(key) };
}

module.exports = { LINES, runBundle, startBundles, TRAILER };
