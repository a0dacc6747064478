import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, ROOT } from '../../support/cli.js';
import { fakeBin as fakeBinIn, inNs, kernelDescribe, pool, runIn, TOPO, useTopology } from '../../support/netns.js';

/**
 * nat apply's promises about the rest of the host: it refuses without root or tools, a dry
 * run writes nothing, other rules and tables survive, and a failure at any step leaves the
 * previous ruleset in place.
 */

const POOLS =
  pool('nat-v4', TOPO.v4.natPool, '  natOutgoing: true\n') +
  pool('no-nat-v4', TOPO.v4.disabledPool, '  disabled: true\n') +
  pool('nat-v6', TOPO.v6.natPool, '  natOutgoing: true\n');
const MORE_POOLS = POOLS + pool('more-v4', '10.250.0.0/16', '  natOutgoing: true\n') + pool('more-v6', 'fd10:250::/64', '  natOutgoing: true\n');

let dir = '';
const file = (name: string, text: string, mode?: number): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  if (mode !== undefined) chmodSync(p, mode);
  return p;
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-kernel-safety-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** state is everything both backends can hold in a namespace, with counters; timestamps dropped. */
async function state(ns: string): Promise<string> {
  const parts = await Promise.all([
    inNs(ns, 'iptables-save', ['-c']),
    inNs(ns, 'ip6tables-save', ['-c']),
    inNs(ns, 'ipset', ['save']),
    inNs(ns, 'nft', ['list', 'ruleset']),
  ]);
  return parts.map((p) => p.stdout.replace(/^#.*\n/gm, '')).join('\n====\n');
}

const fakeBin = (name: string, tools: Record<string, string>): string => fakeBinIn(dir, name, tools);

kernelDescribe('nat apply: refusals and dry run', () => {
  const topo = useTopology('r');

  it('refuses to run without root: exit 3 and what to do', async () => {
    const pools = file('refuse.yaml', POOLS, 0o644);
    // The checkout may sit in a directory only root can read (a 0700 temp dir, say), so the
    // unprivileged user runs a world-readable copy of the built bundle.
    const app = join(dir, 'app');
    cpSync(BIN.endsWith(join('bin', 'poolctl.js')) ? join(ROOT, 'dist') : dirname(BIN), app, { recursive: true });
    writeFileSync(join(app, 'package.json'), '{"type":"module"}\n');
    writeFileSync(join(app, 'run.js'), "import('./main.js').then((m) => m.main(process));\n");
    chmodSync(dir, 0o755);
    const r = await runIn(topo().node, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(app, 'run.js'), 'nat', 'apply', '-f', pools]);
    expect(r.stderr).toMatch(/nat apply needs root \(CAP_NET_ADMIN\).*running as uid 65534/);
    expect(r.stderr).toMatch(/hint: run it as root/);
    expect(r.code).toBe(3);
  });

  it.each([
    ['iptables', /ipset not found on PATH: install the package "ipset"/],
    ['nftables', /nft not found on PATH: install the package "nftables"/],
    ['auto', /not found on PATH: install the package "(ipset|iptables)"/],
  ])('without the tools of --backend %s: exit 3 naming the package', async (backend, re) => {
    const pools = file(`tools-${backend}.yaml`, POOLS);
    const empty = join(dir, `empty-${backend}`);
    mkdirSync(empty);
    const r = await topo().cli(['nat', 'apply', '--backend', backend, '-f', pools], { env: { PATH: empty } });
    expect(r.stderr).toMatch(re);
    expect(r.code).toBe(3);
    const s = await topo().cli(['nat', 'status', '--backend', backend, '-f', pools], { env: { PATH: empty } });
    expect(s.code).toBe(3);
  });

  it.each(['iptables', 'nftables'])('--dry-run with %s prints the change as a diff and writes nothing', async (backend) => {
    const pools = file(`dry-${backend}.yaml`, POOLS);
    const before = await state(topo().node);
    const r = await topo().cli(['nat', 'apply', '--backend', backend, '--dry-run', '-f', pools]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+ 10.244.0.0/16');
    expect(r.stdout).toContain('+ fd10:244::/64');
    expect(r.stdout).toContain(backend === 'iptables' ? 'ipset cali40masq-ipam-pools: create' : 'table ip calico: create');
    expect(r.stdout).toContain(backend === 'iptables' ? 'cali:0i8pjzKKPyA34aQD' : 'cali:z057H0Z77Fcko47w');
    expect(r.stdout).toMatch(/dry run: \d+ changes would be made with /);
    expect(await state(topo().node)).toBe(before);
  });

  it('bad input stops the command with its own error at once, and no kernel tool it started is left running', async () => {
    // nft and ipset that would take 30 s (their sleep keeps none of poolctl's descriptors: not the
    // pipes, not the host lock's fd 3); with --backend the kernel reads start beside the input's load
    const slow = `sleep 30 </dev/null >/dev/null 2>&1 3>&- &\nwait`;
    const bin = fakeBin('slow-tools', { nft: slow, ipset: slow });
    const bad = file('bad-input.yaml', pool('bad', '10.0.0.0/33'));
    const started = Date.now();
    const r = await topo().cli(['nat', 'apply', '--backend', 'nftables', '-f', bad], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(r.stderr).toMatch(/CIDR_INVALID/);
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    const left = await runIn(topo().node, ['pgrep', '-f', bin]);
    expect(left.stdout).toBe('');
  });

  it('iptables: a failure while filling new sets on a fresh host leaves no set behind', async () => {
    const ns = topo().node;
    const before = await state(ns);
    expect(before).not.toMatch(/^create cali/m);
    // ipset loads the first two lines (a new main set and its first member), then fails
    const bin = fakeBin('fail-fresh', {
      ipset: 'if [ "$1" = restore ] && [ "$#" = 1 ]; then head -n 2 | /usr/sbin/ipset restore; echo "ipset v7.17: Error in line 3: injected failure" >&2; exit 1; fi\nexec /usr/sbin/ipset "$@"',
    });
    const r = await topo().cli(['nat', 'apply', '--backend', 'iptables', '-f', file('fresh.yaml', POOLS)], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(r.stderr).toMatch(/failed to fill the new ipsets \(nothing was changed\)/);
    expect(r.code).toBe(1);
    expect(await state(ns)).toBe(before);
  });

  it('the tools it runs never see ETCD_PASSWORD or any other secret of its environment', async () => {
    const seen = join(dir, 'tool-env');
    const dump = (tool: string) => `env >> ${seen}\necho "==== ${tool}" >> ${seen}\nexec /usr/sbin/${tool} "$@"`;
    const bin = fakeBin('env-dump', { ipset: dump('ipset'), nft: dump('nft'), 'iptables-nft-save': dump('iptables-nft-save') });
    const r = await topo().cli(['nat', 'status', '-f', file('env.yaml', POOLS)], {
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        ETCD_PASSWORD: 'hunter2',
        ETCD_USERNAME: 'root',
        ETCD_ENDPOINTS: 'https://root:hunter2@127.0.0.1:2379',
        ETCD_KEY_FILE: join(dir, 'key.pem'),
        POOLCTL_STORE: join(dir, 'store'),
        LANG: 'C.UTF-8',
      },
    });
    expect(r.stderr).toBe('');
    const text = readFileSync(seen, 'utf8');
    // every tool ran (nft to list chains, ipset and iptables-nft-save to read the state)
    for (const tool of ['nft', 'ipset', 'iptables-nft-save']) expect(text).toContain(`==== ${tool}`);
    expect(text).not.toMatch(/hunter2|ETCD_|POOLCTL_|NO_COLOR/);
    const names = new Set(text.split('\n').filter((l) => l.includes('=') && !l.startsWith('====')).map((l) => l.slice(0, l.indexOf('='))));
    // sh itself sets PWD (and may set SHLVL, _)
    for (const bySh of ['PWD', 'SHLVL', '_', 'OLDPWD']) names.delete(bySh);
    expect([...names].sort()).toEqual(['LANG', 'LC_ALL', 'PATH']);
  });

  it('IPv6 natOutgoing pools with --nat-outgoing-address are refused and nothing is written', async () => {
    const pools = file('snat6.yaml', POOLS);
    const before = await state(topo().node);
    const r = await topo().cli(['nat', 'apply', '--backend', 'iptables', '--nat-outgoing-address', '192.0.2.1', '-f', pools]);
    expect(r.stderr).toMatch(/NATOutgoingAddress 192\.0\.2\.1 is IPv4-only/);
    expect(r.code).not.toBe(0);
    expect(await state(topo().node)).toBe(before);
  });
});

kernelDescribe('nat apply: other rules and tables survive', () => {
  const topo = useTopology('o');

  it('a foreign POSTROUTING rule, a foreign ipset and a foreign nft table survive apply and re-apply with both backends', async () => {
    const ns = topo().node;
    await inNs(ns, 'iptables', ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'lo', '-j', 'ACCEPT']);
    await inNs(ns, 'ip6tables', ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'lo', '-j', 'ACCEPT']);
    await inNs(ns, 'ipset', ['create', 'foreign', 'hash:ip']);
    await inNs(ns, 'ipset', ['add', 'foreign', '10.1.2.3']);
    await inNs(ns, 'nft', ['-f', '-'], 'table inet foreign {\n chain out {\n  type filter hook output priority 0; policy accept;\n  meta mark 0x1234 accept\n }\n}\n');
    const foreignNft = (await inNs(ns, 'nft', ['list', 'table', 'inet', 'foreign'])).stdout;
    const pools = file('survive.yaml', POOLS);
    for (const backend of ['iptables', 'nftables']) {
      for (let i = 0; i < 2; i++) {
        const r = await topo().cli(['nat', 'apply', '--backend', backend, '-f', pools]);
        expect(r.code).toBe(0);
        // switching backends leaves the other's rules running: apply says so
        if (backend === 'iptables') expect(r.stderr).toBe('');
        else expect(r.stderr).toMatch(/^warning: the iptables nat table of iptables-nft \(ip, ip6\) also holds cali-POSTROUTING/);
      }
      const v4 = (await inNs(ns, 'iptables-save', ['-t', 'nat'])).stdout;
      const v6 = (await inNs(ns, 'ip6tables-save', ['-t', 'nat'])).stdout;
      for (const saved of [v4, v6]) {
        expect(saved.match(/^-A POSTROUTING -o lo -j ACCEPT$/gm)).toHaveLength(1);
        expect(saved.match(/^-A POSTROUTING .*cali:0i8pjzKKPyA34aQD.*$/gm)).toHaveLength(1);
        // the foreign rule stays first: poolctl appends after it, as Felix does
        expect(saved.indexOf('-A POSTROUTING -o lo -j ACCEPT')).toBeLessThan(saved.indexOf('cali:0i8pjzKKPyA34aQD'));
      }
      expect((await inNs(ns, 'ipset', ['save', 'foreign'])).stdout).toMatch(/^add foreign 10\.1\.2\.3$/m);
      expect((await inNs(ns, 'nft', ['list', 'table', 'inet', 'foreign'])).stdout).toBe(foreignNft);
    }
  });
});

kernelDescribe('nat apply: a failure at any step leaves the previous ruleset', () => {
  const topo = useTopology('f');

  it('iptables: a failing ip6tables-restore after IPv4 was written rolls IPv4 rules and all sets back', async () => {
    const ns = topo().node;
    const pools = file('fail-old.yaml', POOLS);
    const changed = file('fail-new.yaml', MORE_POOLS);
    expect((await topo().cli(['nat', 'apply', '--backend', 'iptables', '-f', pools])).code).toBe(0);
    const before = await state(ns);
    // poolctl runs the flavour's own tool (ip6tables-nft-restore) when installed, as Felix does
    const failing = 'cat >/dev/null\necho "ip6tables-restore: line 4 failed: injected failure" >&2\nexit 1';
    const bin = fakeBin('fail-ip6', { 'ip6tables-restore': failing, 'ip6tables-nft-restore': failing });
    // --random-fully false changes every rule's hash, so both families' chains are rewritten
    const r = await topo().cli(['nat', 'apply', '--backend', 'iptables', '--random-fully', 'false', '-f', changed], {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(r.stderr).toMatch(/failed to load the IPv6 nat rules: ip6tables-nft-restore exited with status 1:\n\s+ip6tables-restore: line 4 failed: injected failure/);
    expect(r.stderr).toMatch(/the previous ruleset is in place/);
    expect(r.code).toBe(1);
    expect(await state(ns)).toBe(before);
    // the same change without the fault goes through
    expect((await topo().cli(['nat', 'apply', '--backend', 'iptables', '--random-fully', 'false', '-f', changed])).code).toBe(0);
    expect(await state(ns)).not.toBe(before);
    expect((await topo().cli(['nat', 'apply', '--backend', 'iptables', '-f', pools])).code).toBe(0);
  });

  it('iptables: a failing ipset restore while staging the new sets changes nothing', async () => {
    const ns = topo().node;
    const before = await state(ns);
    const bin = fakeBin('fail-ipset', {
      ipset: 'if [ "$1" = restore ]; then cat >/dev/null; echo "ipset v7.17: Error in line 3: injected failure" >&2; exit 1; fi\nexec /usr/sbin/ipset "$@"',
    });
    const r = await topo().cli(['nat', 'apply', '--backend', 'iptables', '-f', file('fail-ipset.yaml', MORE_POOLS)], {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(r.stderr).toMatch(/failed to fill the new ipsets \(nothing was changed\).*\n.*injected failure/);
    expect(r.code).toBe(1);
    expect(await state(ns)).toBe(before);
  });

  it('iptables: a failure among the set swaps swaps back the sets already swapped', async () => {
    const ns = topo().node;
    const before = await state(ns);
    // the staging input (it creates sets) fails right after its first swap line
    const bin = fakeBin('fail-swap', {
      ipset: [
        'if [ "$1" = restore ] && [ "$#" = 1 ]; then',
        '  f=$(mktemp); cat >"$f"',
        '  if grep -q "^create " "$f"; then',
        '    awk \'{ print } /^swap / && !done { print "swap poolctl-nosuch-a poolctl-nosuch-b"; done = 1 }\' "$f" | /usr/sbin/ipset restore; rc=$?',
        '  else /usr/sbin/ipset restore <"$f"; rc=$?; fi',
        '  rm -f "$f"; exit $rc',
        'fi',
        'exec /usr/sbin/ipset "$@"',
      ].join('\n'),
    });
    const r = await topo().cli(['nat', 'apply', '--backend', 'iptables', '-f', file('fail-swap.yaml', MORE_POOLS)], {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(r.stderr).toMatch(/failed to swap the new ipsets into place: ipset exited with status 1:\n\s+ipset v[\d.]+: Error in line \d+/);
    expect(r.stderr).toMatch(/the previous ruleset is in place/);
    expect(r.code).toBe(1);
    expect(await state(ns)).toBe(before);
  });

  it('nftables: a ruleset nft rejects (oifname eth+ from the interface filter) fails the check and changes nothing', async () => {
    const ns = topo().node;
    const pools = file('nft-old.yaml', POOLS);
    expect((await topo().cli(['nat', 'apply', '--backend', 'nftables', '-f', pools])).code).toBe(0);
    const before = await state(ns);
    const r = await topo().cli(['nat', 'apply', '--backend', 'nftables', '--nat-outgoing-interface-filter', 'eth+', '-f', pools]);
    expect(r.stderr).toMatch(/failed to check the nftables ruleset \(nft -c\): nft exited with status 1:[\s\S]*oifname eth\+/);
    expect(r.stderr).toMatch(/the transaction was not committed: the previous ruleset is in place/);
    expect(r.code).toBe(1);
    expect(await state(ns)).toBe(before);
  });

  it('nftables: a load that fails after the check passed changes nothing (one transaction)', async () => {
    const ns = topo().node;
    const before = await state(ns);
    const bin = fakeBin('fail-nft', {
      nft: 'case " $* " in *" -f "*) case " $* " in *" -c "*) ;; *) cat >/dev/null; echo "Error: injected failure" >&2; exit 1;; esac;; esac\nexec /usr/sbin/nft "$@"',
    });
    const r = await topo().cli(['nat', 'apply', '--backend', 'nftables', '-f', file('nft-new.yaml', MORE_POOLS)], {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(r.stderr).toMatch(/failed to load the nftables ruleset: nft exited with status 1:\n\s+Error: injected failure/);
    expect(r.code).toBe(1);
    expect(await state(ns)).toBe(before);
  });
});
