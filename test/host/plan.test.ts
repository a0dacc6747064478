import { describe, expect, it } from 'vitest';
import type { DesiredIptFamily, DesiredNftFamily } from '../../src/host/desired.js';
import { parseIpsetSave } from '../../src/host/ipset-save.js';
import { parseIptablesSave } from '../../src/host/iptables-save.js';
import { parseNftTable } from '../../src/host/nft-json.js';
import { addedCount, canonicalMember, planIptablesFamily, planNftablesFamily, setRole, type SetChange } from '../../src/host/plan.js';
import { rangesOf } from '../../src/core/index.js';
import { mustParsePrefix } from '../support/prefix.js';

// Hand-written desired state (what the renderers give for one natOutgoing pool 10.244.0.0/16
// and a disabled pool 10.99.0.0/16) and live states as iptables-save / ipset save print them.
const JUMP = '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" --jump cali-POSTROUTING';
const MASQ =
  '-A cali-nat-outgoing -m comment --comment "cali:W_qq_N2KSTWyCvrX" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40network-ip-pools dst --jump MASQUERADE --random-fully';
const WANT4: DesiredIptFamily = {
  family: 4,
  sets: [
    { name: 'cali40masq-ipam-pools', ipsetFamily: 'inet', type: 'hash:net', maxelem: 1048576, members: ['10.244.0.0/16'].map(mustParsePrefix), create: 'create cali40masq-ipam-pools hash:net family inet maxelem 1048576' },
    {
      name: 'cali40network-ip-pools',
      ipsetFamily: 'inet',
      type: 'hash:net',
      maxelem: 1048576,
      members: ['10.99.0.0/16', '10.244.0.0/16'].map(mustParsePrefix),
      create: 'create cali40network-ip-pools hash:net family inet maxelem 1048576',
    },
  ],
  chains: [
    {
      name: 'cali-POSTROUTING',
      lines: [
        '-A cali-POSTROUTING -m comment --comment "cali:Z-c7XtVd2Bq7s_hA" --jump cali-fip-snat',
        '-A cali-POSTROUTING -m comment --comment "cali:nYKhEzDlr11Jccal" --jump cali-nat-outgoing',
      ],
      hashes: ['Z-c7XtVd2Bq7s_hA', 'nYKhEzDlr11Jccal'],
    },
    { name: 'cali-fip-snat', lines: [], hashes: [] },
    { name: 'cali-nat-outgoing', lines: [MASQ], hashes: ['W_qq_N2KSTWyCvrX'] },
  ],
  appends: [{ chain: 'POSTROUTING', line: JUMP, hash: '0i8pjzKKPyA34aQD' }],
};

const IN_SYNC_SAVE = `*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:cali-POSTROUTING - [0:0]
:cali-fip-snat - [0:0]
:cali-nat-outgoing - [0:0]
-A POSTROUTING -o lo -j ACCEPT
-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING
-A cali-POSTROUTING -m comment --comment "cali:Z-c7XtVd2Bq7s_hA" -j cali-fip-snat
-A cali-POSTROUTING -m comment --comment "cali:nYKhEzDlr11Jccal" -j cali-nat-outgoing
-A cali-nat-outgoing -m comment --comment "cali:W_qq_N2KSTWyCvrX" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40network-ip-pools dst -j MASQUERADE --random-fully
COMMIT
`;
const IN_SYNC_SETS = `create cali40masq-ipam-pools hash:net family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x1
add cali40masq-ipam-pools 10.244.0.0/16
create cali40network-ip-pools hash:net family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x2
add cali40network-ip-pools 10.244.0.0/16
add cali40network-ip-pools 10.99.0.0/16
create other hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x3
add other 10.1.1.1
`;

/** moved is the change that moves the wanted POSTROUTING jump (saved in short form) from position of `of` to the end. */
const moved = (position: number, of: number) => ({
  kind: 'jump',
  family: 4,
  chain: 'POSTROUTING',
  op: 'move',
  line: JUMP,
  saved: '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING',
  position,
  of,
});

