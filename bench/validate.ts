import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { states, yaml } from './diff-states.js';
import { BIN, median, ROOT, row, section } from './harness.js';

/**
 * validate benchmark (issue 3): `poolctl validate -f FILE -o json > /dev/null` end to end on
 * multi-document files of 10,000 and 100,000 IPPools, 10% of them invalid (host bits set, so
 * every invalid pool needs a source position), against parsing the same file in the same run
 * with `yaml` (parseAllDocuments + toJS) and with js-yaml (loadAll), each in a fresh node
 * process like the CLI; and the same 10,000 pools as one JSON List (positions in JSON).
 * Target: >= 50,000 resources/s. Each figure is the best of N runs (on a shared machine the
 * best run is the one least disturbed). POOLCTL_BENCH_BIN runs another build (e.g.
 * build/b/run.js).
 *
 * Then hostile YAML (issue 13): a flow mapping of one repeated key and a one-line mapping of
 * distinct unknown keys, at the sizes and at twice them, with time, peak RSS and the
 * output's size: a doubled input must cost about twice as much (linear), the output must not
 * grow with the number of repetitions.
 */

const TARGET = 50_000;

/** cidrOf is pool i's CIDR: /24s in 10.0.0.0/8 and up; every tenth is invalid (host bits set). */
function cidrOf(i: number): string {
  return `${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.${i % 10 === 9 ? 1 : 0}/24`;
}

/** jsonList returns n IPPools (as manifest() has them) as one JSON List, indented as kubectl writes it. */
function jsonList(n: number): string {
  const items = Array.from({ length: n }, (_, i) => ({
    apiVersion: 'projectcalico.org/v3',
    kind: 'IPPool',
    metadata: { name: `pool-${i}`, labels: { team: 'network' } },
    spec: { cidr: cidrOf(i), blockSize: 26, ipipMode: 'Never', vxlanMode: 'CrossSubnet', natOutgoing: true, nodeSelector: 'all()' },
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 4);
}

/** manifest returns n IPPool documents (see cidrOf). */
function manifest(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(
      `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-${i}
  labels:
    team: network
spec:
  cidr: ${cidrOf(i)}
  blockSize: 26
  ipipMode: Never
  vxlanMode: CrossSubnet
  natOutgoing: true
  nodeSelector: all()
`,
    );
  }
  return docs.join('---\n');
}

const YAML_PARSE = `import { readFileSync } from 'node:fs'; import { parseAllDocuments } from 'yaml';
let n = 0; for (const d of parseAllDocuments(readFileSync(process.argv[1], 'utf8'))) { d.toJS(); n++; } if (n === 0) process.exit(1);`;
const JSYAML_PARSE = `import { readFileSync } from 'node:fs'; import jsYaml from 'js-yaml';
let n = 0; jsYaml.loadAll(readFileSync(process.argv[1], 'utf8'), () => { n++; }); if (n === 0) process.exit(1);`;

/** timeOnce runs a command once and returns its wall time in ms and exit status. */
function timeOnce(cmd: string, args: readonly string[]): { ms: number; status: number | null } {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, [...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, status: r.status };
}

function best(cmd: string, args: readonly string[], runs: number): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, timeOnce(cmd, args).ms);
  return min;
}

/** flowMap is a one-line flow mapping of about `bytes` bytes of entries made by `entry`. */
function flowMap(bytes: number, entry: (i: number) => string): string {
  const parts: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    const e = entry(i);
    parts.push(e);
    n += e.length + 2;
  }
  return `{${parts.join(', ')}}`;
}

/** HOSTILE are issue 13's inputs: [name, size in bytes, the spec of an IPPool made of it]. */
const HOSTILE: readonly (readonly [string, number, (bytes: number) => string])[] = [
  ['repeated key (35 KB in issue 13)', 35_000, (b) => flowMap(b, () => 'cidr: 10.0.0.0/16')],
  ['repeated key (69 KB in issue 13)', 69_000, (b) => flowMap(b, () => 'cidr: 10.0.0.0/16')],
  ['distinct unknown keys (790 KB in issue 13)', 790_000, (b) => flowMap(b, (i) => `k${i}: v${i}`).replace('{', '{cidr: 10.0.0.0/16, ')],
];

