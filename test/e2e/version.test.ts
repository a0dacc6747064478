import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from '../support/cli.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('poolctl version / completion / usage', () => {
  it('prints the package version', async () => {
    const r = await runCli(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`poolctl version ${pkg.version}`);
  });
  it('prints JSON with -o json', async () => {
    const r = await runCli(['version', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: pkg.version, calico: 'v3.31' });
  });
  it('--version prints the bare version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(pkg.version);
  });
  it.each(['bash', 'zsh'])('completion %s calls back into poolctl', async (shell) => {
    const r = await runCli(['completion', shell]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('poolctl __complete');
  });
  it('offers commands as completions', async () => {
    const r = await runCli(['--get-yargs-completions', 'ver']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toContain('version');
  });
  it('an unknown command is a usage error (exit 2) without a stack trace', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
  it('an unknown flag is a usage error (exit 2)', async () => {
    const r = await runCli(['version', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bogus');
  });
  it('--help lists the commands with examples', async () => {
    const r = await runCli(['version', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('poolctl version -o json');
  });
});
