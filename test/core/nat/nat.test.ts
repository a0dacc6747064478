// covers: src/core/nat/nat.ts, src/core/nat/model.ts
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildNatModel, CidrParses, DEFAULT_NAT_SETTINGS, formatPrefix, type Family, type NatModel, type NatPool, type NatSettings } from '../../../src/core/index.js';
import { arbWorld } from './nat-oracle.js';
import { model, pool } from './support.js';
import { fcRuns } from '../../support/fc-runs.js';

describe('buildNatModel: Felix masq_mgr semantics (spec/nat.md §3.3)', () => {
  const members = (m: NatModel, family: Family, role: string): string[] =>
    m.families.find((f) => f.family === family)!.sets.find((s) => s.role === role)!.members.map(formatPrefix);

  it('drops the other family; masq = natOutgoing pools, pool set = all pools', () => {
    const m = model([pool('a', '10.0.0.0/16', true), pool('v6', 'feed:beef::/96', true), pool('b', '10.2.0.0/16')], DEFAULT_NAT_SETTINGS, [4]);
    expect(members(m, 4, 'masq')).toEqual(['10.0.0.0/16']);
    expect(members(m, 4, 'pools')).toEqual(['10.0.0.0/16', '10.2.0.0/16']);
    expect(m.families[0]!.sets.map((s) => s.name)).toEqual(['cali40masq-ipam-pools', 'cali40network-ip-pools']);
  });

  it('ignores disabled for both sets', () => {
    const m = model([pool('old', '10.10.0.0/16', true, { disabled: true })], DEFAULT_NAT_SETTINGS, [4]);
    expect(members(m, 4, 'masq')).toEqual(['10.10.0.0/16']);
    expect(members(m, 4, 'pools')).toEqual(['10.10.0.0/16']);
  });

  it('leaves LoadBalancer-only pools out of network-ip-pools but keeps them in all-ipam-pools', () => {
    const pools = [pool('w', '10.0.0.0/16'), pool('lb', '10.20.0.0/16', true, { allowedUses: ['LoadBalancer'] }), pool('both', '10.1.0.0/16', true, { allowedUses: ['Workload', 'LoadBalancer'] })];
    const current = model(pools, DEFAULT_NAT_SETTINGS, [4]);
    expect(members(current, 4, 'masq')).toEqual(['10.1.0.0/16', '10.20.0.0/16']);
    expect(members(current, 4, 'pools')).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
    const older = model(pools, { ...DEFAULT_NAT_SETTINGS, poolSetName: 'all-ipam-pools' }, [4]);
    expect(older.families[0]!.sets[1]!.name).toBe('cali40all-ipam-pools');
    expect(members(older, 4, 'pools')).toEqual(['10.0.0.0/16', '10.1.0.0/16', '10.20.0.0/16']);
  });

  it('keeps, of identical CIDRs, the pool whose name sorts first, and warns', () => {
    const m = model([pool('b-nat', '10.50.0.0/16', true), pool('a-nonat', '10.50.0.0/16')], DEFAULT_NAT_SETTINGS, [4]);
    expect(m.families[0]!.pools!.map((p) => p.name)).toEqual(['a-nonat']);
    expect(members(m, 4, 'masq')).toEqual([]);
    expect(m.warnings).toEqual([expect.stringContaining('IPPool(b-nat) has the same CIDR as IPPool(a-nonat)')]);
  });

  it('warns about overlaps, pools smaller than their block size and host bits, and uses them anyway', () => {
    const m = model(
      [pool('outer', '10.0.0.0/16', true), pool('inner', '10.0.1.0/24'), pool('tiny', '10.9.0.0/28', true), pool('hostbits', '10.7.0.1/16', true), pool('tiny-off', '10.8.0.0/28', false, { disabled: true })],
      DEFAULT_NAT_SETTINGS,
      [4],
    );
    expect(m.warnings).toEqual([
      expect.stringContaining('IPPool(hostbits) CIDR 10.7.0.1/16 is not strictly masked'),
      expect.stringContaining('IPPool(inner) CIDR 10.0.1.0/24 overlaps with IPPool(outer) CIDR 10.0.0.0/16'),
      expect.stringContaining('IPPool(tiny) CIDR 10.9.0.0/28 is smaller than its block size /26'),
    ]);
    expect(members(m, 4, 'masq')).toEqual(['10.0.0.0/16', '10.7.0.0/16', '10.9.0.0/28']);
  });

  it('finds overlaps and twins within a family only, in any input order', () => {
    const pools = [pool('v6-in', 'fd00:1::/64'), pool('all4', '0.0.0.0/0'), pool('v6', 'fd00::/16'), pool('b', '10.1.0.0/16'), pool('a', '10.1.0.0/16'), pool('low6', '::/1')];
    const m = model(pools);
    expect(m.warnings).toEqual([
      expect.stringContaining('IPPool(a) CIDR 10.1.0.0/16 overlaps with IPPool(all4) CIDR 0.0.0.0/0'),
      expect.stringContaining('IPPool(b) has the same CIDR as IPPool(a) (10.1.0.0/16)'),
      expect.stringContaining('IPPool(v6-in) CIDR fd00:1::/64 overlaps with IPPool(v6) CIDR fd00::/16'),
    ]);
    expect(m.families.map((f) => f.pools!.map((p) => p.name))).toEqual([['all4', 'a'], ['low6', 'v6', 'v6-in']]);
  });

  it('sorts IPv4 pools by address, then length, then name, whatever the input order', () => {
    const pools = [pool('z', '10.0.0.0/8'), pool('b', '10.0.0.0/16'), pool('top', '255.255.255.255/32'), pool('a', '10.0.0.0/16'), pool('m', '9.0.0.0/8'), pool('c', '10.0.0.0/8'), pool('zero', '0.0.0.0/0')];
    const m = model(pools, DEFAULT_NAT_SETTINGS, [4]);
    expect(m.families[0]!.pools!.map((p) => `${p.name} ${p.cidr}`)).toEqual(['zero 0.0.0.0/0', 'm 9.0.0.0/8', 'c 10.0.0.0/8', 'a 10.0.0.0/16', 'top 255.255.255.255/32']);
    expect(m.warnings.filter((w) => w.includes('same CIDR'))).toEqual([
      expect.stringContaining('IPPool(z) has the same CIDR as IPPool(c)'),
      expect.stringContaining('IPPool(b) has the same CIDR as IPPool(a)'),
    ]);
  });

  it('builds all-hosts-net only with IPPoolsAndHostIPs, per family; CIDRs for IPv4 only', () => {
    const settings: NatSettings = { ...DEFAULT_NAT_SETTINGS, natOutgoingExclusions: 'IPPoolsAndHostIPs', hostIPs: ['10.0.0.11', '10.0.0.11', '192.168.5.0/24', 'fd00::11'] };
    const m = model([pool('a', '10.244.0.0/16', true)], settings);
    expect(members(m, 4, 'hosts')).toEqual(['10.0.0.11/32', '192.168.5.0/24']);
    expect(members(m, 6, 'hosts')).toEqual(['fd00::11/128']);
    expect(model([pool('a', '10.244.0.0/16', true)]).families[0]!.sets.map((s) => s.role)).toEqual(['masq', 'pools']);
    const v6cidr = buildNatModel([], { ...settings, hostIPs: ['fd00::/64'] });
    expect(v6cidr.ok ? null : v6cidr.error.kind).toBe('host-ip-invalid');
  });

  it('programs the chains Felix does: two jumps, an empty fip chain, nat-outgoing only while active', () => {
    const active = model([pool('a', '10.0.0.0/16', true)], DEFAULT_NAT_SETTINGS, [4]).families[0]!;
    expect(active.chains.map((c) => [c.name, c.rules.length])).toEqual([
      ['cali-POSTROUTING', 2],
      ['cali-fip-snat', 0],
      ['cali-nat-outgoing', 1],
    ]);
    expect(active.kernelAppends).toEqual([{ chain: 'POSTROUTING', rules: [{ matches: [], action: { kind: 'jump', target: 'cali-POSTROUTING' } }] }]);
    const inactive = model([pool('a', '10.0.0.0/16')], DEFAULT_NAT_SETTINGS, [4]).families[0]!;
    expect(inactive.active).toBe(false);
    expect(inactive.chains[2]!.rules).toEqual([]);
  });

  it('refuses NATOutgoingAddress for an IPv6 family with natOutgoing pools, not for an idle one', () => {
    const settings = { ...DEFAULT_NAT_SETTINGS, natOutgoingAddress: '192.168.0.1' };
    const r = buildNatModel([pool('v6', 'fd00::/64', true)], settings);
    expect(r.ok ? null : r.error.kind).toBe('nat-address-ipv6');
    expect(buildNatModel([pool('v6', 'fd00::/64', true)], settings, { families: [4] }).ok).toBe(true);
    expect(buildNatModel([pool('v6', 'fd00::/64')], settings).ok).toBe(true);
  });

  it('refuses an unparsable CIDR, naming the pool', () => {
    const r = buildNatModel([pool('bad', '10.0.0.0/33')], DEFAULT_NAT_SETTINGS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'cidr-invalid', pool: 'bad' });
  });
});

