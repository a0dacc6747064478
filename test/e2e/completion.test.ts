import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, runCli, spawnCollect } from '../support/cli.js';
import { CLEAN_ENV } from './crud-support.js';

let dir = '';
let script = '';
const store = (): string => join(dir, 'store');

/**
 * complete drives the generated bash completion the way bash calls it: the script is sourced
 * in a non-interactive bash, COMP_WORDS/COMP_CWORD are set for the command line (the last
 * word is the one being completed), the completion function is called, and COMPREPLY is read.
 * `poolctl` on PATH is a wrapper around the built CLI.
 */
async function complete(words: readonly string[], env: Record<string, string | undefined> = {}): Promise<string[]> {
  const program = [
    `source ${JSON.stringify(script)}`,
    `COMP_WORDS=(poolctl ${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length}`,
    '_poolctl_completions',
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join('\n');
  const r = await spawnCollect('bash', ['--norc', '--noprofile', '-c', program], {
    cwd: dir,
    env: { ...CLEAN_ENV, POOLCTL_STORE: store(), PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, ...env },
  });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('bash completion, driven as bash drives it', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poolctl-completion-'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'poolctl'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
    chmodSync(join(dir, 'bin', 'poolctl'), 0o755);
    const gen = await runCli(['completion', 'bash']);
    expect(gen.code, gen.stderr).toBe(0);
    script = join(dir, 'completion.bash');
    writeFileSync(script, gen.stdout);
    const pools = ['a-pool', 'b-pool']
      .map((n, i) => JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: n }, spec: { cidr: `10.${i}.0.0/16` } }))
      .join('\n---\n');
    const felix = JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'node.worker-1' }, spec: {} });
    const r = await runCli(['create', '-f', '-'], { env: { ...CLEAN_ENV, POOLCTL_STORE: store() }, input: `${pools}\n---\n${felix}` });
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(dir, 'pools.yaml'), pools);
    writeFileSync(join(dir, 'policy.yaml'), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('completes command names and subcommands', async () => {
    expect(await complete([''])).toEqual(expect.arrayContaining(['apply', 'config', 'create', 'delete', 'diff', 'get', 'label', 'nat', 'patch', 'replace', 'validate', 'version']));
    expect(await complete(['pa'])).toEqual(['patch']);
    expect(await complete(['nat', ''])).toEqual(['agent', 'apply', 'diff', 'explain', 'render', 'status']);
    expect(await complete(['completion', ''])).toEqual(['bash', 'zsh']);
  });

  it('completes kinds (the registry\'s), then the names of that kind in the configured store', async () => {
    expect(await complete(['get', ''])).toEqual(expect.arrayContaining(['ippool', 'ippools', 'felixconfig', 'felixconfiguration']));
    expect(await complete(['get', 'ippools', ''])).toEqual(['a-pool', 'b-pool']);
    expect(await complete(['get', 'felixconfig', ''])).toEqual(['node.worker-1']);
    expect(await complete(['delete', 'felixconfiguration/node.worker-1', ''])).toEqual(['node.worker-1']);
    expect(await complete(['patch', 'ippool', 'b'])).toEqual(['b-pool']);
    expect(await complete(['label', 'ippools', ''])).toEqual(['a-pool', 'b-pool']);
    expect(await complete(['delete', 'ippool', 'a-pool', ''])).toEqual(['a-pool', 'b-pool']);
    // the store a --store on the line names, not the environment's
    expect(await complete(['--store', join(dir, 'empty'), 'get', 'ippools', ''])).toEqual([]);
  });

  it('is silent on error: an unreachable etcd or a missing store offers nothing', async () => {
    expect(await complete(['get', 'ippools', ''], { POOLCTL_STORE: undefined, ETCD_ENDPOINTS: 'http://127.0.0.1:1' })).toEqual([]);
    expect(await complete(['get', 'ippools', '--store', join(dir, 'nope'), ''])).toEqual([]);
  });

  it('completes -o values, flags, and file paths after -f', async () => {
    expect(await complete(['get', 'ippools', '-o', ''])).toEqual(['table', 'wide', 'yaml', 'json', 'name', 'custom-columns=']);
    expect(await complete(['apply', '-o', ''])).toEqual(['json', 'yaml', 'name']);
    expect(await complete(['validate', '-o', 'j'])).toEqual(['json', 'junit']);
    expect(await complete(['delete', '--sk'])).toEqual(['--skip-empty', '--skip-not-exists']);
    expect(await complete(['patch', 'ippool', 'a-pool', '--'])).toEqual(expect.arrayContaining(['--patch', '--type', '--dry-run', '--output', '--store']));
    expect((await complete(['apply', '-f', 'po'])).sort()).toEqual(['policy.yaml', 'pools.yaml']);
    expect(await complete(['diff', '--filename', 'poo'])).toEqual(['pools.yaml']);
    expect(await complete(['nat', 'render', '-f', 'pol'])).toEqual(['policy.yaml']);
  });
});

describe('zsh completion script', () => {
  it('defines the completion function and asks poolctl __complete for candidates', async () => {
    const r = await runCli(['completion', 'zsh']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^#compdef poolctl\n/);
    expect(r.stdout).toContain('poolctl __complete "${(@)words[2,CURRENT]}"');
    expect(r.stdout).toContain('_files');
    expect(r.stdout).toContain('compdef _poolctl poolctl');
  });
});
