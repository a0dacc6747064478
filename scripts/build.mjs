// Build: bundle src/cli/main.ts with esbuild into dist/ (ESM, code-split so each command
// loads only what it needs). Runs on `npm ci` through the prepare script.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** REQUIRE_BANNER gives ESM chunks the `require` that bundled CommonJS code calls for Node built-ins. */
const REQUIRE_BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

// --outdir DIR builds elsewhere (helpers and tests that must not disturb dist/); the extra
// run.js there starts the CLI like bin/poolctl.js does.
const i = process.argv.indexOf('--outdir');
const outdir = i > 0 ? join(process.cwd(), process.argv[i + 1]) : join(root, 'dist');
rmSync(outdir, { recursive: true, force: true });
const { outputFiles } = await build({
  entryPoints: { main: join(root, 'src/cli/main.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: process.env.NOMINIFY ? false : true,
  sourcemap: false,
  legalComments: 'none',
  external: ['etcd3', '@grpc/grpc-js', '@grpc/proto-loader'],
  // string-width 8 costs ~60 ms at import (Unicode /v regexes); see scripts/shims/string-width.ts.
  alias: { 'string-width': join(root, 'scripts/shims/string-width.ts') },
  define: { __POOLCTL_VERSION__: JSON.stringify(pkg.version) },
  banner: { js: REQUIRE_BANNER },
  logLevel: 'warning',
  write: false,
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
