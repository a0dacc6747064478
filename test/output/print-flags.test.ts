import { describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS, OUTPUT_HELP, parseOutputFormat, resolvePrinter } from '../../src/output/print-flags.js';
import { failure } from '../support/failure.js';

const POOL = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'IPPool',
  metadata: { name: 'p1', resourceVersion: '7' },
  spec: { cidr: '10.1.0.0/16', nodeSelector: 'all()' },
} as const;

describe('output formats', () => {
  it('are table, wide, yaml, json and name, each named in help and each printing', async () => {
    expect(OUTPUT_FORMATS).toEqual(['table', 'wide', 'yaml', 'json', 'name']);
    expect(OUTPUT_HELP).toBe("output format: table, wide, yaml, json, name, custom-columns=NAME,CIDR,... (calicoctl's ps and yml are accepted too)");
    const printed = await Promise.all(
      ['table', 'wide', 'yaml', 'json', 'name'].map(async (f) => (await resolvePrinter(f)).print({ items: [POOL as never], revision: '7', single: true })),
    );
    expect(printed.map((p) => p.includes('p1'))).toEqual([true, true, true, true, true]);
    expect(printed[4]).toBe('ippool/p1\n');
  });
  it("accepts calicoctl's ps and yml", () => {
    expect(parseOutputFormat('ps')).toEqual({ format: 'table' });
    expect(parseOutputFormat('yml')).toEqual({ format: 'yaml' });
  });
  it('rejects anything else with calicoctl\'s message and the list (exit 2)', async () => {
    expect(() => parseOutputFormat('tabel')).toThrow("unrecognized output format 'tabel'");
    await expect(failure(resolvePrinter('csv'))).resolves.toMatchObject({ exitCode: 2, hint: 'use one of: table, wide, yaml, json, name, custom-columns=HEADING,...' });
  });
  it("custom-columns: calicoctl's headings in the order asked, its errors for none and for an unknown one", async () => {
    expect(parseOutputFormat('custom-columns=NAME,NAT')).toEqual({ format: 'custom-columns', headings: ['NAME', 'NAT'] });
    const p = await resolvePrinter('custom-columns=CIDR,NAME,NAT');
    expect(await p.print({ items: [POOL as never], revision: '7', single: false })).toBe('CIDR          NAME   NAT     \n10.1.0.0/16   p1     false   \n\n');
    for (const v of ['custom-columns', 'custom-columns=']) expect(() => parseOutputFormat(v)).toThrow('need to specify at least one column');
    await expect(failure(resolvePrinter('custom-columns=NAME,nat'))).resolves.toMatchObject({
      exitCode: 2,
      message: 'unknown heading nat, valid values are: NAME, CIDR, NAT, IPIPMODE, VXLANMODE, DISABLED, DISABLEBGPEXPORT, SELECTOR, ASSIGNMENTMODE',
    });
  });
  it('refuses go-template and go-template-file, saying what to use instead', async () => {
    for (const v of ['go-template={{range .}}{{.ObjectMeta.Name}}{{end}}', 'go-template-file=t.tmpl', 'go-template']) {
      await expect(failure(resolvePrinter(v))).resolves.toMatchObject({ exitCode: 2, message: expect.stringContaining('is not supported by poolctl'), hint: expect.stringContaining('jq') });
    }
  });
});
