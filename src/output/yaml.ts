import { printedObject, type GetResult, type Printer } from './printer.js';

/**
 * formatYaml prints a value as calicoctl's YAML: made from the JSON form by ghodss/yaml over
 * go-yaml v2, so keys are sorted, sequences are not indented under their key, and strings
 * YAML 1.1 would read as something else ("123", timestamps, yes/on) are double-quoted.
 */
export async function formatYaml(value: unknown): Promise<string> {
  const { stringify } = (await import('yaml')).default;
  return stringify(value, { schema: 'yaml-1.1', indentSeq: false, sortMapEntries: true, lineWidth: 0 });
}

/** yamlPrinter prints one pool (a single NAME) or an IPPoolList as calicoctl's YAML (formatYaml). */
export function yamlPrinter(): Printer {
  return {
    async print(result: GetResult): Promise<string> {
      return formatYaml(result.crd ? (await import('./crd.js')).crdObject(result) : printedObject(result));
    },
  };
}