function live(save: string, sets: string) {
  const t = parseIptablesSave(save);
  const s = parseIpsetSave(sets);
  if (!t.ok || !s.ok) throw new Error('bad fixture');
  return { family: 4 as const, nat: t.value.get('nat') ?? null, sets: s.value };
}

describe('planIptablesFamily', () => {
  it('finds nothing to do when the kernel holds the desired state (members in any order, save short forms)', () => {
    const conflicts: string[] = [];
    expect(planIptablesFamily(WANT4, live(IN_SYNC_SAVE, IN_SYNC_SETS), conflicts)).toEqual([]);
    expect(conflicts).toEqual([]);
  });

  it('plans everything on an empty kernel: sets, chains and the jump', () => {
    const changes = planIptablesFamily(WANT4, live('', ''), []);
    expect(changes.map((c) => `${c.kind}:${c.op}:${'name' in c ? c.name : c.chain}`)).toEqual([
      'set:create:cali40masq-ipam-pools',
      'set:create:cali40network-ip-pools',
      'chain:create:cali-POSTROUTING',
      'chain:create:cali-fip-snat',
      'chain:create:cali-nat-outgoing',
      'jump:append:POSTROUTING',
    ]);
    expect(changes[5]).toMatchObject({ line: JUMP });
  });

  it("counts a new set's members without listing them, and lists them when read (status, JSON)", () => {
    const [masq, pools] = planIptablesFamily(WANT4, live('', ''), []) as SetChange[];
    expect([addedCount(masq!), addedCount(pools!)]).toEqual([1, 2]);
    expect(pools!.add).toEqual(['10.99.0.0/16', '10.244.0.0/16']);
    expect(JSON.parse(JSON.stringify(pools))).toEqual({ kind: 'set', family: 4, name: 'cali40network-ip-pools', op: 'create', add: ['10.99.0.0/16', '10.244.0.0/16'], remove: [] });
  });

  it('names a rule deleted by hand', () => {
    const save = IN_SYNC_SAVE.replace(/^-A cali-nat-outgoing .*\n/m, '');
    const changes = planIptablesFamily(WANT4, live(save, IN_SYNC_SETS), []);
    expect(changes).toEqual([{ kind: 'chain', family: 4, name: 'cali-nat-outgoing', op: 'rewrite', add: [MASQ], remove: [], reorder: false }]);
  });

  it('lists foreign and stale rules in an owned chain for removal, and notices reordering', () => {
    const foreign = IN_SYNC_SAVE.replace(':cali-nat-outgoing - [0:0]\n', ':cali-nat-outgoing - [0:0]\n').replace(
      '-A cali-nat-outgoing -m comment',
      '-A cali-nat-outgoing -s 10.0.0.0/8 -j RETURN\n-A cali-nat-outgoing -m comment',
    );
    const c1 = planIptablesFamily(WANT4, live(foreign, IN_SYNC_SETS), []);
    expect(c1).toMatchObject([{ kind: 'chain', name: 'cali-nat-outgoing', op: 'rewrite', add: [], remove: ['-A cali-nat-outgoing -s 10.0.0.0/8 -j RETURN'] }]);
    const swapped = IN_SYNC_SAVE.replace(
      /(-A cali-POSTROUTING .*fip-snat)\n(-A cali-POSTROUTING .*nat-outgoing)\n/,
      '$2\n$1\n',
    );
    expect(planIptablesFamily(WANT4, live(swapped, IN_SYNC_SETS), [])).toMatchObject([{ name: 'cali-POSTROUTING', reorder: true, add: [], remove: [] }]);
  });

  it('plans set member changes (including members with options or a /32 printed bare) and a maxelem change', () => {
    const sets = IN_SYNC_SETS.replace(
      'add cali40network-ip-pools 10.99.0.0/16\n',
      'add cali40network-ip-pools 10.98.0.0/16\nadd cali40network-ip-pools 10.0.0.0/8 nomatch\nadd cali40network-ip-pools 10.9.0.1\n',
    ).replace('maxelem 1048576 bucketsize 12 initval 0x1', 'maxelem 65536 bucketsize 12 initval 0x1');
    expect(planIptablesFamily(WANT4, live(IN_SYNC_SAVE, sets), [])).toEqual([
      { kind: 'set', family: 4, name: 'cali40masq-ipam-pools', op: 'update', add: [], remove: [], header: 'maxelem 65536, want 1048576' },
      {
        kind: 'set',
        family: 4,
        name: 'cali40network-ip-pools',
        op: 'update',
        add: ['10.99.0.0/16'],
        remove: ['10.0.0.0/8 nomatch', '10.9.0.1/32', '10.98.0.0/16'],
      },
    ]);
  });

  it('compares IPv6 members canonically', () => {
    const want6: DesiredIptFamily = {
      family: 6,
      sets: [
        {
          name: 'cali60masq-ipam-pools',
          ipsetFamily: 'inet6',
          type: 'hash:net',
          maxelem: 1048576,
          members: ['fd10:244::/64', 'fd10:99::5/128'].map(mustParsePrefix),
          create: 'create cali60masq-ipam-pools hash:net family inet6 maxelem 1048576',
        },
      ],
      chains: [],
      appends: [],
    };
    const sets = (members: string[]) =>
      live('', `create cali60masq-ipam-pools hash:net family inet6 hashsize 1024 maxelem 1048576\n${members.map((m) => `add cali60masq-ipam-pools ${m}\n`).join('')}`);
    expect(planIptablesFamily(want6, { ...sets(['fd10:0244::/64', 'fd10:99::5']), family: 6 }, [])).toEqual([]);
    expect(planIptablesFamily(want6, { ...sets(['fd10:244::/64', 'fd10:98::/64']), family: 6 }, [])).toEqual([
      { kind: 'set', family: 6, name: 'cali60masq-ipam-pools', op: 'update', add: ['fd10:99::5/128'], remove: ['fd10:98::/64'] },
    ]);
  });

  it('reports a set of another type whose users are unknown as a conflict instead of a change', () => {
    const conflicts: string[] = [];
    const sets = IN_SYNC_SETS.replace('create cali40masq-ipam-pools hash:net', 'create cali40masq-ipam-pools hash:ip');
    expect(planIptablesFamily(WANT4, live(IN_SYNC_SAVE, sets), conflicts)).toEqual([]);
    expect(conflicts).toEqual([expect.stringMatching(/ipset cali40masq-ipam-pools exists as hash:ip family inet, poolctl needs hash:net/)]);
  });

  it('never duplicates the POSTROUTING jump: a second copy, and a stale cali: jump, are deleted; foreign rules stay', () => {
    const dup = IN_SYNC_SAVE.replace(
      '-A cali-POSTROUTING -m comment --comment "cali:Z-',
      '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING\n-A POSTROUTING -m comment --comment "cali:O3lYWMrLQYEMJtB5" -j cali-POSTROUTING\n-A POSTROUTING -m comment --comment "cali:keep" -j MASQUERADE\n-A cali-POSTROUTING -m comment --comment "cali:Z-',
    );
    expect(planIptablesFamily(WANT4, live(dup, IN_SYNC_SETS), [])).toEqual([
      {
        kind: 'jump',
        family: 4,
        chain: 'POSTROUTING',
        op: 'delete',
        line: '-A POSTROUTING -m comment --comment "cali:O3lYWMrLQYEMJtB5" -j cali-POSTROUTING',
        reason: 'stale',
      },
      { kind: 'jump', family: 4, chain: 'POSTROUTING', op: 'delete', line: JUMP, reason: 'duplicate' },
      // the copy that stays is followed by the foreign "cali:keep" rule: it goes back to the end
      moved(3, 5),
    ]);
  });

  it('destroys a NAT set of another configuration (the other pool-set name), never a foreign set', () => {
    const sets = IN_SYNC_SETS + 'create cali40all-ipam-pools hash:net family inet hashsize 1024 maxelem 1048576\nadd cali40all-ipam-pools 10.244.0.0/16\n';
    expect(planIptablesFamily(WANT4, live(IN_SYNC_SAVE, sets), [])).toEqual([
      { kind: 'set', family: 4, name: 'cali40all-ipam-pools', op: 'delete', add: [], remove: ['10.244.0.0/16'], reason: 'other-configuration' },
    ]);
  });

  it('destroys temporary sets an interrupted apply left (cali4t<n>), only of its family', () => {
    const sets = IN_SYNC_SETS + 'create cali4t0 hash:net family inet hashsize 1024 maxelem 1048576\ncreate cali4t12 hash:net family inet\ncreate cali6t0 hash:net family inet6\ncreate cali4tx hash:net family inet\n';
    expect(planIptablesFamily(WANT4, live(IN_SYNC_SAVE, sets), [])).toEqual([
      { kind: 'set', family: 4, name: 'cali4t0', op: 'delete', add: [], remove: [], reason: 'temporary' },
      { kind: 'set', family: 4, name: 'cali4t12', op: 'delete', add: [], remove: [], reason: 'temporary' },
    ]);
  });

  it('finds a rule whose body was changed under the same cali: hash (ACCEPT for MASQUERADE), in a chain and in POSTROUTING', () => {
    const accept = IN_SYNC_SAVE.replace(/(-A cali-nat-outgoing -m comment --comment "cali:W_qq_N2KSTWyCvrX") .*$/m, '$1 -j ACCEPT');
    expect(planIptablesFamily(WANT4, live(accept, IN_SYNC_SETS), [])).toEqual([
      {
        kind: 'chain',
        family: 4,
        name: 'cali-nat-outgoing',
        op: 'rewrite',
        add: [MASQ],
        remove: ['-A cali-nat-outgoing -m comment --comment "cali:W_qq_N2KSTWyCvrX" -j ACCEPT'],
        reorder: false,
        altered: true,
      },
    ]);
    // another pool set, the same hash: also a different body
    const otherSet = IN_SYNC_SAVE.replace('! --match-set cali40network-ip-pools dst', '! --match-set cali40all-ipam-pools dst');
    expect(planIptablesFamily(WANT4, live(otherSet, IN_SYNC_SETS), [])).toMatchObject([{ name: 'cali-nat-outgoing', altered: true }]);
    const jump = IN_SYNC_SAVE.replace('"cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING', '"cali:0i8pjzKKPyA34aQD" -j ACCEPT');
    expect(planIptablesFamily(WANT4, live(jump, IN_SYNC_SETS), [])).toEqual([
      { kind: 'jump', family: 4, chain: 'POSTROUTING', op: 'delete', line: '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j ACCEPT', reason: 'altered' },
      { kind: 'jump', family: 4, chain: 'POSTROUTING', op: 'append', line: JUMP },
    ]);
  });

  it('takes the forms iptables-save prints as the same body: -o and -p moved before -m, short options', () => {
    const want: DesiredIptFamily = {
      ...WANT4,
      chains: [
        {
          name: 'cali-nat-outgoing',
          lines: [
            '-A cali-nat-outgoing -m comment --comment "cali:h" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40network-ip-pools dst -p tcp --out-interface eth+ --jump MASQUERADE --to-ports 99-100 --random-fully',
          ],
          hashes: ['h'],
        },
      ],
      appends: [],
    };
    const save = `*nat\n:cali-nat-outgoing - [0:0]\n-A cali-nat-outgoing -o eth+ -p tcp -m comment --comment "cali:h" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40network-ip-pools dst -j MASQUERADE --to-ports 99-100 --random-fully\nCOMMIT\n`;
    expect(planIptablesFamily(want, live(save, IN_SYNC_SETS), [])).toEqual([]);
    expect(planIptablesFamily(want, live(save.replace('99-100', '99-101'), IN_SYNC_SETS), [])).toMatchObject([{ altered: true }]);
  });

  it('wants the POSTROUTING jump last, where Felix appends it: a jump moved to first place is moved back', () => {
    const first = IN_SYNC_SAVE.replace(
      '-A POSTROUTING -o lo -j ACCEPT\n-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING\n',
      '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING\n-A POSTROUTING -o lo -j ACCEPT\n',
    );
    expect(planIptablesFamily(WANT4, live(first, IN_SYNC_SETS), [])).toEqual([moved(1, 2)]);
    // a stale jump after ours goes anyway: ours is then last
    const staleAfter = IN_SYNC_SAVE.replace('COMMIT', '').replace(
      '-A cali-POSTROUTING -m comment --comment "cali:Z-',
      '-A POSTROUTING -m comment --comment "cali:O3lYWMrLQYEMJtB5" -j cali-POSTROUTING\n-A cali-POSTROUTING -m comment --comment "cali:Z-',
    ) + 'COMMIT\n';
    expect(planIptablesFamily(WANT4, live(staleAfter, IN_SYNC_SETS), []).map((c) => c.op)).toEqual(['delete']);
  });

  it('replaces a set of another type when only poolctl\'s rules use it, and names the rules otherwise', () => {
    const sets = IN_SYNC_SETS.replace('create cali40masq-ipam-pools hash:net family inet', 'create cali40masq-ipam-pools hash:ip family inet');
    const base = live(IN_SYNC_SAVE, sets);
    // the cali-nat-outgoing rule is its one user
    const conflicts: string[] = [];
    const changes = planIptablesFamily(WANT4, { ...base, references: new Map([['cali40masq-ipam-pools', 1]]) }, conflicts);
    expect(conflicts).toEqual([]);
    expect(JSON.parse(JSON.stringify(changes))).toEqual([
      {
        kind: 'set',
        family: 4,
        name: 'cali40masq-ipam-pools',
        op: 'replace',
        add: ['10.244.0.0/16'],
        remove: ['10.244.0.0/16'],
        header: 'type hash:ip family inet, want hash:net family inet',
      },
    ]);
    // two users: one is not ours
    const c2: string[] = [];
    expect(planIptablesFamily(WANT4, { ...base, references: new Map([['cali40masq-ipam-pools', 2]]) }, c2)).toEqual([]);
    expect(c2).toEqual([expect.stringMatching(/^ipset cali40masq-ipam-pools exists as hash:ip family inet, poolctl needs hash:net family inet, and 1 rule poolctl does not own uses it: remove that rule .*then 'poolctl nat apply' replaces the set$/)]);
  });

  it.each([
    ['cali40masq-ipam-pools', 4, 'masq'],
    ['cali40network-ip-pools', 4, 'pools'],
    ['cali40all-ipam-pools', 4, 'pools'],
    ['cali60all-hosts-net', 6, 'hosts'],
    ['cali60masq-ipam-pools', 4, null],
    ['cali4t0', 4, null],
    ['cali40this-felix-set', 4, null],
    ['felix-masq-ipam-pools', 4, null],
  ] as const)('setRole(%s, IPv%i) is %s', (name, family, role) => {
    expect(setRole(name, family)).toBe(role);
  });

  it('canonicalMember reads ipset member forms', () => {
    expect(canonicalMember('10.9.0.1', 4)).toBe('10.9.0.1/32');
    expect(canonicalMember('fd10:0244::/64', 6)).toBe('fd10:244::/64');
    expect(canonicalMember('fd10::5', 6)).toBe('fd10::5/128');
    expect(canonicalMember('10.0.0.0/8 nomatch', 4)).toBeNull();
    expect(canonicalMember('10.0.0.1/8', 4)).toBeNull();
    expect(canonicalMember('10.0.0.0/8', 6)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------

const ranges = (...cidrs: string[]) => rangesOf(4, cidrs.map(mustParsePrefix));

const WANT_NFT: DesiredNftFamily = {
  family: 4,
  tableFamily: 'ip',
  tableName: 'calico',
  script: () => 'table ip calico { }',
  checkScript: () => 'table ip calico { }',
  sets: [
    { name: 'cali40masq-ipam-pools', type: 'ipv4_addr', flags: ['interval'], ranges: ranges('10.244.0.0/16') },
    { name: 'cali40network-ip-pools', type: 'ipv4_addr', flags: ['interval'], ranges: ranges('10.99.0.0/16', '10.244.0.0/16') },
  ],
  chains: [
    {
      name: 'nat-POSTROUTING',
      base: { type: 'nat', hook: 'postrouting', prio: 110, policy: 'accept' },
      lines: ['counter jump nat-cali-POSTROUTING comment "cali:z057H0Z77Fcko47w;"'],
      hashes: ['z057H0Z77Fcko47w'],
      rules: [{ matches: [], action: { kind: 'jump', target: 'cali-POSTROUTING' } }],
    },
    {
      name: 'nat-cali-nat-outgoing',
      lines: ['ip saddr @cali40masq-ipam-pools ip daddr != @cali40network-ip-pools counter masquerade fully-random comment "cali:oMLt0S09xBKlYFS5;"'],
      hashes: ['oMLt0S09xBKlYFS5'],
      rules: [
        {
          matches: [
            { kind: 'src-set', set: 'cali40masq-ipam-pools' },
            { kind: 'not-dst-set', set: 'cali40network-ip-pools' },
          ],
          action: { kind: 'masquerade', randomFully: true },
        },
      ],
    },
  ],
};

// the rules' expressions as `nft -j list table` prints them
const JUMP_EXPR = [{ counter: { packets: 0, bytes: 0 } }, { jump: { target: 'nat-cali-POSTROUTING' } }];
const MASQ_EXPR = [
  { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@cali40masq-ipam-pools' } },
  { match: { op: '!=', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '@cali40network-ip-pools' } },
  { counter: { packets: 3, bytes: 180 } },
  { masquerade: { flags: 'fully-random' } },
];

function nftLive(doc: object) {
  const r = parseNftTable(JSON.stringify({ nftables: [{ table: { family: 'ip', name: 'calico' } }, ...(doc as unknown[])] }));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const SYNCED = [
  // nft may list a set's elements split differently: two /17s for a /16 is the same set
  { set: { name: 'cali40masq-ipam-pools', type: 'ipv4_addr', flags: ['interval'], elem: [{ prefix: { addr: '10.244.0.0', len: 17 } }, { prefix: { addr: '10.244.128.0', len: 17 } }] } },
  { set: { name: 'cali40network-ip-pools', type: 'ipv4_addr', flags: ['interval'], elem: [{ prefix: { addr: '10.99.0.0', len: 16 } }, { prefix: { addr: '10.244.0.0', len: 16 } }] } },
  { chain: { name: 'nat-POSTROUTING', type: 'nat', hook: 'postrouting', prio: 110, policy: 'accept' } },
  { chain: { name: 'nat-cali-nat-outgoing' } },
  { rule: { chain: 'nat-POSTROUTING', comment: 'cali:z057H0Z77Fcko47w;', expr: JUMP_EXPR } },
  { rule: { chain: 'nat-cali-nat-outgoing', comment: 'cali:oMLt0S09xBKlYFS5;', expr: MASQ_EXPR } },
];

describe('planNftablesFamily', () => {
  it('is in sync when sets cover the same addresses and rules carry the same hashes', () => {
    expect(planNftablesFamily(WANT_NFT, nftLive(SYNCED))).toEqual([]);
  });

  it('plans the table, its sets and chains when the table is missing', () => {
    const c = planNftablesFamily(WANT_NFT, null);
    expect(c.map((x) => `${x.kind}:${x.op}`)).toEqual(['table:create', 'set:create', 'set:create', 'chain:create', 'chain:create']);
    expect(c[2]).toMatchObject({ add: ['10.99.0.0/16', '10.244.0.0/16'] });
    expect(addedCount(c[2] as SetChange)).toBe(2);
    // adjacent prefixes merge: the count is of the CIDRs the set's intervals need
    const merged = planNftablesFamily({ ...WANT_NFT, sets: [{ ...WANT_NFT.sets[0]!, ranges: ranges('10.0.0.0/25', '10.0.0.128/25', '10.0.2.0/24') }] }, null);
    expect(addedCount(merged[1] as SetChange)).toBe(2);
    expect((merged[1] as SetChange).add).toEqual(['10.0.0.0/24', '10.0.2.0/24']);
  });

  it('names missing and extra members, a deleted rule, a changed hook priority, and leftovers', () => {
    const drifted = structuredClone(SYNCED) as any[];
    drifted[1].set.elem = [{ prefix: { addr: '10.244.0.0', len: 16 } }, { range: ['10.1.0.0', '10.1.0.3'] }];
    drifted[2].chain.prio = 100;
    drifted.splice(5, 1);
    drifted.push({ set: { name: 'stale', type: 'ipv4_addr', flags: ['interval'], elem: ['10.7.7.7'] } });
    expect(planNftablesFamily(WANT_NFT, nftLive(drifted))).toEqual([
      { kind: 'set', family: 4, name: 'cali40network-ip-pools', op: 'update', add: ['10.99.0.0/16'], remove: ['10.1.0.0/30'] },
      { kind: 'set', family: 4, name: 'stale', op: 'delete', add: [], remove: ['10.7.7.7/32'] },
      {
        kind: 'chain',
        family: 4,
        name: 'nat-POSTROUTING',
        op: 'rewrite',
        add: [],
        remove: [],
        reorder: false,
        header: 'type nat hook postrouting priority 100 policy accept, want type nat hook postrouting priority 110 policy accept',
      },
      { kind: 'chain', family: 4, name: 'nat-cali-nat-outgoing', op: 'rewrite', add: [WANT_NFT.chains[1]!.lines[0]], remove: [], reorder: false },
    ]);
  });

  it('finds a rule whose body changed under its hash: accept for masquerade, a plain masquerade for a fully-random one', () => {
    const accept = structuredClone(SYNCED) as any[];
    accept[5].rule.expr = [{ counter: { packets: 0, bytes: 0 } }, { accept: null }];
    expect(planNftablesFamily(WANT_NFT, nftLive(accept))).toEqual([
      {
        kind: 'chain',
        family: 4,
        name: 'nat-cali-nat-outgoing',
        op: 'rewrite',
        add: [WANT_NFT.chains[1]!.lines[0]],
        remove: ['rule comment "cali:oMLt0S09xBKlYFS5;" that poolctl does not write: [{"counter":{"packets":0,"bytes":0}},{"accept":null}]'],
        reorder: false,
        altered: true,
      },
    ]);
    const plain = structuredClone(SYNCED) as any[];
    plain[5].rule.expr = MASQ_EXPR.slice(0, 3).concat([{ masquerade: null } as any]);
    expect(planNftablesFamily(WANT_NFT, nftLive(plain))).toMatchObject([
      { name: 'nat-cali-nat-outgoing', altered: true, remove: ['ip saddr @cali40masq-ipam-pools ip daddr != @cali40network-ip-pools counter masquerade comment "cali:oMLt0S09xBKlYFS5;"'] },
    ]);
  });
});
