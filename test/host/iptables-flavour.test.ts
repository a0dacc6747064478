import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHostExec } from '../../src/host/host-exec.js';
import { chooseFlavour, flavourOfVersion, legacyCaliFamilies, toolsOf, type LegacyState } from '../../src/host/iptables-flavour.js';
import { parseIptablesSave } from '../../src/host/iptables-save.js';
import { failure } from '../support/failure.js';

// chooseFlavour decides from what it is given (the nft chain list, what readLegacy read) and
// asks the tools only for their names and, at the end, their rule counts and version: stand-in
// tools on a private PATH. Real flavours side by side: test/integration/kernel/nat-iptables-flavour.test.ts.
const root = mkdtempSync(join(tmpdir(), 'poolctl-flavour-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function execWith(tools: Record<string, string>) {
  const d = join(root, String(n++));
  mkdirSync(d);
  for (const [t, body] of Object.entries(tools)) {
    writeFileSync(join(d, t), `#!/bin/sh\n${body}\n`);
    chmodSync(join(d, t), 0o755);
  }
  return createHostExec({ env: { PATH: d } });
}
const ok = 'exit 0';
const VARIANTS = Object.fromEntries(
  ['iptables', 'ip6tables'].flatMap((p) => ['legacy', 'nft'].flatMap((f) => ['save', 'restore'].map((k) => [`${p}-${f}-${k}`, ok]))),
);

function legacyOf(texts: Partial<Record<4 | 6, string>>): LegacyState {
  const tables = new Map<4 | 6, Map<string, any>>();
  for (const [f, text] of Object.entries(texts)) {
    const p = parseIptablesSave(text!);
    if (!p.ok) throw new Error('bad fixture');
    tables.set(Number(f) as 4 | 6, p.value);
  }
  return { tables, problems: [] };
}
const NO_LEGACY: LegacyState = { tables: new Map(), problems: [] };
const CALI_NAT = '*nat\n:POSTROUTING ACCEPT [0:0]\n:cali-POSTROUTING - [0:0]\n-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING\nCOMMIT\n';
const nftCali = (family: string) => ({ family, table: 'nat', name: 'cali-POSTROUTING' });


describe('chooseFlavour', () => {
  it('auto adopts the flavour holding the cali- chains, with that flavour\'s own tools', async () => {
    const legacy = await chooseFlavour(execWith(VARIANTS), 'auto', [4, 6], [], legacyOf({ 4: CALI_NAT }));
    expect(legacy).toMatchObject({ flavour: 'legacy', why: 'iptables-legacy: it holds the cali- chains (IPv4)', warning: null });
    expect([...legacy.restore.values()]).toEqual(['iptables-legacy-restore', 'ip6tables-legacy-restore']);
    const nft = await chooseFlavour(execWith(VARIANTS), 'auto', [4, 6], [nftCali('ip'), nftCali('ip6'), { family: 'ip', table: 'calico', name: 'nat-cali-POSTROUTING' }], NO_LEGACY);
    expect(nft).toMatchObject({ flavour: 'nft', why: 'iptables-nft: it holds the cali- chains (IPv4 and IPv6)' });
    expect([...nft.save.values()]).toEqual(['iptables-nft-save', 'ip6tables-nft-save']);
  });

  it('auto refuses when both flavours hold cali- chains (exit 3, naming both and what to do)', async () => {
    const e = await failure(chooseFlavour(execWith(VARIANTS), 'auto', [4, 6], [nftCali('ip6')], legacyOf({ 4: CALI_NAT, 6: CALI_NAT })));
    expect(e.code).toBe('HOST_IPTABLES_MIXED');
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      'both iptables flavours hold cali- chains: iptables-legacy (IPv4 and IPv6) and iptables-nft (IPv6); the rules of both run, and poolctl would program only one of them',
    );
    expect(e.hint).toMatch(/^remove the copy not in use .* or choose one for nat apply and nat status with --iptables-backend legacy\|nft/);
  });

  it('without nft\'s chain list (nft not installed), reads iptables-nft\'s nat tables for cali- chains', async () => {
    const saving = { ...VARIANTS, 'ip6tables-nft-save': `printf '*nat\\n:POSTROUTING ACCEPT [0:0]\\n:cali-POSTROUTING - [0:0]\\nCOMMIT\\n'` };
    expect((await chooseFlavour(execWith(saving), 'auto', [4, 6], null, NO_LEGACY)).why).toBe('iptables-nft: it holds the cali- chains (IPv6)');
    const e = await failure(chooseFlavour(execWith(saving), 'auto', [4, 6], null, legacyOf({ 4: CALI_NAT })));
    expect(e.code).toBe('HOST_IPTABLES_MIXED');
  });

  it('an explicit flavour is used as given, with a warning about cali- chains in the other', async () => {
    const c = await chooseFlavour(execWith(VARIANTS), 'nft', [4], [], legacyOf({ 4: CALI_NAT }));
    expect(c.flavour).toBe('nft');
    expect(c.why).toBe('iptables-nft: chosen with --iptables-backend');
    expect(c.warning).toMatch(/^iptables-legacy also holds cali- chains \(IPv4\), from an earlier apply or Felix: their rules run as well/);
    expect((await chooseFlavour(execWith(VARIANTS), 'legacy', [4], [], NO_LEGACY)).warning).toBeNull();
  });

  it('without cali- chains: Kubernetes\' hint chains, then rule counts (ties to legacy, as Felix, only with rules), then the system default', async () => {
    const kube = '*mangle\n:KUBE-IPTABLES-HINT - [0:0]\nCOMMIT\n';
    expect((await chooseFlavour(execWith(VARIANTS), 'auto', [4], [{ family: 'ip', table: 'mangle', name: 'KUBE-KUBELET-CANARY' }], legacyOf({ 4: kube }))).flavour).toBe('nft');
    expect((await chooseFlavour(execWith(VARIANTS), 'auto', [4], [], legacyOf({ 4: kube }))).why).toBe("iptables-legacy: Kubernetes' hint chains are there");
    const rules = (k: number) => `*filter\n:INPUT ACCEPT [0:0]\n${'-A INPUT -j ACCEPT\n'.repeat(k)}COMMIT\n`;
    const nftSaving = (k: number) => ({ ...VARIANTS, 'iptables-nft-save': `printf '${rules(k).replace(/\n/g, '\\n')}'` });
    expect((await chooseFlavour(execWith(nftSaving(2)), 'auto', [4], [], legacyOf({ 4: rules(2) }))).why).toBe('iptables-legacy: 2 rules in iptables-legacy, 2 in iptables-nft');
    expect((await chooseFlavour(execWith(nftSaving(3)), 'auto', [4], [], legacyOf({ 4: rules(2) }))).why).toBe('iptables-nft: 2 rules in iptables-legacy, 3 in iptables-nft');
    const system = (version: string) => ({ ...VARIANTS, 'iptables-restore': `echo "${version}"` });
    expect((await chooseFlavour(execWith(system('iptables-restore v1.8.9 (nf_tables)')), 'auto', [4], [], NO_LEGACY)).why).toBe(
      "iptables-nft: no rules in iptables-legacy, and the system's iptables-restore is iptables-nft",
    );
    expect((await chooseFlavour(execWith(system('iptables-restore v1.8.9 (legacy)')), 'auto', [4], [], NO_LEGACY)).why).toBe(
      "iptables-legacy: no rules in either flavour, and the system's iptables-restore is iptables-legacy",
    );
    // a legacy system whose iptables-nft holds rules: nft, as Felix
    expect((await chooseFlavour(execWith({ ...nftSaving(1), 'iptables-restore': 'echo "iptables-restore v1.8.9 (legacy)"' }), 'auto', [4], [], NO_LEGACY)).why).toBe(
      'iptables-nft: 0 rules in iptables-legacy, 1 in iptables-nft',
    );
  });

  it('takes the plain tools for a flavour when they are of it (--version), and names the missing one otherwise', async () => {
    const plain = (version: string) => ({ 'iptables-save': `echo "iptables-save ${version}"`, 'iptables-restore': `echo "iptables-restore ${version}"` });
    expect([...(await toolsOf(execWith(plain('v1.8.9 (nf_tables)')), 'nft', [4])).restore.values()]).toEqual(['iptables-restore']);
    // before 1.8 there was only legacy
    expect([...(await toolsOf(execWith(plain('v1.6.1')), 'legacy', [4])).save.values()]).toEqual(['iptables-save']);
    const e = await failure(toolsOf(execWith(plain('v1.8.9 (nf_tables)')), 'legacy', [4]));
    expect(e.message).toBe('iptables-legacy-save not found on PATH: install the package "iptables"');
    expect(e.exitCode).toBe(3);
  });

  it('flavourOfVersion and legacyCaliFamilies', () => {
    expect(flavourOfVersion('iptables-save v1.8.9 (nf_tables)')).toBe('nft');
    expect(flavourOfVersion('iptables-save v1.8.9 (legacy)')).toBe('legacy');
    expect(legacyCaliFamilies(legacyOf({ 4: '*filter\n:cali-FORWARD - [0:0]\nCOMMIT\n', 6: '*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n' }))).toEqual([4]);
  });
});
