import { err, ok, type NatAction, type NatMatch, type NatRule, type Result } from '../core/index.js';

/**
 * Reading rules back from the kernel into the model's terms (NatMatch / NatAction), for
 * `nat explain --live`: iptables-save rule specs and nft JSON expressions. Only what Felix's
 * nat-outgoing rules use is understood; anything else is an error naming it, so explain never
 * decides from a rule it cannot read.
 */

/** tokenize splits an iptables-save rule spec into words, honouring double quotes. */
export function tokenize(spec: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(spec))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

function portRange(s: string): { min: number; max: number } | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return null;
  return { min: Number(m[1]), max: Number(m[2] ?? m[1]) };
}

/**
 * parseIptablesRule reads a rule spec as iptables-save prints it ("-m set --match-set X src
 * -m set ! --match-set Y dst -o eth+ -p tcp -j MASQUERADE --to-ports 99-100 --random-fully")
 * into a NatRule; comments are skipped.
 */
export function parseIptablesRule(spec: string): Result<NatRule, string> {
  const t = tokenize(spec);
  const matches: NatMatch[] = [];
  let action: NatAction | null = null;
  for (let i = 0; i < t.length; i++) {
    const w = t[i]!;
    if (w === '-m' && t[i + 1] === 'comment' && t[i + 2] === '--comment') {
      i += 3;
    } else if (w === '-m' && t[i + 1] === 'set') {
      const neg = t[i + 2] === '!';
      const j = i + (neg ? 3 : 2);
      if (t[j] !== '--match-set' || !t[j + 1] || !t[j + 2]) return err(`unsupported set match in "${spec}"`);
      const [set, dir] = [t[j + 1]!, t[j + 2]!];
      if (!neg && dir === 'src') matches.push({ kind: 'src-set', set });
      else if (neg && dir === 'dst') matches.push({ kind: 'not-dst-set', set });
      else return err(`unsupported set match "${neg ? '! ' : ''}--match-set ${set} ${dir}"`);
      i = j + 2;
    } else if ((w === '-p' || w === '--protocol') && (t[i + 1] === 'tcp' || t[i + 1] === 'udp')) {
      matches.push({ kind: 'protocol', protocol: t[i + 1] as 'tcp' | 'udp' });
      i++;
      // iptables-save adds the implicit "-m tcp" / "-m udp" match
      if (t[i + 1] === '-m' && t[i + 2] === t[i]) i += 2;
    } else if ((w === '-o' || w === '--out-interface') && t[i + 1]) {
      matches.push({ kind: 'out-interface', iface: t[i + 1]! });
      i++;
    } else if ((w === '-j' || w === '--jump') && t[i + 1]) {
      const target = t[i + 1]!;
      const opts = t.slice(i + 2);
      const randomFully = opts.includes('--random-fully');
      const rest = opts.filter((o) => o !== '--random-fully');
      if (target === 'MASQUERADE') {
        if (rest.length === 0) action = { kind: 'masquerade', randomFully };
        else if (rest.length === 2 && rest[0] === '--to-ports' && portRange(rest[1]!)) action = { kind: 'masquerade', toPorts: portRange(rest[1]!)!, randomFully };
      } else if (target === 'SNAT' && rest.length === 2 && rest[0] === '--to-source') {
        const m = /^(.*?)(?::(\d+(?:-\d+)?))?$/.exec(rest[1]!)!;
        const ports = m[2] ? portRange(m[2]) : null;
        action = { kind: 'snat', toSource: m[1]!, ...(ports ? { toPorts: ports } : {}), randomFully };
      } else if (target === 'RETURN' && opts.length === 0) {
        action = { kind: 'return' };
      } else if (opts.length === 0 && !/^[A-Z]+$/.test(target)) {
        action = { kind: 'jump', target };
      }
      if (!action) return err(`unsupported target "${t.slice(i + 1).join(' ')}"`);
      break;
    } else {
      return err(`unsupported match "${w}" in "${spec}"`);
    }
  }
  if (!action) return err(`rule without a target: "${spec}"`);
  return ok({ matches, action });
}

/**
 * parseNftRule reads one rule's nft JSON expressions (`nft -j list table`) into a NatRule.
 * Chain names in jumps lose the namespace `chainPrefix` ("nat-") to become the model's names.
 */
