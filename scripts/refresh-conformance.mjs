// refresh-conformance: copies the team's conformance vectors (../shared/conformance/*.json,
// beside the repository on the team's machines) into test/fixtures/conformance/, which the
// test suite reads, so that the suite runs anywhere. `npm run refresh:conformance`;
// `--from DIR` copies from another directory. test/conformance-copies.test.ts fails while the
// copies differ from ../shared/conformance (where it exists).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--from');
const from = i > 0 ? resolve(process.argv[i + 1] ?? '') : join(root, '..', 'shared', 'conformance');
const to = join(root, 'test', 'fixtures', 'conformance');

if (!existsSync(from)) {
  console.error(`refresh-conformance: ${from} does not exist: nothing to copy (the copies in ${relative(root, to)} are unchanged)`);
  process.exit(1);
}
const names = readdirSync(from).filter((n) => n.endsWith('.json')).sort();
if (names.length === 0) {
  console.error(`refresh-conformance: no *.json in ${from}: nothing to copy`);
  process.exit(1);
}
mkdirSync(to, { recursive: true });
let changed = 0;
for (const n of names) {
  const old = existsSync(join(to, n)) ? readFileSync(join(to, n)) : null;
  const text = readFileSync(join(from, n));
  if (old?.equals(text)) continue;
  // written, not copied: the source may be read-only, the copy is the repository's
  writeFileSync(join(to, n), text);
  console.log(`${old ? 'updated' : 'added'} ${relative(root, join(to, n))}`);
  changed++;
}
for (const n of readdirSync(to).filter((n) => n.endsWith('.json') && !names.includes(n))) {
  rmSync(join(to, n));
  console.log(`removed ${relative(root, join(to, n))} (not in ${from})`);
  changed++;
}
console.log(`refresh-conformance: ${names.length} vector files from ${from}, ${changed} changed`);
