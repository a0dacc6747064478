'use strict';
// train-start-cache DIST: run by scripts/build.mjs (writeStartBundles). Ends each start bundle
// with its build hash, then trains the V8 code cache of each line bundle (bin/start-bundle.cjs
// LINES) in a fresh child process (`train-start-cache DIST --line KEY`; V8 caches exactly the
// functions compiled in its process, so the child starts without any cache). A child starts the
// CLI from the bundles as bin/poolctl.js does, runs the command lines main sends to its bundle
// (runsOf) with their output discarded (on examples/pools.yaml, a changed state AFTER, a few
// pools with findings on stdin, and an embedded store in a temporary directory, removed
// afterwards), checks each exit status, and writes the bundle's cache after its build hash.
const { spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Readable, Writable } = require('node:stream');
const { LINES, startBundles, TRAILER } = require('../bin/start-bundle.cjs');

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

/**
 * AFTER is a changed state for nat diff: NAT turned off on the IPv4 pod pool, the no-NAT pool
 * removed, a disabled no-NAT pool and an IPv6 pool added.
 */
const AFTER = [
  ['default-ipv4-ippool', '10.244.0.0/16', 'natOutgoing: false'],
  ['default-ipv6-ippool', 'fd00:10:244::/48', 'natOutgoing: true'],
  ['no-nat-192-168', '192.168.0.0/16', 'disabled: true'],
  ['pool-v6', 'fd00:20::/64', 'natOutgoing: true\n  disabled: false'],
]
  .map(([name, cidr, more]) => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: ${cidr}\n  ${more}\n`)
  .join('---\n');

/**
 * runsOf returns the training command lines of a line bundle, each after its expected exit
 * status; STORE lines need the pools created in the store first (a run of its own, so that
 * create's functions stay out of the caches of the bundles that do not create).
 */
function runsOf(key, pools, after) {
  const runs = {
    '-nat-explain': [
      [0, 'nat', 'explain', '10.244.1.5', '1.1.1.1', '-f', pools],
      [0, 'nat', 'explain', '10.244.1.5', '10.244.2.9', '-f', pools, '-o', 'json'],
      [0, 'STORE', 'nat', 'explain', '10.244.1.5', '1.1.1.1'],
    ],
    '-nat-diff': [
      [1, 'nat', 'diff', '--from', pools, '--to', after],
      [1, 'nat', 'diff', '--from', pools, '--to', after, '-o', 'json'],
      [1, 'nat', 'diff', '--from', pools, '--to', after, '-o', 'github'],
      [1, 'STORE', 'nat', 'diff', '-f', after],
    ],
    '-validate': [
      [0, 'validate', '-f', pools],
      [0, 'validate', '-f', pools, '-o', 'json'],
      [1, 'validate', '-f', '-', '-o', 'json'],
      [1, 'validate', '-f', '-'],
    ],
    '': [
      [0, 'create', '-f', pools],
      [0, 'get', 'ippools', '-o', 'yaml'],
    ],
  };
  return runs[key];
}

/** poolctl runs one command line in process (output discarded, stdin FINDINGS) and checks its exit status. */
async function poolctl(main, store, expected, args) {
  const sink = () => new Writable({ write: (_c, _e, done) => done() });
  const proc = { argv: ['node', 'poolctl', ...args], env: { POOLCTL_STORE: store }, stdin: Readable.from([FINDINGS]), stdout: sink(), stderr: sink(), cwd: () => process.cwd(), exit() {} };
  await main(proc);
  if (proc.exitCode !== expected) throw new Error(`poolctl ${args.join(' ')} exited ${proc.exitCode}, not ${expected}`);
}

/** trainLine (the child) runs a line bundle's command lines and writes its cache. */
async function trainLine(dist, key) {
  const file = join(dist, `poolctl-line${key}.cjs`);
  const text = readFileSync(file, 'latin1');
  const build = text.slice(text.lastIndexOf(TRAILER) + TRAILER.length).trim();
  const { main, line } = startBundles(dist, { cache: false });
  const pools = join(__dirname, '..', 'examples', 'pools.yaml');
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-train-'));
  try {
    const after = join(dir, 'after.yaml');
    writeFileSync(after, AFTER);
    const store = join(dir, 'store');
    let inStore = false;
    for (const [expected, ...args] of runsOf(key, pools, after)) {
      if (args[0] === 'STORE') {
        // The pools in the store: created by a process of its own unless this bundle runs create (compiled outside this cache).
        if (!inStore) await createStore(dist, store, pools);
        inStore = true;
        args.shift();
      }
      if (args[0] === 'create') inStore = true;
      await poolctl(main, store, expected, args);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!line(key)) throw new Error(`the training runs of poolctl-line${key}.cjs never loaded it`);
  // Written whole, then renamed: the other children start the CLI meanwhile and may read the caches.
  writeFileSync(`${file}.cache.tmp`, Buffer.concat([Buffer.from(`${build}\n`), line(key).script.createCachedData()]));
  renameSync(`${file}.cache.tmp`, `${file}.cache`);
}

/** createStore creates examples/pools.yaml's pools in store by a `create` in a child process. */
function createStore(dist, store, pools) {
  return child(['-e', `require(${JSON.stringify(join(__dirname, '..', 'bin', 'start-bundle.cjs'))}).startBundles(process.argv[1]).main(process)`, dist, 'create', '-f', pools], { ...process.env, POOLCTL_STORE: store });
}

/** child runs node with args, rejecting with its stderr when it fails. */
function child(args, env = process.env) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (b) => (err += b));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`node ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/** train (the parent) seals the bundles and trains every line bundle's cache, two children at a time. */
async function train(dist) {
  seal(join(dist, 'poolctl.cjs'));
  for (const key of LINES) seal(join(dist, `poolctl-line${key}.cjs`));
  const keys = [...LINES];
  const next = async () => {
    for (let key = keys.shift(); key !== undefined; key = keys.shift()) await child([__filename, dist, '--line', key]);
  };
  await Promise.all([next(), next()]);
}

const at = process.argv.indexOf('--line');
(at > 0 ? trainLine(process.argv[2], process.argv[at + 1]) : train(process.argv[2])).catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exitCode = 1;
});