export function parseNftRule(expr: readonly unknown[], chainPrefix: string): Result<NatRule, string> {
  const matches: NatMatch[] = [];
  let action: NatAction | null = null;
  for (const e of expr as Record<string, any>[]) {
    if (e.counter !== undefined) continue;
    if (e.match) {
      const { op, left, right } = e.match;
      const field = left?.payload?.field;
      const key = left?.meta?.key;
      if (field === 'saddr' && op === '==' && typeof right === 'string' && right.startsWith('@')) {
        matches.push({ kind: 'src-set', set: right.slice(1) });
      } else if (field === 'daddr' && op === '!=' && typeof right === 'string' && right.startsWith('@')) {
        matches.push({ kind: 'not-dst-set', set: right.slice(1) });
      } else if (key === 'l4proto' && op === '==' && (right === 'tcp' || right === 'udp')) {
        matches.push({ kind: 'protocol', protocol: right });
      } else if (key === 'oifname' && op === '==' && typeof right === 'string') {
        matches.push({ kind: 'out-interface', iface: right });
      } else {
        return err(`unsupported match ${JSON.stringify(e.match)}`);
      }
      continue;
    }
    const nat = e.masquerade !== undefined ? e.masquerade : e.snat;
    if (nat !== undefined) {
      const flags: string[] = nat?.flags === undefined ? [] : Array.isArray(nat.flags) ? nat.flags : [nat.flags];
      const randomFully = flags.includes('fully-random');
      const p = nat?.port;
      const toPorts =
        p === undefined ? undefined : Array.isArray(p?.range) ? { min: Number(p.range[0]), max: Number(p.range[1]) } : { min: Number(p), max: Number(p) };
      if (e.snat !== undefined) {
        if (typeof nat?.addr !== 'string') return err(`unsupported snat ${JSON.stringify(nat)}`);
        action = { kind: 'snat', toSource: nat.addr, ...(toPorts ? { toPorts } : {}), randomFully };
      } else {
        action = { kind: 'masquerade', ...(toPorts ? { toPorts } : {}), randomFully };
      }
    } else if (e.return !== undefined) {
      action = { kind: 'return' };
    } else if (typeof e.jump?.target === 'string') {
      const target: string = e.jump.target;
      action = { kind: 'jump', target: target.startsWith(chainPrefix) ? target.slice(chainPrefix.length) : target };
    } else {
      return err(`unsupported expression ${JSON.stringify(e)}`);
    }
  }
  if (!action) return err('rule without a verdict');
  return ok({ matches, action });
}

function matchKey(m: NatMatch): string {
  switch (m.kind) {
    case 'src-set':
      return `src-set ${m.set}`;
    case 'not-dst-set':
      return `not-dst-set ${m.set}`;
    case 'protocol':
      return `protocol ${m.protocol}`;
    case 'out-interface':
      return `out-interface ${m.iface}`;
  }
}

function actionKey(a: NatAction): string {
  const ports = 'toPorts' in a && a.toPorts ? ` ports ${a.toPorts.min}-${a.toPorts.max}` : '';
  switch (a.kind) {
    case 'masquerade':
      return `masquerade${ports} random-fully ${a.randomFully}`;
    case 'snat':
      return `snat ${a.toSource}${ports} random-fully ${a.randomFully}`;
    case 'return':
      return 'return';
    case 'jump':
      return `jump ${a.target}`;
  }
}

/**
 * ruleBodyKey is a rule's body in a normal form: its matches sorted (they all must hold, so
 * their order does not matter, and iptables-save moves -o and -p before the -m matches) and
 * its action. Two rules with equal keys do the same; status and apply compare a live rule's
 * key with the wanted one, so a rule edited by hand under the same cali: hash is found.
 */
export function ruleBodyKey(rule: NatRule): string {
  return `${rule.matches.map(matchKey).sort().join(', ')} -> ${actionKey(rule.action)}`;
}

/** iptablesBodyKey is ruleBodyKey of an iptables rule spec (saved or restore form), or null when poolctl cannot read it. */
export function iptablesBodyKey(spec: string): string | null {
  const p = parseIptablesRule(spec);
  return p.ok ? ruleBodyKey(p.value) : null;
}
