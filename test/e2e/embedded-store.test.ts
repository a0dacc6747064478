import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { CLEAN_ENV } from './crud-support.js';

// The embedded store's promises through the built CLI: nothing acknowledged is ever lost (a
// full disk fails the write with exit 3 and leaves the store readable), a damaged snapshot
// does not lock the store, and a store path that cannot be meant is refused.

const noTrace = (s: string): void => expect(s).not.toMatch(/\n\s+at .*:\d+:\d+/);

/** manifest is n IPPools named `<prefix>-<i>` with distinct /26 CIDRs under 10.<block>.0.0/16 and up. */
function manifest(prefix: string, block: number, n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    const third = i >> 2;
    docs.push(
      `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${prefix}-${i}\n  labels: {team: network-platform, purpose: padding-for-a-bigger-snapshot}\nspec:\n  cidr: 10.${block + (third >> 8)}.${third & 255}.${(i & 3) * 64}/26\n  natOutgoing: true\n`,
    );
  }
  return docs.join('---\n');
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-estore-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cli = (store: string, args: string[], input?: string) => runCli(['--store', store, ...args], { env: CLEAN_ENV, ...(input !== undefined ? { input } : {}) });
const names = async (store: string): Promise<string[]> => {
  const r = await cli(store, ['get', 'ippools', '-o', 'name']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
};

/** ROOT_MISSING says why this process cannot mount a tmpfs (not root), or null. */
const ROOT_MISSING = typeof process.geteuid === 'function' && process.geteuid() !== 0 ? 'not running as root (mounting a small tmpfs needs it)' : null;

describe('embedded store through the CLI', () => {
  // With CI=true a missing prerequisite fails instead of skipping (no integration suite may skip in CI).
  const fullDisk = ROOT_MISSING && process.env.CI !== 'true' ? it.skip : it;
  fullDisk(`a full disk: the write fails with exit 3, nothing is acknowledged, every acknowledged pool stays readable${ROOT_MISSING ? ` (${ROOT_MISSING})` : ''}`, async () => {
    if (ROOT_MISSING) throw new Error(`cannot run: ${ROOT_MISSING}`);
    const mnt = join(dir, 'tmpfs');
    mkdirSync(mnt);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt], { encoding: 'utf8' });
    expect(m.status, m.stderr).toBe(0);
    try {
      const store = join(mnt, 'store');
      const acknowledged: string[] = [];
      let failed = false;
      for (let round = 0; round < 40 && !failed; round++) {
        const r = await cli(store, ['create', '-f', '-'], manifest(`r${round}`, 10 + round, 400));
        noTrace(r.stderr);
        if (r.code === 0) {
          expect(r.stdout).toBe("Successfully created 400 'IPPool' resource(s)\n");
          for (let i = 0; i < 400; i++) acknowledged.push(`ippool/r${round}-${i}`);
        } else {
          failed = true;
          expect(r.code).toBe(3);
          expect(r.stdout).not.toMatch(/Successfully/);
          expect(r.stderr).toMatch(/no space left on device/i);
          expect(r.stderr).toMatch(/hint: free space on the file system that holds .*; the store keeps its previous state/);
        }
        // after every command, acknowledged or not, the store reads back exactly what was acknowledged
        expect(await names(store)).toEqual([...acknowledged].sort());
      }
      expect(failed).toBe(true);
      expect(acknowledged.length).toBeGreaterThan(0);
      // no temp file is left taking the space
      expect(readdirSync(store).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    } finally {
      spawnSync('umount', [mnt]);
    }
  }, 120_000);

  it('a damaged newest snapshot: get still answers, from the last good one, with a warning; the next write repairs', async () => {
    const store = join(dir, 'damaged');
    expect((await cli(store, ['create', '-f', '-'], manifest('a', 10, 2))).code).toBe(0);
    expect((await cli(store, ['create', '-f', '-'], manifest('b', 20, 2))).code).toBe(0);
    const newest = join(store, 'pools.000000000002.json');
    truncateSync(newest, statSync(newest).size - 10);
    const r = await cli(store, ['get', 'ippools', '-o', 'name']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ippool/a-0\nippool/a-1\n');
    expect(r.stderr).toBe(
      `warning: the store file ${newest} is damaged: it has ${statSync(newest).size} bytes, its header says ${statSync(newest).size + 10}; read pools.000000000001.json, the newest good snapshot, instead (the next write replaces the damaged one)\n`,
    );
    const w = await cli(store, ['create', '-f', '-'], manifest('c', 30, 1));
    expect(w.code, w.stderr).toBe(0);
    const after = await cli(store, ['get', 'ippools', '-o', 'name']);
    expect(after.stderr).toBe('');
    expect(after.stdout).toBe('ippool/a-0\nippool/a-1\nippool/c-0\n');
  });

  it("--store '' is a usage error (exit 2), not the working directory", async () => {
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    const r = await runCli(['--store', '', 'create', '-f', '-'], { env: CLEAN_ENV, cwd, input: manifest('x', 10, 1) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--store needs the path of a directory, not an empty string/);
    noTrace(r.stderr);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a store directory writable by others gets a warning on stderr', async () => {
    const store = join(dir, 'open');
    mkdirSync(store);
    chmodSync(store, 0o777);
    const r = await cli(store, ['get', 'ippools']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`warning: the store directory ${store} is writable by every user (mode 0777): others can change or remove its pools; run chmod 700 ${store}\n`);
  });
});