describe.each([4, 6] as const)('buildNatModel does not depend on the order of the pools (IPv%i)', (family) => {
  it('gives the same pools, sets and warnings for any permutation', () => {
    fc.assert(
      fc.property(arbWorld(family), fc.array(fc.nat(), { maxLength: 10 }), ({ pools, settings }, swaps) => {
        const shuffled = [...pools];
        const n = shuffled.length;
        for (const [k, x] of n > 1 ? swaps.entries() : []) [shuffled[k % n], shuffled[x % n]] = [shuffled[x % n]!, shuffled[k % n]!];
        const a = model(pools, settings);
        const b = model(shuffled, settings);
        expect(b.families).toEqual(a.families);
        expect([...b.warnings].sort()).toEqual([...a.warnings].sort());
      }),
      { numRuns: fcRuns(300) },
    );
  });
});

describe('buildNatModel with CIDR parses shared between builds (nat diff\'s two states)', () => {
  /** plain is a model as data: its pools and sets, warnings and settings (the pools getter read). */
  const plain = (r: ReturnType<typeof buildNatModel>) => (r.ok ? { ...r.value, families: r.value.families.map((f) => ({ ...f, pools: f.pools })) } : r.error);
  /** Fate is what becomes of a before pool in the after state (nextState). */
  type Fate = 'same' | 'copy' | 'flip' | 'cidr' | 'rename' | 'drop' | 'twice' | 'also';
  /**
   * nextState is the after state of before, per pool (fates in turn): kept as the same object,
   * copied, natOutgoing flipped, CIDR changed (cidr), renamed, dropped, the same object twice,
   * or also beside it another object of the same name and CIDR (input order decides which Felix keeps).
   */
  const nextState = (before: readonly NatPool[], fates: readonly Fate[], cidr: (p: NatPool, i: number) => string): NatPool[] => {
    const after: NatPool[] = [];
    before.forEach((p, i) => {
      const f = fates[i % fates.length]!;
      if (f === 'same') after.push(p);
      else if (f === 'copy') after.push({ ...p });
      else if (f === 'flip') after.push({ ...p, natOutgoing: !p.natOutgoing });
      else if (f === 'cidr') after.push({ ...p, cidr: cidr(p, i) });
      else if (f === 'rename') after.push({ ...p, name: `a${p.name}` });
      else if (f === 'twice') after.push(p, p);
      else if (f === 'also') after.push(p, { ...p, natOutgoing: !p.natOutgoing });
    });
    return after;
  };
  const hostBits = fc.constantFrom('10.0.0.1/24', '10.0.0.0/024', 'fd00::1/64', 'FD00:0:0:0::/64', '10.0.0.0/33', '10.0.0.0/8');

  it('gives the models that unshared builds give, for the first build and the later ones (host bits, IPv6, bad CIDRs)', () => {
    fc.assert(
      fc.property(arbWorld(4), arbWorld(6), fc.array(hostBits, { maxLength: 3 }), ({ pools: p4, settings }, { pools: p6 }, odd) => {
        const pools = [...p4, ...p6.map((p) => ({ ...p, name: `${p.name}6` })), ...odd.map((cidr, i) => pool(`odd-${i}`, cidr, i % 2 === 0))];
        // the second state: the same CIDR texts in other objects, some pools removed
        const again = pools.filter((_, i) => i % 3 !== 1).map((p) => ({ ...p }));
        const parses = new CidrParses();
        for (const [ps, families] of [[pools, [4, 6]], [again, [4, 6]], [pools, [4]]] as const) {
          expect(plain(buildNatModel(ps, settings, { families, parses }))).toEqual(plain(buildNatModel(ps, settings, { families })));
        }
      }),
      { numRuns: fcRuns(100) },
    );
  });

  it('builds a later state from the last build (its parse and ModelPools taken for the same pool objects) exactly as a full build', () => {
    // per before pool: kept as the same object, copied, changed (natOutgoing, CIDR, name), removed, or kept twice
    const fate = fc.constantFrom<Fate>('same', 'same', 'same', 'copy', 'flip', 'cidr', 'rename', 'drop', 'twice');
    fc.assert(
      fc.property(
        arbWorld(4),
        arbWorld(6),
        arbWorld(4),
        fc.array(hostBits, { maxLength: 3 }),
        fc.array(fate, { minLength: 40, maxLength: 40 }),
        fc.boolean(),
        fc.boolean(),
        ({ pools: p4, settings }, { pools: p6, settings: s6 }, { pools: added }, odd, fates, reverse, sameSettings) => {
          const before = [...p4, ...p6.map((p) => ({ ...p, name: `${p.name}6` })), ...odd.map((cidr, i) => pool(`odd-${i}`, cidr, i % 2 === 0))];
          // other objects with the same name and CIDR (which of them Felix keeps goes by input order)
          before.push(...before.slice(0, 2).map((p) => ({ ...p, natOutgoing: !p.natOutgoing })));
          const after = nextState(before, fates, (_, i) => before[(i + 1) % before.length]!.cidr);
          after.push(...added.map((p) => ({ ...p, name: `new-${p.name}` })));
          if (reverse) after.reverse();
          const s2 = sameSettings ? settings : s6;
          const parses = new CidrParses();
          for (const [ps, st, families] of [[before, settings, [4, 6]], [after, s2, [4, 6]], [before, settings, [4]], [after, s2, [4]]] as const) {
            expect(plain(buildNatModel(ps, st, { families, parses }))).toEqual(plain(buildNatModel(ps, st, { families })));
          }
        },
      ),
      { numRuns: fcRuns(200) },
    );
  });

  it('carries the last order and, when the last build warned of nothing, checks only the new pools: exactly a full build', () => {
    // Disjoint states (the common case, where the after build checks only its new pools), and new
    // pools that break them: an identical CIDR, an overlap, a pool smaller than its block size.
    const slot = (k: number, family: Family): string => (family === 4 ? `10.${k >> 4}.${(k & 15) * 16}.0/20` : `fd00:${k.toString(16)}::/48`);
    const arbPool = fc.record({
      k: fc.nat({ max: 63 }),
      family: fc.constantFrom<Family>(4, 4, 6),
      nat: fc.boolean(),
      lb: fc.boolean(),
      disabled: fc.boolean(),
    });
    const fate = fc.constantFrom<Fate>('same', 'same', 'same', 'same', 'copy', 'flip', 'drop', 'cidr', 'rename', 'twice', 'also');
    const odd = fc.constantFrom('10.0.0.0/8', '10.0.0.0/16', '10.0.0.0/28', '10.1.16.0/20', '10.1.16.1/20', 'fd00::/16', 'fd00:1::/64', 'fd00:1::/127', '192.168.0.0/24');
    fc.assert(
      fc.property(
        fc.array(arbPool, { maxLength: 40 }),
        fc.array(fate, { minLength: 40, maxLength: 40 }),
        fc.array(arbPool, { maxLength: 6 }),
        fc.array(odd, { maxLength: 2 }),
        fc.array(odd, { maxLength: 2 }),
        fc.constantFrom('same', 'same', 'older', 'hosts'),
        fc.boolean(),
        (spec, fates, added, oddBefore, oddAfter, settingsChange, reverse) => {
          // distinct slots per family in the before state, so it is usually clean
          const used = new Set<string>();
          const before = spec.flatMap(({ k, family, nat, lb, disabled }, i) => {
            const cidr = slot(k, family);
            if (used.has(cidr)) return [];
            used.add(cidr);
            return [pool(`p${i}`, cidr, nat, { disabled, ...(lb ? { allowedUses: ['LoadBalancer'] } : {}) })];
          });
          before.push(...oddBefore.map((cidr, i) => pool(`odd-b${i}`, cidr, i % 2 === 0, { blockSize: 24 })));
          const after = nextState(before, fates, (p, i) => slot((i * 7) % 64, p.cidr.includes(':') ? 6 : 4));
          after.push(...added.map(({ k, family, nat }, i) => pool(`new-${i}`, slot(k, family), nat)));
          after.push(...oddAfter.map((cidr, i) => pool(`odd-a${i}`, cidr, i % 2 === 1)));
          if (reverse) after.reverse();
          const s1 = DEFAULT_NAT_SETTINGS;
          const s2: NatSettings =
            settingsChange === 'older' ? { ...s1, poolSetName: 'all-ipam-pools' } : settingsChange === 'hosts' ? { ...s1, natOutgoingExclusions: 'IPPoolsAndHostIPs', hostIPs: ['10.0.0.1'] } : s1;
          const parses = new CidrParses();
          // a third state after the second: what the second warned of must stay (its new pools are shared now)
          const later = [...after, pool('later', slot(63, 4), true)];
          for (const [ps, st] of [[before, s1], [after, s2], [later, s2], [before, s1], [after, s2]] as const) {
            expect(plain(buildNatModel(ps, st, { parses }))).toEqual(plain(buildNatModel(ps, st)));
          }
        },
      ),
      { numRuns: fcRuns(300) },
    );
  });

  it('parses again a pool object whose CIDR text changed in place since the last build', () => {
    const p = { ...pool('a', '10.0.0.0/16', true) };
    const parses = new CidrParses();
    plain(buildNatModel([p], DEFAULT_NAT_SETTINGS, { parses }));
    p.cidr = '10.9.0.0/16';
    expect(plain(buildNatModel([p], DEFAULT_NAT_SETTINGS, { parses }))).toEqual(plain(buildNatModel([p], DEFAULT_NAT_SETTINGS)));
  });

  it('hands the next build each pool\'s CIDR text, canonical or not, so that it takes the same pools\' ModelPools', () => {
    // all canonical (the first build's short loop reads every pool), or one with host bits and an IPv6 text to canonicalize (the general loop too)
    for (const odd of [[], [pool('h', '10.9.0.1/16', true), pool('v6', 'FD00::/64', false)]]) {
      const before = [...Array.from({ length: 30 }, (_, i) => pool(`p${i}`, `10.0.${i}.0/24`, i % 2 === 0)), pool('q', 'fd00:1::/64', true), ...odd];
      const after = before.filter((_, i) => i !== 5);
      const parses = new CidrParses();
      const a = buildNatModel(before, DEFAULT_NAT_SETTINGS, { parses });
      const b = buildNatModel(after, DEFAULT_NAT_SETTINGS, { parses });
      if (!a.ok || !b.ok) throw new Error('no model');
      for (const k of [0, 1]) {
        const mine = new Set(a.value.families[k]!.pools);
        // every pool of the after state is one of the before state's: the same ModelPool object
        expect(b.value.families[k]!.pools!.every((m) => mine.has(m))).toBe(true);
      }
    }
  });
});
