import type { Family, NatModel, NatSetModel } from '../core/index.js';
import { chunk, TextBuffer } from './text-buffer.js';

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

/** addLines writes "add <name> <member>" for each member of the set. */
function addLines(out: TextBuffer, name: string, set: NatSetModel): void {
  const lead = chunk(`add ${name} `);
  for (const m of set.members) out.chunk(lead).prefix(m).byte(10);
}

/**
 * renderIpset returns `ipset restore` input for every set of the model. Plain: create each
 * main set and add its members (fails if the set exists). With swap, per set: make sure the
 * main set exists (-exist), fill a fresh temporary set, swap it in and destroy it, so the
 * kernel never sees a half-filled set and the input can be applied repeatedly.
 */
export function renderIpset(model: NatModel, opts: RenderIpsetOptions = {}): string {
  let members = 0;
  for (const f of model.families) for (const set of f.sets) members += set.members.length;
  const out = new TextBuffer(members * 80 + 4096);
  for (const f of model.families) {
    f.sets.forEach((set, i) => {
      const create = ipsetCreateLine(set.name, f.family);
      if (!opts.swap) {
        out.line(create);
        addLines(out, set.name, set);
        return;
      }
      const temp = ipsetTempName(f.family, i);
      out.line(`${create} -exist`).line(`${ipsetCreateLine(temp, f.family)} -exist`).line(`flush ${temp}`);
      addLines(out, temp, set);
      out.line(`swap ${set.name} ${temp}`).line(`destroy ${temp}`);
    });
  }
  return out.toString();
}
