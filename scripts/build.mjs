// Build: bundle src/cli/main.ts with esbuild into dist/ (ESM, code-split so each command
// loads only what it needs), and the same CLI as one CommonJS file with a V8 code cache for
// bin/poolctl.js's start-up (dist/poolctl.cjs, dist/poolctl.cjs.cache; see writeStartBundle).
// Runs on `npm ci` through the prepare script.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import startBundle from '../bin/start-bundle.cjs';

/** LINES are the keys of the line start bundles (bin/start-bundle.cjs). */
const { LINES } = startBundle;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** REQUIRE_BANNER gives ESM chunks the `require` that bundled CommonJS code calls for Node built-ins. */
const REQUIRE_BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

// --outdir DIR builds elsewhere (helpers and tests that must not disturb dist/); the extra
// run.js there starts the CLI like bin/poolctl.js does.
const i = process.argv.indexOf('--outdir');
const outdir = i > 0 ? join(process.cwd(), process.argv[i + 1]) : join(root, 'dist');
rmSync(outdir, { recursive: true, force: true });
/** COMMON are the esbuild options both bundles share. */
const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: process.env.NOMINIFY ? false : true,
  sourcemap: false,
  legalComments: 'none',
  external: ['etcd3', '@grpc/grpc-js', '@grpc/proto-loader'],
  // string-width 8 costs ~60 ms at import (Unicode /v regexes); see scripts/shims/string-width.ts.
  alias: { 'string-width': join(root, 'scripts/shims/string-width.ts') },
  define: { __POOLCTL_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  write: false,
};
const { outputFiles } = await build({
  ...COMMON,
  entryPoints: { main: join(root, 'src/cli/main.ts') },
  outdir,
  splitting: true,
  format: 'esm',
  banner: { js: REQUIRE_BANNER },
});
// Only chunks with CommonJS code (yargs' helpers) call require: the others drop the banner,
// whose createRequire costs ~60 us a chunk at start-up.
for (const f of outputFiles) {
  mkdirSync(dirname(f.path), { recursive: true });
  const code = f.path.endsWith('.js') ? f.text : '';
  if (code.startsWith(REQUIRE_BANNER) && !/\brequire\b/.test(code.slice(REQUIRE_BANNER.length))) {
    writeFileSync(f.path, code.slice(REQUIRE_BANNER.length).replace(/^\n/, ''));
  } else {
    writeFileSync(f.path, f.contents);
  }
}
if (outdir !== join(root, 'dist')) {
  writeFileSync(join(outdir, 'run.js'), "import('./main.js').then((m) => m.main(process));\n");
}

/** IMPORT_META_BANNER gives the CommonJS bundles the import.meta.url their ESM sources read (etcd's proto path). */
const IMPORT_META_BANNER = "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;";

/** START_COMMON are the options of the two CommonJS start bundles. */
const START_COMMON = {
  ...COMMON,
  format: 'cjs',
  // import() of the external etcd3/gRPC packages becomes require(): the ESM loader never starts.
  supported: { 'dynamic-import': false },
  define: { ...COMMON.define, 'import.meta.url': '__importMetaUrl' },
  banner: { js: IMPORT_META_BANNER },
};

/**
 * lineIsExternal makes src/cli's import('./line<key>.js') of a LINES key (main.ts's lineOf,
 * path-line.ts's fallback) load dist/poolctl-line<key>.cjs (bin/start-bundle.cjs).
 */
const lineIsExternal = {
  name: 'line-is-external',
  setup(b) {
    const lines = new Map(LINES.map((key) => [`./line${key}.js`, `./poolctl-line${key}.cjs`]));
    const cli = join(root, 'src', 'cli');
    b.onResolve({ filter: /^\.\/line/ }, (a) => (a.resolveDir === cli && lines.has(a.path) ? { path: lines.get(a.path), external: true } : undefined));
  },
};

/**
 * writeStartBundles writes the CLI once more, as CommonJS, for bin/poolctl.js: dist/poolctl.cjs
 * (main.ts: enough for `version`), dist/poolctl-line.cjs (line.ts: every other command line) and
 * one bundle per command path with a line of its own (dist/poolctl-line-nat-diff.cjs, ...:
 * path-line.ts; 330-370 KB where line.ts is 755 KB, so that start-up reads and deserializes less),
 * each with a V8 code cache (dist/poolctl-line*.cjs.cache), loaded through vm.Script
 * (bin/start-bundle.cjs). Why (bench/startup.ts, profiled with --cpu-prof): in a single
 * `nat explain` most of poolctl's own start-up time went to Node's ESM loader (~17 ms before
 * any code of ours runs: an empty .mjs costs that over `node -e 0`, an empty .cjs nothing) and
 * to compiling ~260 KB of chunks, which Node 20 cannot cache for ES modules (it has no
 * module.enableCompileCache); a script can take cachedData. Imports of other modules stay lazy
 * in the bundle (esbuild wraps each in a function run at its first import), so a command still
 * runs only the code it needs. The caches are trained here (scripts/train-start-cache.cjs): per
 * bundle, a child loads the bundles as bin/poolctl.js does, runs that bundle's commands (read
 * only, output discarded) and writes the cache of every function compiled by then, after the
 * bundle's hash (which the bundle's last line holds too: a cache of another build is never
 * used; V8 rejects one of another V8 or other flags, and the bundle then compiles as usual).
 */
async function writeStartBundles() {
  const [{ outputFiles: [main] }, ...lines] = await Promise.all([
    build({ ...START_COMMON, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(outdir, 'poolctl.cjs'), plugins: [lineIsExternal] }),
    ...LINES.map((key) =>
      build({ ...START_COMMON, entryPoints: [join(root, `src/cli/line${key}.ts`)], outfile: join(outdir, `poolctl-line${key}.cjs`), plugins: [lineIsExternal] }),
    ),
  ]);
  writeFileSync(main.path, main.contents);
  // As a function expression (what Module.wrap makes of a module), which runBundle compiles as is.
  for (const { outputFiles: [line] } of lines) writeFileSync(line.path, `(function (exports, require, module, __filename, __dirname) {${line.text}\n});`);
  const train = spawnSync(process.execPath, [join(root, 'scripts', 'train-start-cache.cjs'), outdir], { cwd: root, encoding: 'utf8' });
  if (train.status !== 0) throw new Error(`training the start-up code cache failed: ${train.stderr}`);
}
await writeStartBundles();
