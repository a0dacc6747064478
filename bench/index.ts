// npm run bench: every benchmark, each printing figures and ratios against a baseline
// measured in the same run. `npm run bench -- startup explain` runs only the named ones.
const BENCHES: Record<string, () => Promise<unknown>> = {
  startup: () => import('./startup.js').then((m) => m.run()),
  explain: () => import('./explain.js').then((m) => m.run()),
  validate: () => import('./validate.js').then((m) => m.run()),
  load: () => import('./validate.js').then((m) => m.runLoad()),
  warm: () => import('./validate.js').then((m) => m.runWarm()),
  datastore: () => import('./datastore.js').then((m) => m.run()),
  nat: () => import('./nat.js').then((m) => m.run()),
  agent: () => import('./agent.js').then((m) => m.run()),
  diff: () => import('./diff.js').then((m) => m.run()),
  ranges: () => import('./ranges.js').then((m) => m.run()),
  names: () => import('./names.js').then((m) => m.run()),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const [name, run] of Object.entries(BENCHES)) {
  if (wanted.length && !wanted.includes(name)) continue;
  try {
    await run();
  } catch (e) {
    console.log(`\n## ${name}: failed: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