/** MAXRSS_HOOK makes a node process print its peak RSS (KB) on stderr as it exits. */
const MAXRSS_HOOK = 'data:text/javascript,import {writeSync} from "node:fs"; process.on("exit", () => writeSync(2, `maxrss=${process.resourceUsage().maxRSS}\\n`));';

/** measure runs validate on a file once: wall time, peak RSS (MB) and the size of what it printed. */
function measure(file: string): { ms: number; rssMb: number; outBytes: number } {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', MAXRSS_HOOK, BIN, 'validate', '-f', file], { cwd: ROOT, maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const rss = /maxrss=(\d+)/.exec(r.stderr.toString())?.[1];
  return { ms, rssMb: Number(rss ?? 0) / 1024, outBytes: r.stdout.length };
}

/** hostile: see the module comment. */
function hostile(dir: string): void {
  console.log('  hostile YAML (issue 13), validate, text output, best of 3:');
  for (const [name, bytes, spec] of HOSTILE) {
    const at = (b: number): { ms: number; rssMb: number; outBytes: number } => {
      const file = join(dir, `hostile-${b}.yaml`);
      writeFileSync(file, `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: ${spec(b)}\n`);
      const runs = [measure(file), measure(file), measure(file)];
      return runs.reduce((a, x) => (x.ms < a.ms ? x : a));
    };
    const one = at(bytes);
    const two = at(2 * bytes);
    const fig = (m: { ms: number; rssMb: number; outBytes: number }): string => `${m.ms.toFixed(0)} ms, ${m.rssMb.toFixed(0)} MB`;
    row(`${name}`, fig(one));
    row(`  twice the size`, fig(two), { value: two.ms / one.ms, against: 'the time of the single size (linear: ~2x)' });
    row(`  printed`, `${one.outBytes} / ${two.outBytes} B`, { value: two.outBytes / Math.max(1, one.outBytes), against: 'output growth at twice the size' });
  }
}

/**
 * LOAD_STATES is a child script that reads nat diff's two states (argv: before, after, and
 * "memo" or "usual") with loadNatPools in a fresh process and prints the in-process time of
 * each and its CPU time (user + system, V8's helper threads included), in ms, as JSON.
 */
const LOAD_STATES = `import { loadNatPools, newPoolMemo } from ${JSON.stringify(join(ROOT, 'src/nat/pools.ts'))};
// The modules loadNatPools imports on demand are loaded (and compiled from TypeScript) before the clock starts.
await Promise.all(['src/manifest/load.ts', 'src/manifest/pool-shape.ts', 'src/output/diagnostics/text.ts'].map((f) => import(${JSON.stringify(ROOT)} + '/' + f)));
const [a, b, how] = process.argv.slice(1);
const ctx = { io: { get stdin() { return process.stdin; }, stdout: process.stdout, stderr: process.stderr }, cwd: process.cwd(), env: {} };
const memo = how === 'memo' ? newPoolMemo() : undefined;
const c0 = process.cpuUsage(); const t0 = performance.now();
const x = await loadNatPools({ files: [a], recursive: false }, ctx, { allowEmpty: true, memo });
const t1 = performance.now();
const y = await loadNatPools({ files: [b], recursive: false }, ctx, { allowEmpty: true, memo });
const t2 = performance.now(); const c = process.cpuUsage(c0);
process.stdout.write(JSON.stringify({ before: t1 - t0, after: t2 - t1, both: t2 - t0, cpu: (c.user + c.system) / 1000, pools: x.pools.length + y.pools.length }));`;

/**
 * loadStates (issue 11's nat diff): reading its two 10,000-pool states (bench/diff.ts's
 * inputs, 1.45 MB each, 100 pools differ) in process, cold (a fresh process each run, median
 * of 9, alternating): the usual way (every document through the loader's tiers and calicoctl's
 * decoding) against what nat diff does (one PoolMemo for both states: the after state's
 * documents equal to the before state's are not read again, and documents of the pool shape
 * are read in one pass). Aim: about 80 ms for both. The modules are loaded before the clock
 * starts (run from the TypeScript sources through tsx; the CLI has them in its code cache).
 */
