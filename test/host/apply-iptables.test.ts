import { describe, expect, it } from 'vitest';
import { buildNatModel, DEFAULT_NAT_SETTINGS } from '../../src/core/index.js';
import { rulesInput } from '../../src/host/apply-iptables.js';
import { desiredIptables } from '../../src/host/desired-from-model.js';
import type { Change } from '../../src/host/plan.js';

// The kernel side of applyIptables (staging, swaps, rollback) is tested with real packets and
// injected failures in test/integration/kernel/nat-apply-safety.test.ts.
const r = buildNatModel([{ name: 'nat', cidr: '10.244.0.0/16', natOutgoing: true, disabled: false }], DEFAULT_NAT_SETTINGS);
if (!r.ok) throw new Error(r.error.message);
const [ipt4, ipt6] = desiredIptables(r.value);
const JUMP = '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" --jump cali-POSTROUTING';

describe('rulesInput (iptables-restore --noflush input)', () => {
  it('declares (flushes) only the changed chains, refills them, and appends the jump only when missing', () => {
    const changes: Change[] = [
      { kind: 'chain', family: 4, name: 'cali-nat-outgoing', op: 'rewrite', add: [], remove: [], reorder: true },
      { kind: 'jump', family: 4, chain: 'POSTROUTING', op: 'append', line: JUMP },
      { kind: 'set', family: 4, name: 'cali40masq-ipam-pools', op: 'update', add: ['10.244.0.0/16'], remove: [] },
    ];
    expect(rulesInput(ipt4!, changes)).toBe(
      [
        '*nat',
        ':cali-nat-outgoing - [0:0]',
        '-A cali-nat-outgoing -m comment --comment "cali:W_qq_N2KSTWyCvrX" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40network-ip-pools dst --jump MASQUERADE --random-fully',
        JUMP,
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('deletes a duplicate or stale jump by its saved spec, before appending', () => {
    const changes: Change[] = [
      { kind: 'jump', family: 4, chain: 'POSTROUTING', op: 'delete', line: JUMP, reason: 'duplicate' },
      { kind: 'jump', family: 4, chain: 'POSTROUTING', op: 'delete', line: '-A POSTROUTING -m comment --comment "cali:O3lYWMrLQYEMJtB5" -j cali-POSTROUTING', reason: 'stale' },
    ];
    expect(rulesInput(ipt4!, changes)).toBe(
      `*nat\n${JUMP.replace('-A ', '-D ')}\n-D POSTROUTING -m comment --comment "cali:O3lYWMrLQYEMJtB5" -j cali-POSTROUTING\nCOMMIT\n`,
    );
  });

  it('is null for a family with only set changes (no iptables-restore run)', () => {
    expect(rulesInput(ipt6!, [{ kind: 'set', family: 6, name: 'cali60masq-ipam-pools', op: 'create', add: [], remove: [] }])).toBeNull();
    expect(rulesInput(ipt4!, [{ kind: 'chain', family: 6, name: 'cali-fip-snat', op: 'create', add: [], remove: [], reorder: false }])).toBeNull();
  });

  it('moves a misplaced jump: deletes it where it is (after the other deletes), appends it again', () => {
    const changes: Change[] = [
      { kind: 'jump', family: 4, chain: 'POSTROUTING', op: 'move', line: JUMP, saved: '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING', position: 1, of: 2 },
      { kind: 'jump', family: 4, chain: 'POSTROUTING', op: 'delete', line: '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j ACCEPT', reason: 'altered' },
    ];
    expect(rulesInput(ipt4!, changes)).toBe(
      [
        '*nat',
        '-D POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j ACCEPT',
        '-D POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING',
        JUMP,
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('rewrites the chains it is asked to besides the changed ones (those moved onto a temporary set)', () => {
    expect(rulesInput(ipt4!, [], ['cali-nat-outgoing'])).toBe(
      [
        '*nat',
        ':cali-nat-outgoing - [0:0]',
        '-A cali-nat-outgoing -m comment --comment "cali:W_qq_N2KSTWyCvrX" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40network-ip-pools dst --jump MASQUERADE --random-fully',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });
});
