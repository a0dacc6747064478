'use strict';
// start-bundle: starts the CLI from dist/'s CommonJS start bundles (scripts/build.mjs
// writeStartBundles). CommonJS on purpose: an ES module entry starts Node's ESM loader (~17 ms).
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');

/** TRAILER starts a bundle's last line, which names its build (the hash of its text). */
const TRAILER = '\n//# poolctl-build ';

/**
 * CACHE_PATHS are the command paths with a code cache of their own (trained on that path only,
 * scripts/train-start-cache.cjs), by their first two words: V8 reads a whole cache at start-up,
 * ~1.7 ms per 100 KB here, so a path loads only the functions it runs. Every other command
 * line takes the default cache, trained on all of them.
 */
const CACHE_PATHS = { 'nat explain': 'nat-explain', 'nat diff': 'nat-diff', validate: 'validate' };

/** cachePathOf returns the CACHE_PATHS name of a command line (process.argv), or '' for the default cache. */
function cachePathOf(argv) {
  const words = argv.slice(2).filter((a) => a[0] !== '-');
  return CACHE_PATHS[words[0]] ?? CACHE_PATHS[`${words[0]} ${words[1]}`] ?? '';
}

/** cacheFile names the code cache of a bundle for a cache path ('' is the default cache). */
function cacheFile(file, path) {
  return path === '' ? `${file}.cache` : `${file}.${path}.cache`;
}

/** readCache returns the V8 data of the bundle's cache for path (else its default cache) if it names build, else undefined. */
function readCache(file, path, build) {
  let cache;
  try {
    cache = readFileSync(cacheFile(file, path));
  } catch {
    try {
      cache = readFileSync(cacheFile(file, ''));
    } catch {
      return undefined; // No cache: compile.
    }
  }
  const nl = cache.indexOf(10);
  return build !== '' && nl > 0 && cache.latin1Slice(0, nl) === build ? cache.subarray(nl + 1) : undefined;
}

/**
 * runBundle runs the CommonJS bundle at file as a vm.Script with the V8 code cache at
 * cacheFile(file, path) (the build's hash, a newline, V8's data), or the default cache when
 * the path has none (path null: no cache, as the training runs start), when that cache names this bundle's build; V8 itself rejects a cache of
 * another V8 or other flags. Without a usable cache the bundle compiles as any script does:
 * slower, never different; a cache of another path only leaves more to compile. It returns the
 * module and the script (whose createCachedData the build's training run saves).
 */
function runBundle(file, path = '') {
  const text = readFileSync(file, 'latin1');
  const at = text.lastIndexOf(TRAILER);
  const build = at < 0 ? '' : text.slice(at + TRAILER.length).trim();
  const cachedData = path === null ? undefined : readCache(file, path, build);
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
 * `version`) go through runBundle with the code cache of argv's command path (cachePathOf; the
 * default cache without argv, none with argv null); line() is that bundle's run once it is loaded.
 */
function startBundles(dist, argv = []) {
  const file = join(dist, 'poolctl-line.cjs');
  let line;
  const entry = new Module(file);
  entry.filename = file;
  entry.loaded = true;
  Object.defineProperty(entry, 'exports', {
    get() {
      line ??= runBundle(file, argv === null ? null : cachePathOf(argv));
      return line.module.exports;
    },
  });
  require.cache[file] = entry;
  return { main: require(join(dist, 'poolctl.cjs')).main, line: () => line };
}

module.exports = { cacheFile, cachePathOf, CACHE_PATHS, runBundle, startBundles, TRAILER };