function loadStates(dir: string): void {
  const { before, after } = states();
  const a = join(dir, 'before.yaml');
  const b = join(dir, 'after.yaml');
  writeFileSync(a, yaml(before));
  writeFileSync(b, yaml(after));
  type Phase = { before: number; after: number; both: number; cpu: number; pools: number };
  const once = (how: string): Phase => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', LOAD_STATES, a, b, how], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`loading the states failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Phase;
  };
  const runs: Record<string, Phase[]> = { usual: [], memo: [] };
  for (let i = 0; i < 9; i++) for (const how of ['usual', 'memo']) runs[how]!.push(once(how));
  const pools = runs.memo![0]!.pools;
  if (pools !== runs.usual![0]!.pools || pools !== before.length + after.length) throw new Error(`the states have ${pools} pools, expected ${before.length + after.length}`);
  console.log(`  nat diff's two states (${N_STATES.toLocaleString('en-US')} pools each, 100 differ), in process, cold, median of 9:`);
  const m = (how: string, k: keyof Phase): number => median(runs[how]!.map((r) => r[k]));
  for (const k of ['before', 'after', 'both', 'cpu'] as const) {
    const what = k === 'cpu' ? 'both, cpu (user + system)' : k === 'both' ? 'both states' : `the ${k} state`;
    row(`usual way: ${what}`, `${m('usual', k).toFixed(1)} ms`);
    row(`  memo + pool shape: ${what}`, `${m('memo', k).toFixed(1)} ms`, { value: m('memo', k) / m('usual', k), against: 'the usual way' });
  }
  row('memo + pool shape, both states, against the aim', `${m('memo', 'both').toFixed(1)} ms`, { value: m('memo', 'both') / 80, against: '80 ms', target: '<= 1x' });
}

/** N_STATES is the number of pools of each of nat diff's states (bench/diff.ts). */
const N_STATES = 10_000;

/** runLoad (`npm run bench -- load`): nat diff's reading of its two states (loadStates). */
export async function runLoad(): Promise<void> {
  section("load: nat diff's two states read in process (loadNatPools)");
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-bench-load-'));
  try {
    loadStates(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** run: see the module comment. */
export async function run(): Promise<void> {
  section(`validate: end to end (${BIN})`);
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-bench-validate-'));
  try {
    for (const [n, runs, yamlRuns] of [
      [10_000, 5, 2],
      [100_000, 3, 1],
    ] as const) {
      const file = join(dir, `pools-${n}.yaml`);
      writeFileSync(file, manifest(n));
      const mb = (statSync(file).size / 1e6).toFixed(1);
      const check = timeOnce(process.execPath, [BIN, 'validate', '-f', file, '-o', 'json']);
      if (check.status !== 1) throw new Error(`validate exited ${check.status} on ${file} (expected 1: it has invalid pools)`);
      const cli = best(process.execPath, [BIN, 'validate', '-f', file, '-o', 'json'], runs);
      const jsy = best(process.execPath, ['--input-type=module', '-e', JSYAML_PARSE, file], runs);
      const yaml = best(process.execPath, ['--input-type=module', '-e', YAML_PARSE, file], yamlRuns);
      const rate = (ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;
      console.log(`  ${n.toLocaleString('en-US')} IPPools (${mb} MB, 10% invalid), best of ${runs} (yaml: of ${yamlRuns}):`);
      row('poolctl validate -o json > /dev/null', `${cli.toFixed(0)} ms`, {
        value: (n / cli) * 1000 / TARGET,
        against: 'target',
        target: `${TARGET.toLocaleString('en-US')} resources/s = 1.00x`,
      });
      row('  resources/s', rate(cli));
      row('yaml parseAllDocuments + toJS (same file)', `${yaml.toFixed(0)} ms`, { value: yaml / cli, against: 'poolctl is faster by' });
      row('js-yaml loadAll (same file)', `${jsy.toFixed(0)} ms`, { value: cli / jsy, against: 'poolctl takes js-yaml times' });
    }
    const n = 10_000;
    const file = join(dir, `list-${n}.json`);
    writeFileSync(file, jsonList(n));
    const ms = best(process.execPath, [BIN, 'validate', '-f', file, '-o', 'json'], 5);
    console.log(`  ${n.toLocaleString('en-US')} IPPools as one JSON List (${(statSync(file).size / 1e6).toFixed(1)} MB, 10% invalid), best of 5:`);
    row('poolctl validate -o json > /dev/null', `${ms.toFixed(0)} ms`, { value: (n / ms) * 1000 / TARGET, against: 'target', target: `${TARGET.toLocaleString('en-US')} resources/s = 1.00x` });
    hostile(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
