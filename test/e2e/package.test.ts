import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCollect } from '../support/cli.js';
import { ROOT } from '../support/paths.js';

const NPM_TIMEOUT = 240_000;

/**
 * The package is not published: the README's CI snippets install it from a packed tarball.
 * This packs the built tree (--ignore-scripts: dist/ is already fresh, and rebuilding it would
 * race the other e2e files), installs the tarball into an empty project with npm (its
 * dependencies from npm's cache or the registry), and runs the installed bin as the README does.
 */
describe('packaging: npm pack, install the tarball, run it', () => {
  let dir = '';
  let tarball = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poolctl-pack-'));
    const pack = await spawnCollect('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--silent'], { cwd: ROOT, timeoutMs: NPM_TIMEOUT });
    expect(pack.code, pack.stderr).toBe(0);
    tarball = join(dir, pack.stdout.trim().split('\n').pop()!);
    const proj = join(dir, 'proj');
    await spawnCollect('mkdir', [proj]);
    writeFileSync(join(proj, 'package.json'), '{"name":"ci","version":"1.0.0","private":true}\n');
    const install = await spawnCollect('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: proj, timeoutMs: NPM_TIMEOUT });
    expect(install.code, install.stderr).toBe(0);
  }, NPM_TIMEOUT * 2);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships LICENSE (the Apache-2.0 text package.json names), the README and the examples', async () => {
    const list = await spawnCollect('tar', ['tzf', tarball]);
    const files = list.stdout.split('\n');
    for (const f of ['package/LICENSE', 'package/README.md', 'package/bin/poolctl.js', 'package/dist/main.js', 'package/examples/pools.yaml', 'package/examples/migrate-pool/README.md']) {
      expect(files).toContain(f);
    }
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).license).toBe('Apache-2.0');
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it('npx poolctl version runs from the installed tarball, and the quick start runs twice (apply)', async () => {
    const proj = join(dir, 'proj');
    const env = { POOLCTL_STORE: join(dir, 'store'), DATASTORE_TYPE: undefined, ETCD_ENDPOINTS: undefined, NO_COLOR: '1' };
    const v = await spawnCollect('npx', ['--no-install', 'poolctl', 'version'], { cwd: proj, env, timeoutMs: NPM_TIMEOUT });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^poolctl version 0\.1\.0 \(Calico v3\.31 semantics/);
    const examples = join(proj, 'node_modules', 'poolctl', 'examples', 'pools.yaml');
    for (const expected of [/ippool\/default-ipv4-ippool created/, /ippool\/default-ipv4-ippool unchanged/]) {
      const r = await spawnCollect('npx', ['--no-install', 'poolctl', 'apply', '-f', examples], { cwd: proj, env, timeoutMs: NPM_TIMEOUT });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(expected);
    }
  });
});
