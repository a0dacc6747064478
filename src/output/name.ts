import { visible } from '../base/terminal-text.js';
import type { GetResult, Printer } from './printer.js';

/**
 * namePrinter prints `ippool/<name>` per pool, kubectl's `-o name`; get and delete accept
 * that form back (`poolctl get pools -o name | xargs poolctl delete`). A stored name holding
 * control characters (poolctl and Calico refuse to create one) prints them escaped, one line a pool.
 */
export function namePrinter(): Printer {
  return {
    async print(result: GetResult): Promise<string> {
      return result.items.map((p) => `ippool/${visible(p.metadata.name)}\n`).join('');
    },
  };
}
