import type { Family } from '../core/index.js';
import { familyLabel, type Backend } from './desired.js';
import { addedCount, type Change } from './plan.js';

/**
 * formatChanges prints a plan as a readable diff, grouped by family: one heading line per
 * object (set, chain, kernel-chain jump, table) and `+` / `-` lines for members and rules.
 *
 * mode `plan` (apply, apply --dry-run) says what apply does ("create", "rewrite");
 * mode `drift` (status) says how the kernel differs ("missing", "differs", "unexpected").
 * maxItems caps the `+`/`-` lines per object (0: headings with counts only).
 */
export function formatChanges(
  changes: readonly Change[],
  opts: { backend: Backend; families: readonly Family[]; mode: 'plan' | 'drift'; maxItems: number },
): string {
  const out: string[] = [];
  const drift = opts.mode === 'drift';
  for (const f of opts.families) {
    const mine = changes.filter((c) => c.family === f);
    if (!mine.length) {
      out.push(`${familyLabel(f)} (${opts.backend}): ${drift ? 'in sync' : 'no changes'}`);
      continue;
    }
    out.push(`${familyLabel(f)} (${opts.backend}):`);
    for (const c of mine) {
      const items: string[] = [];
      let hidden = 0; // items left out before they were made
      let head: string;
      switch (c.kind) {
        case 'table':
          head = `table ${c.name}: ${drift ? 'missing' : 'create'}`;
          break;
        case 'set': {
          const what = opts.backend === 'iptables' ? 'ipset' : 'set';
          const op = drift ? { create: 'missing', update: 'differs', replace: 'differs', delete: 'unexpected' }[c.op] : c.op;
          const why =
            c.reason === 'temporary'
              ? '; a temporary set left by an interrupted apply'
              : c.op === 'replace'
                ? `; ${drift ? 'another type' : 'another type: its rules move to a temporary set meanwhile'}`
                : '';
          const added = addedCount(c);
          const counts = [added ? `+${added}` : '', c.remove.length ? `-${c.remove.length}` : ''].filter(Boolean).join(' ');
          head = `${what} ${c.name}: ${op}${counts ? ` (${counts} member${added + c.remove.length === 1 ? '' : 's'})` : ''}${why}${c.header ? `; ${c.header}` : ''}`;
          // only the lines shown are made (a set to create makes its member texts only here)
          if (opts.maxItems > 0) items.push(...c.add.slice(0, opts.maxItems).map((m) => `+ ${m}`));
          items.push(...c.remove.slice(0, opts.maxItems).map((m) => `- ${m}`));
          hidden = added + c.remove.length - items.length;
          break;
        }
        case 'chain': {
          const op = drift ? { create: 'missing', rewrite: 'differs', delete: 'unexpected' }[c.op] : c.op;
          const why =
            (c.reorder ? '; rules out of order or duplicated' : '') + (c.altered ? "; a rule's body differs from what its cali: hash stands for (edited by hand)" : '');
          head = `chain ${opts.backend === 'iptables' ? 'nat ' : ''}${c.name}: ${op}${c.header ? `; ${c.header}` : ''}${why}`;
          items.push(...c.add.map((l) => `+ ${l}`), ...c.remove.map((l) => `- ${l}`));
          break;
        }
        case 'jump':
          if (c.op === 'move') {
            const where = `rule ${c.position} of ${c.of}`;
            head = `chain nat ${c.chain}: ${drift ? `jump not last (${where}; Felix appends it after every other rule)` : `move jump to the end (now ${where})`}`;
            items.push(`- ${c.saved ?? c.line}`, `+ ${c.line}`);
            break;
          }
          head =
            c.op === 'append'
              ? `chain nat ${c.chain}: ${drift ? 'jump missing' : 'append jump'}`
              : `chain nat ${c.chain}: ${drift ? `${c.reason} jump` : `delete ${c.reason} jump`}`;
          items.push(`${c.op === 'append' ? '+' : '-'} ${c.line}`);
          break;
      }
      out.push(`  ${head}`);
      const shown = items.slice(0, opts.maxItems);
      for (const i of shown) out.push(`      ${i}`);
      hidden += items.length - shown.length;
      if (opts.maxItems > 0 && hidden > 0) out.push(`      ... and ${hidden} more`);
    }
  }
  return out.join('\n') + '\n';
}
