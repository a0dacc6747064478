import type { Family } from '../net/addr.js';
import type { CompiledFamily, CompiledMatch, CompiledRule } from './compile.js';
import type { NatTraceStep } from './decision.js';
import { lookupFlow, type FlowQuery } from './flow-query.js';
import type { ModelPool, NatAction } from './model.js';
import { CHAIN_NAT_OUTGOING } from './nat.js';

/** Trace collects the steps of one decision, each distinct step once. */
export interface Trace {
  readonly steps: NatTraceStep[];
  readonly seen: Set<string>;
  /** src and dst are the flow's addresses as text, for the steps' details. */
  readonly src: string;
  readonly dst: string;
}

/** newTrace starts the trace of the flow src -> dst (addresses as text). */
export function newTrace(src: string, dst: string): Trace {
  return { steps: [], seen: new Set(), src, dst };
}

/** addStep adds a step unless the same step with the same result is already there. */
export function addStep(t: Trace, step: string, result: boolean, detail: string): void {
  const key = `${step}\u0000${result}`;
  if (t.seen.has(key)) return;
  t.seen.add(key);
  t.steps.push({ step, result, detail });
}

/** traceFamilies adds the steps before the walk: whether src and dst are one family, and whether the model has its ruleset. */
export function traceFamilies(t: Trace, src: Family, dst: Family, hasRuleset: boolean): void {
  const same = src === dst;
  addStep(t, 'src and dst are one family', same, same ? `IPv${src}` : `src is IPv${src}, dst is IPv${dst}: no NAT rule can match`);
  if (same && !hasRuleset) addStep(t, `IPv${src} ruleset present`, false, `the model has no IPv${src} ruleset`);
}

function describeAction(a: NatAction): string {
  const ports = 'toPorts' in a && a.toPorts ? `, ports ${a.toPorts.min}-${a.toPorts.max}` : '';
  const random = 'randomFully' in a && a.randomFully ? ', fully random' : '';
  if (a.kind === 'masquerade') return `the source becomes the egress interface's address${ports}${random}`;
  if (a.kind === 'snat') return `the source becomes ${a.toSource}${ports}${random}`;
  return a.kind;
}

/** isLoadBalancerOnly reports whether a pool's uses are LoadBalancer alone (why Felix leaves it out of network-ip-pools). */
function isLoadBalancerOnly(p: ModelPool): boolean {
  return p.allowedUses?.length === 1 && p.allowedUses[0] === 'LoadBalancer';
}

function poolText(p: ModelPool): string {
  if (p.orphan) return `set member ${p.cidr}, which no IPPool has (drift)`;
  const flags = [p.natOutgoing ? 'natOutgoing' : 'natOutgoing false', ...(p.disabled ? ['disabled'] : [])];
  return `IPPool(${p.name}) ${p.cidr} (${flags.join(', ')})`;
}

/** traceAction adds the step of a NAT rule that fires: its action and what it does to the source. */
export function traceAction(t: Trace, r: CompiledRule): void {
  addStep(t, r.actionName, true, describeAction(r.rule.action));
}

/** traceJump adds the step of a jump the walk takes, with the size of the target chain. */
export function traceJump(t: Trace, f: CompiledFamily, r: CompiledRule): void {
  const target = r.rule.action.kind === 'jump' ? r.rule.action.target : '';
  const n = r.target.length;
  let detail = n === 0 ? 'empty chain' : `${n} rule${n === 1 ? '' : 's'}`;
  if (n === 0 && target === CHAIN_NAT_OUTGOING) {
    detail = `empty: no IPv${f.family} pool has natOutgoing, so Felix programs no NAT rule`;
  }
  addStep(t, `${r.chain} jumps to ${target}`, true, detail);
}

/** traceMatch adds the step of a match the walk tests, with the evidence: the pool or set behind it, the flow's protocol or interface. */
export function traceMatch(t: Trace, f: CompiledFamily, m: CompiledMatch, ok: boolean, q: FlowQuery): void {
  const match = m.match;
  switch (match.kind) {
    case 'src-set': {
      const i = lookupFlow(f.family, f.masq, q, false);
      const other = lookupFlow(f.family, f.any, q, false);
      const detail = ok
        ? i >= 0
          ? `${t.src} is in ${poolText(f.pools[i]!)}`
          : `${t.src} is a member`
        : other >= 0
          ? `${t.src} is only in ${poolText(f.pools[other]!)}`
          : `${t.src} is in no natOutgoing pool`;
      addStep(t, `src in ${match.set}`, ok, detail);
      return;
    }
    case 'not-dst-set': {
      let detail: string;
      if (m.role === 'hosts') {
        detail = ok ? `${t.dst} is not a host address` : `${t.dst} is a host address (all-hosts-net)`;
      } else {
        const i = lookupFlow(f.family, f.poolSet, q, true);
        const any = lookupFlow(f.family, f.any, q, true);
        detail = !ok
          ? i >= 0
            ? `${t.dst} is in ${poolText(f.pools[i]!)}; traffic to a pool keeps its source`
            : `${t.dst} is a member`
          : any >= 0
            ? `${t.dst} is only in ${poolText(f.pools[any]!)}, which is ${isLoadBalancerOnly(f.pools[any]!) ? 'LoadBalancer-only and ' : ''}not in the pool set`
            : `${t.dst} is in no pool`;
      }
      addStep(t, `dst not in ${match.set}`, ok, detail);
      return;
    }
    case 'protocol':
      addStep(
        t,
        `protocol is ${match.protocol}`,
        ok,
        q.protocol === undefined
          ? `protocol not given: evaluated as neither tcp nor udp (${match.protocol} flows match this rule)`
          : `protocol is ${q.protocol}`,
      );
      return;
    case 'out-interface':
      addStep(
        t,
        `egress interface matches ${match.iface}`,
        ok,
        q.outInterface === undefined
          ? `egress interface not given: NAT applies only when it matches ${match.iface}; assuming it does`
          : `${q.outInterface} ${ok ? 'matches' : 'does not match'} ${match.iface}`,
      );
      return;
  }
}
