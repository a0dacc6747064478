import { visible } from '../base/terminal-text.js';
import { IPPOOL_KIND } from '../core/index.js';
import type { GetResult, Printer } from './printer.js';

/**
 * namePrinter prints `<kind>/<name>` per resource (`ippool/<name>`, `felixconfiguration/<name>`),
 * kubectl's `-o name`; get and delete accept that form back (`poolctl get pools -o name | xargs
 * poolctl delete`). A stored name holding control characters (poolctl and Calico refuse to
 * create one) prints them escaped, one line a resource.
 */
export function namePrinter(): Printer {
  return {
    async print(result: GetResult): Promise<string> {
      const kind = (result.kind ?? IPPOOL_KIND).kind.toLowerCase();
      return result.items.map((p) => `${kind}/${visible(p.metadata.name)}\n`).join('');
    },
  };
}
