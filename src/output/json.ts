import { jsonSafe } from '../base/terminal-text.js';
import { printedObject, type GetResult, type Printer } from './printer.js';

/**
 * jsonPrinter prints one pool (a single NAME) or an IPPoolList as JSON with 2-space indents,
 * fields in Calico's struct order (the datastore returns pools in that order); control
 * characters in stored strings are \u escapes (jsonSafe), never raw.
 */
export function jsonPrinter(): Printer {
  return {
    async print(result: GetResult): Promise<string> {
      const value = result.crd ? (await import('./crd.js')).crdObject(result) : printedObject(result);
      return `${jsonSafe(JSON.stringify(value, null, 2))}\n`;
    },
  };
}
