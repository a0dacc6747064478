import { describe, expect, it } from 'vitest';
import { IPPOOL_KIND, kindByWord } from '../../src/core/kinds.js';
import { parseKindArgs } from '../../src/resources/kinds.js';

const parseResourceArgs = (words: readonly string[]): string[] => parseKindArgs(words).names;

describe('IPPool kind names', () => {
  it("are calicoctl's, case-insensitive", () => {
    // calicoctl/calicoctl/resourcemgr/ippool.go: "ippool", "ippools", "ipp", "ipps", "pool", "pools"
    expect([...IPPOOL_KIND.aliases].sort()).toEqual(['ipp', 'ippool', 'ippools', 'ipps', 'pool', 'pools']);
    for (const a of ['ippool', 'ippools', 'ipp', 'ipps', 'pool', 'pools']) {
      expect(kindByWord(a)).toBe(IPPOOL_KIND);
      expect(kindByWord(a.toUpperCase())).toBe(IPPOOL_KIND);
    }
    expect(kindByWord('ippoolx')).toBeUndefined();
  });
  it('parseResourceArgs takes a kind and names, or KIND/NAME words', () => {
    expect(parseResourceArgs(['ipp'])).toEqual([]);
    expect(parseResourceArgs(['IPPool', 'a', 'b'])).toEqual(['a', 'b']);
    expect(parseResourceArgs(['ippool/a', 'pools/b'])).toEqual(['a', 'b']);
  });
  it.each([
    [['nodes'], "resource type 'nodes' is not supported"],
    [['node/a'], "resource type 'node' is not supported"],
    [['ippool/a', 'b'], "'b' has no kind"],
    [['ippool', ''], 'resource name may not be empty'],
    [['ippool/'], 'resource name may not be empty'],
    [[], 'specify the resource type'],
  ])('%j is a usage error: %s', (words, message) => {
    expect(() => parseResourceArgs(words)).toThrow(message);
  });
});

describe('the kind registry', () => {
  it("parseKindArgs knows calicoctl's FelixConfiguration aliases and keeps one kind", () => {
    for (const w of ['felixconfiguration', 'felixconfigurations', 'felixconfig', 'FelixConfigs']) expect(parseKindArgs([w, 'default']).kind.kind).toBe('FelixConfiguration');
    expect(parseKindArgs(['felixconfiguration/default', 'felixconfig/node.a']).names).toEqual(['default', 'node.a']);
    expect(() => parseKindArgs(['ippool/a', 'felixconfig/b'])).toThrow('give resources of one kind at a time');
    expect(parseKindArgs(['felixconfig', 'default'])).toEqual({ kind: expect.objectContaining({ kind: 'FelixConfiguration' }), names: ['default'] });
  });
});
