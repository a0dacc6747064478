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

/**
 * V8_FLAGS are the V8 flags a line runs under, as `{ flag: value }` (true: --flag, false:
 * --no-flag, a number: --flag=N). A line's flags are set (v8.setFlagsFromString) just before its
 * bundle is compiled, in the build's training runs as in every start, so the code cache (which V8
 * takes only under the flags it was made with) is always taken; a process that loads a second
 * line (a path bundle handing help to the whole CLI) sets every flag of NAMED back to what that
 * line wants. Only flags that change how V8 spends its work (optimizing, collecting garbage) belong
 * here, never what the code computes or how much memory it may use.
 *   - `nat diff`: TurboFan's inlining off and 8x the interrupt budget (a function is optimized
 *     after 8x as much of its bytecode has run). A run of a few hundred milliseconds spent more on
 *     compiling (big inlined graphs, functions that had stopped being hot) than it won back: two
 *     10,000-pool states 0.87x wall, 0.76x CPU, 10% fewer page faults with 4x; 100,000 pools the
 *     same. With the young generation kept small (below), 8x beat 4x: 0.97x wall, 0.89x CPU (21
 *     rounds; 2x and 16x no better; 100,000 pools the same).
 *   - `nat diff` and `validate`: the young generation does not grow (a semi-space growth factor
 *     of 1: it keeps its first size instead of doubling after busy scavenges, up to 16 MiB). Each
 *     page of memory costs a page fault the first time it is touched (~11 us on this VM kind),
 *     and a growing young generation touches fresh pages where a small one reuses its own; more
 *     scavenges, each of few live objects, cost less than those faults. nat diff of two 10,000-
 *     pool states: 0.90x wall, 0.90x CPU, 3,100 fewer page faults (8.8k against 11.9k); 100,000
 *     pools within noise (1.01x); validate of 10,000 pools 0.95x wall, 1,400 fewer faults.
 *   - `validate`: inlining off (0.9x CPU for 10,000 pools; the higher budget was slower there).
 * Measured interleaved in fresh processes against the same build without flags (README, "Speed").
 */
const V8_FLAGS = {
  '': {},
  '-nat-diff': { 'turbo-inlining': false, 'interrupt-budget': 8 * 67584, 'semi-space-growth-factor': 1 },
  '-nat-explain': {},
  '-validate': { 'turbo-inlining': false, 'semi-space-growth-factor': 1 },
};

/**
 * FLAGS_MEASURED says whether this V8 is the one the flags were measured on (11.x, Node 20): only
 * there are they set. Elsewhere a flag might be gone (V8 writes "unrecognized flag" to stderr) or
 * its default other than NAMED's, and the gain is unmeasured.
 */
const FLAGS_MEASURED = process.versions.v8.startsWith('11.');

/** NAMED are the flags some line names, at V8's defaults (V8 11.3, Node 20: a line without flags sets nothing). */
const NAMED = { 'turbo-inlining': true, 'interrupt-budget': 67584, 'semi-space-growth-factor': 2 };

/** flagsSet are the flags as last set (V8's defaults at start: nothing to set for a line without flags). */
let flagsSet = flagText('');

/** flagText is the flag line of the line key: its V8_FLAGS, and the others of NAMED at their defaults. */
function flagText(key) {
  return Object.entries({ ...NAMED, ...V8_FLAGS[key] }).map(([f, on]) => (on === true ? `--${f}` : on === false ? `--no-${f}` : `--${f}=${on}`)).join(' ');
}

/** setFlagsOf sets the V8 flags of the line key (node:v8 loads only when they differ from those set). */
function setFlagsOf(key) {
  const want = flagText(key);
  if (!FLAGS_MEASURED || want === flagsSet) return;
  require('node:v8').setFlagsFromString(want);
  flagsSet = want;
}

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
function runBundle(file, cache = true, key = '') {
  setFlagsOf(key);
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
        if (!loaded.has(key)) loaded.set(key, runBundle(file, cache, key));
        return loaded.get(key).module.exports;
      },
    });
    require.cache[file] = entry;
  }
  return { main: require(join(dist, 'poolctl.cjs')).main, line: (key = '') => loaded.get(key) };
}

module.exports = { LINES, runBundle, startBundles, TRAILER };
