import { formatPrefix, type Family, type NatModel, type NatSetModel } from '../core/index.js';

// ipset restore input as Felix writes it (felix/ipsets/ipsets.go, spec/nat.md §3.2).

/** IPSET_MAXELEM is Felix's MaxIpsetSize default (felix/config/config_params.go). */
export const IPSET_MAXELEM = 1048576;

/** ipsetFamily returns ipset's family name: inet or inet6. */
export function ipsetFamily(family: Family): 'inet' | 'inet6' {
  return family === 4 ? 'inet' : 'inet6';
}

/** ipsetCreateLine returns the restore line that creates a set: create <name> hash:net family inet maxelem 1048576. */
export function ipsetCreateLine(name: string, family: Family): string {
  return `create ${name} hash:net family ${ipsetFamily(family)} maxelem ${IPSET_MAXELEM}`;
}

/** ipsetTempName returns Felix's temporary set name for the n-th set rewritten in a family: cali4t<n>, cali6t<n>. */
export function ipsetTempName(family: Family, n: number): string {
  return `cali${family}t${n}`;
}

/** RenderIpsetOptions: swap writes each set into a temporary set swapped in atomically, as Felix rewrites sets. */
export interface RenderIpsetOptions {
  readonly swap?: boolean;
}

function addLines(out: string[], name: string, set: NatSetModel): void {
  for (const m of set.members) out.push(`add ${name} ${formatPrefix(m)}`);
}

/**
 * renderIpset returns `ipset restore` input for every set of the model. Plain: create each
 * main set and add its members (fails if the set exists). With swap, per set: make sure the
 * main set exists (-exist), fill a fresh temporary set, swap it in and destroy it, so the
 * kernel never sees a half-filled set and the input can be applied repeatedly.
 */
export function renderIpset(model: NatModel, opts: RenderIpsetOptions = {}): string {
  const out: string[] = [];
  for (const f of model.families) {
    f.sets.forEach((set, i) => {
      const create = ipsetCreateLine(set.name, f.family);
      if (!opts.swap) {
        out.push(create);
        addLines(out, set.name, set);
        return;
      }
      const temp = ipsetTempName(f.family, i);
      out.push(`${create} -exist`, `${ipsetCreateLine(temp, f.family)} -exist`, `flush ${temp}`);
      addLines(out, temp, set);
      out.push(`swap ${set.name} ${temp}`, `destroy ${temp}`);
    });
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
