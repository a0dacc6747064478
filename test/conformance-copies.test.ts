import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE, ROOT } from './support/paths.js';

// The suite reads the conformance vectors from its own copies (test/fixtures/conformance), so
// that it runs in a clone with nothing beside it. On the team's machines the vectors' source,
// ../shared/conformance, sits beside the repository: there the copies must equal it
// (`npm run refresh:conformance` copies them again). Elsewhere (CI, a fresh clone) there is
// nothing to compare with, and the test says so.

/** SOURCE is the vectors' source beside the repository (scripts/refresh-conformance.mjs). */
const SOURCE = join(ROOT, '..', 'shared', 'conformance');

const jsonFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.json')).sort();

describe('conformance vector copies', () => {
  it('are the ippool, nat and render vectors, each a non-empty list of cases', () => {
    expect(jsonFiles(CONFORMANCE)).toEqual(expect.arrayContaining(['ippool.json', 'nat.json', 'render.json']));
    for (const n of jsonFiles(CONFORMANCE)) {
      const cases: unknown = JSON.parse(readFileSync(join(CONFORMANCE, n), 'utf8'));
      expect(Array.isArray(cases) && cases.length > 0, `${n} is a non-empty JSON array`).toBe(true);
    }
  });

  if (existsSync(SOURCE)) {
    it(`equal ${SOURCE} file for file (else run npm run refresh:conformance)`, () => {
      expect(jsonFiles(CONFORMANCE)).toEqual(jsonFiles(SOURCE));
      const differ = jsonFiles(SOURCE).filter((n) => !readFileSync(join(SOURCE, n)).equals(readFileSync(join(CONFORMANCE, n))));
      expect(differ, `differ from ${SOURCE}: run npm run refresh:conformance`).toEqual([]);
    });
  } else {
    it(`compared with nothing: ${SOURCE} is not beside the repository`, () => {
      console.log(`conformance copies: ${SOURCE} does not exist, nothing compared (expected in CI and in a fresh clone)`);
      expect(existsSync(SOURCE)).toBe(false);
    });
  }
});
