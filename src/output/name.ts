import type { GetResult, Printer } from './printer.js';

/**
 * namePrinter prints `ippool/<name>` per pool, kubectl's `-o name`; get and delete accept
 * that form back (`poolctl get pools -o name | xargs poolctl delete`).
 */
export function namePrinter(): Printer {
  return {
    async print(result: GetResult): Promise<string> {
      return result.items.map((p) => `ippool/${p.metadata.name}\n`).join('');
    },
  };
}
