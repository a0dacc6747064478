'use strict';
// train-start-cache DIST: run by scripts/build.mjs (writeStartBundles). Ends each start bundle
// with its build hash, starts the CLI from them as bin/poolctl.js does, runs the commands whose
// start-up bench/startup.ts and bench/validate.ts measure (nat explain, validate) on
// examples/pools.yaml, the same pools created in a new embedded store (a temporary directory,
// removed afterwards) and explained from it, and validate on a few pools with findings (host
// bits set, an overlap: diagnostics with positions) given on stdin, with their output
// discarded, then writes the code cache of
// poolctl-line.cjs (every function compiled by then) after its build hash.
const { createHash } = require('node:crypto');
const { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Readable, Writable } = require('node:stream');
const { startBundles, TRAILER } = require('../bin/start-bundle.cjs');

/** seal ends a bundle with its build hash and returns the hash. */
function seal(file) {
  const build = createHash('sha256').update(readFileSync(file)).digest('hex');
  appendFileSync(file, `${TRAILER}${build}\n`);
  return build;
}

/** FINDINGS are pools validate has something to say about: a valid one, one with host bits set, one overlapping the first. */
const FINDINGS = ['10.1.0.0/24', '10.2.0.1/24', '10.1.0.0/25']
  .map((cidr, i) => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pool-${i}\n  labels:\n    team: network\nspec:\n  cidr: ${cidr}\n  blockSize: 26\n  ipipMode: Never\n  vxlanMode: CrossSubnet\n  natOutgoing: true\n  nodeSelector: all()\n`)
  .join('---\n');

async function train() {
  const dist = process.argv[2];
  seal(join(dist, 'poolctl.cjs'));
  const build = seal(join(dist, 'poolctl-line.cjs'));
  const { main, line } = startBundles(dist);
  const pools = join(__dirname, '..', 'examples', 'pools.yaml');
  const store = mkdtempSync(join(tmpdir(), 'poolctl-train-'));
  try {
    await runAll(main, pools, store);
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
  writeFileSync(join(dist, 'poolctl-line.cjs.cache'), Buffer.concat([Buffer.from(`${build}\n`), line().script.createCachedData()]));
}

/** runAll runs the training commands (see the file's comment), each checked for its exit status. */
async function runAll(main, pools, store) {
  const runs = [
    ['nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', pools],
    ['nat', 'explain', '10.244.1.5', '10.244.2.9', '-f', pools, '-o', 'json'],
    ['validate', '-f', pools],
    ['validate', '-f', pools, '-o', 'json'],
    ['validate', '-f', '-', '-o', 'json'],
    ['validate', '-f', '-'],
    ['create', '-f', pools],
    ['nat', 'explain', '10.244.1.5', '1.1.1.1'],
  ];
  for (const args of runs) {
    const sink = () => new Writable({ write: (_c, _e, done) => done() });
    const stdin = Readable.from([FINDINGS]);
    const proc = { argv: ['node', 'poolctl', ...args], env: { POOLCTL_STORE: store }, stdin, stdout: sink(), stderr: sink(), cwd: () => process.cwd(), exit() {} };
    await main(proc);
    const expected = args.includes('-') ? 1 : 0;
    if (proc.exitCode !== expected) throw new Error(`poolctl ${args.join(' ')} exited ${proc.exitCode}, not ${expected}`);
  }
}

train().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exitCode = 1;
});
