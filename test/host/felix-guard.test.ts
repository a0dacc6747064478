import { describe, expect, it } from 'vitest';
import { felixChainSigns } from '../../src/host/felix-guard.js';
import type { SavedTable } from '../../src/host/iptables-save.js';

// covers: src/host/felix-guard.ts (felixChainSigns; readFelixProcesses runs in the kernel suite)

describe('felixChainSigns', () => {
  it("ignores poolctl's own chains and finds Felix's other cali- chains (nft list, iptables-nft tables, iptables-save)", () => {
    const own = [
      { family: 'ip', table: 'nat', name: 'cali-POSTROUTING' },
      { family: 'ip', table: 'nat', name: 'cali-nat-outgoing' },
      { family: 'ip', table: 'nat', name: 'POSTROUTING' },
      { family: 'ip', table: 'calico', name: 'nat-POSTROUTING' },
    ];
    expect(felixChainSigns(own)).toEqual([]);
    expect(felixChainSigns(null)).toEqual([]);
    expect(felixChainSigns([...own, { family: 'ip', table: 'filter', name: 'cali-FORWARD' }, { family: 'ip6', table: 'calico', name: 'filter-FORWARD' }])).toEqual([
      'iptables chain cali-FORWARD in the IPv4 filter table',
      'chain filter-FORWARD in table ip6 calico',
    ]);
    const nat: SavedTable = { name: 'nat', chains: new Map([['cali-PREROUTING', {} as never], ['cali-nat-outgoing', {} as never]]) };
    expect(felixChainSigns(null, new Map([[4, nat]]))).toEqual(['iptables chain cali-PREROUTING in the IPv4 nat table']);
  });

  it('names at most three, then a count', () => {
    const many = ['a', 'b', 'c', 'd', 'e'].map((n) => ({ family: 'ip', table: 'filter', name: `cali-${n}` }));
    expect(felixChainSigns(many)).toHaveLength(4);
    expect(felixChainSigns(many)[3]).toBe('and 2 more cali- chains');
  });
});
