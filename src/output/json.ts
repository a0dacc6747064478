import { listObject, type GetResult, type Printer } from './printer.js';

/**
 * jsonPrinter prints one pool (a single NAME) or an IPPoolList as JSON with 2-space indents,
 * fields in Calico's struct order (the datastore returns pools in that order).
 */
export function jsonPrinter(): Printer {
  return {
    async print(result: GetResult): Promise<string> {
      const value = result.single && result.items.length === 1 ? result.items[0] : listObject(result);
      return `${JSON.stringify(value, null, 2)}\n`;
    },
  };
}
