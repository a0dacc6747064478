import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../../../src/output/diagnostics/index.js';
import { xmlEscape } from '../../../src/output/diagnostics/junit.js';
import { MIXED, mixedRun } from './fixture.js';

describe('JUnit report', () => {
  it('is well-formed XML with one testcase per result and counts that add up', async () => {
    const { report, sourceLine } = await mixedRun();
    const xml = formatReport('junit', report, { sourceLine, version: 't' });
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testcase' || n === 'testsuite' }).parse(xml);
    const suites = doc.testsuites;
    expect(suites).toMatchObject({ name: 'poolctl validate', tests: '5', failures: '3', errors: '0', skipped: '1' });
    const suite = suites.testsuite[0];
    expect(suite).toMatchObject({ name: MIXED, tests: '5', failures: '3', skipped: '1' });
    const cases = suite.testcase as { name: string; failure?: { type: string; message: string; '#text': string }; skipped?: unknown; 'system-out'?: string }[];
    expect(cases.map((c) => c.name)).toEqual(['IPPool good (document 1)', 'IPPool lb (document 2)', 'ConfigMap not-a-pool (document 3)', 'IPPool overlapping (document 4)', 'input (document 5)']);
    expect(cases.filter((c) => c.failure)).toHaveLength(3);
    expect(cases[1]!.failure).toMatchObject({ type: 'CIDR_NOT_MASKED', message: 'IPPool CIDR is not strictly masked' });
    expect(cases[1]!.failure!['#text']).toContain(`${MIXED}:16:21: error LB_RULE:`);
    expect(cases[2]!.skipped).toBeDefined();
    expect(cases[3]!['system-out']).toContain('DISABLED_NAT_POOL');
  });

  it('escapes markup, makes control characters visible and replaces what XML cannot carry', () => {
    expect(xmlEscape(`<a href="x">&'\u0001\u001b[2J\u0085`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;\\x01\\x1b[2J\\x85');
    expect(xmlEscape('lone \ud800 surrogate, \uffff')).toBe('lone \ufffd surrogate, \ufffd');
  });
});
