import type { Family } from '../core/index.js';
import { familyLabel, type Backend } from './desired.js';
import type { Change } from './plan.js';

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
      let head: string;
      switch (c.kind) {
        case 'table':
          head = `table ${c.name}: ${drift ? 'missing' : 'create'}`;
          break;
        case 'set': {
          const what = opts.backend === 'iptables' ? 'ipset' : 'set';
          const op = drift ? { create: 'missing', update: 'differs', delete: 'unexpected' }[c.op] : c.op;
          const counts = [c.add.length ? `+${c.add.length}` : '', c.remove.length ? `-${c.remove.length}` : ''].filter(Boolean).join(' ');
          head = `${what} ${c.name}: ${op}${counts ? ` (${counts} member${c.add.length + c.remove.length === 1 ? '' : 's'})` : ''}${c.header ? `; ${c.header}` : ''}`;
          items.push(...c.add.map((m) => `+ ${m}`), ...c.remove.map((m) => `- ${m}`));
          break;
        }
        case 'chain': {
          const op = drift ? { create: 'missing', rewrite: 'differs', delete: 'unexpected' }[c.op] : c.op;
          const why = c.reorder ? '; rules out of order or duplicated' : '';
          head = `chain ${opts.backend === 'iptables' ? 'nat ' : ''}${c.name}: ${op}${c.header ? `; ${c.header}` : ''}${why}`;
          items.push(...c.add.map((l) => `+ ${l}`), ...c.remove.map((l) => `- ${l}`));
          break;
        }
        case 'jump':
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
      if (opts.maxItems > 0 && items.length > shown.length) out.push(`      ... and ${items.length - shown.length} more`);
    }
  }
  return out.join('\n') + '\n';
}
