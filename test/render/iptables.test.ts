import { describe, expect, it } from 'vitest';
import { buildNatModel, DEFAULT_NAT_SETTINGS } from '../../src/core/index.js';
import { formatIptablesRule, iptablesChains, renderIptables } from '../../src/render/index.js';
import { modelFor, POOLS, RENDER_VECTORS } from './support.js';

describe('iptables renderer: every render.json vector, byte for byte', () => {
  const vectors = RENDER_VECTORS.filter((v) => v.target === 'iptables');
  it('has vectors', () => expect(vectors.length).toBeGreaterThan(10));
  it.each(vectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const model = modelFor(v);
    const chains = iptablesChains(model.families[0]!);
    const chain = chains.find((c) => c.chain === v.chain && c.appended === v.appendedToKernelChain);
    expect(chain).toBeDefined();
    expect(chain!.lines).toEqual(v.rules);
    expect(chain!.hashes).toEqual(v.hashes);
    // The restore file carries exactly these lines.
    const text = renderIptables(model);
    for (const line of v.rules) expect(text.split('\n')).toContain(line);
  });
});

describe('renderIptables', () => {
  it('writes a complete nat-table restore file per family', () => {
    const r = buildNatModel(POOLS, DEFAULT_NAT_SETTINGS);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(renderIptables(r.value)).toBe(
      [
        '# IPv4 nat table: iptables-restore --noflush',
        '*nat',
        ':cali-POSTROUTING - [0:0]',
        ':cali-fip-snat - [0:0]',
        ':cali-nat-outgoing - [0:0]',
        '-A cali-POSTROUTING -m comment --comment "cali:Z-c7XtVd2Bq7s_hA" --jump cali-fip-snat',
        '-A cali-POSTROUTING -m comment --comment "cali:nYKhEzDlr11Jccal" --jump cali-nat-outgoing',
        '-A cali-nat-outgoing -m comment --comment "cali:W_qq_N2KSTWyCvrX" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40network-ip-pools dst --jump MASQUERADE --random-fully',
        '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" --jump cali-POSTROUTING',
        'COMMIT',
        '# IPv6 nat table: ip6tables-restore --noflush',
        '*nat',
        ':cali-POSTROUTING - [0:0]',
        ':cali-fip-snat - [0:0]',
        ':cali-nat-outgoing - [0:0]',
        '-A cali-POSTROUTING -m comment --comment "cali:Z-c7XtVd2Bq7s_hA" --jump cali-fip-snat',
        '-A cali-POSTROUTING -m comment --comment "cali:nYKhEzDlr11Jccal" --jump cali-nat-outgoing',
        '-A cali-nat-outgoing -m comment --comment "cali:Y4sh__lNLsPKa_Pw" -m set --match-set cali60masq-ipam-pools src -m set ! --match-set cali60network-ip-pools dst --jump MASQUERADE --random-fully',
        '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" --jump cali-POSTROUTING',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('leaves cali-nat-outgoing empty (but declared and jumped to) without a natOutgoing pool', () => {
    const r = buildNatModel([{ name: 'p', cidr: '10.0.0.0/16', natOutgoing: false, disabled: false }], DEFAULT_NAT_SETTINGS, { families: [4] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const text = renderIptables(r.value);
    expect(text).toContain(':cali-nat-outgoing - [0:0]');
    expect(text).toContain('--jump cali-nat-outgoing');
    expect(text).not.toMatch(/^-A cali-nat-outgoing/m);
  });

  it('adds --out-interface to every nat-outgoing rule, after the protocol', () => {
    const r = buildNatModel(POOLS, { ...DEFAULT_NAT_SETTINGS, interfaceFilter: 'eth+', natPortRange: { min: 99, max: 100 } }, { families: [4] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const chain = iptablesChains(r.value.families[0]!).find((c) => c.chain === 'cali-nat-outgoing')!;
    expect(chain.lines).toHaveLength(5);
    for (const line of chain.lines) expect(line).toMatch(/ --out-interface eth\+ --jump /);
    expect(chain.lines[0]).toContain('-p tcp --out-interface eth+ --jump MASQUERADE --to-ports 99-100 --random-fully');
  });

  it('formats SNAT with a port range as <addr>:<min>-<max>, the last rule without ports', () => {
    const r = buildNatModel(POOLS, { ...DEFAULT_NAT_SETTINGS, natOutgoingAddress: '192.168.0.1', natPortRange: { min: 99, max: 100 } }, { families: [4] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const rules = r.value.families[0]!.chains.find((c) => c.name === 'cali-nat-outgoing')!.rules;
    expect(formatIptablesRule('cali-nat-outgoing', rules[0]!, 'h')).toMatch(/-p tcp --jump SNAT --to-source 192\.168\.0\.1:99-100 --random-fully$/);
    expect(formatIptablesRule('cali-nat-outgoing', rules[1]!, 'h')).toMatch(/-p tcp --jump RETURN$/);
    expect(formatIptablesRule('cali-nat-outgoing', rules[4]!, 'h')).toMatch(/dst --jump SNAT --to-source 192\.168\.0\.1 --random-fully$/);
  });
});
