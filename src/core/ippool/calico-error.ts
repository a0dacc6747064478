import type { Diagnostic } from './diagnostic.js';

/**
 * calicoErrorText formats the errors among diagnostics as Calico's libcalico-go/lib/errors/errors.go
 * prints them, so poolctl's failures read like calicoctl's:
 *
 *   one field:      error with field IPPool.Spec.CIDR = '10.0.0.0/16' (IPPool CIDR is not strictly masked)
 *   nil value:      error with field IPPool.Spec.CIDR (IPPool CIDR must be specified)
 *   several fields: error with the following fields:\n-  <Name> = '<Value>' (<Reason>)\n ...
 *   other errors:   their message as is (resource already exists: IPPool(x), update conflict: ...)
 *
 * A diagnostic with a `field` is one ErroredField of an ErrorValidation; the others are printed
 * one per line after it. Warnings are ignored. Returns "" when there is no error.
 */
export function calicoErrorText(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const fields = errors.filter((d) => d.field !== undefined);
  const others = errors.filter((d) => d.field === undefined).map((d) => d.message);
  const parts: string[] = [];
  if (fields.length === 1) {
    const f = fields[0]!;
    parts.push(f.value === undefined ? `error with field ${f.field} (${f.message})` : `error with field ${f.field} = '${f.value}' (${f.message})`);
  } else if (fields.length > 1) {
    let s = 'error with the following fields:\n';
    for (const f of fields) {
      s += f.value === undefined ? `-  ${f.field} (${f.message})\n` : `-  ${f.field} = '${f.value}' (${f.message})\n`;
    }
    parts.push(s);
  }
  parts.push(...others);
  return parts.join('\n');
}

/**
 * goValueText renders a value as Go's fmt %v does for the types Calico puts in ErroredField.Value:
 * strings as is, numbers and booleans in Go's spelling, string slices as "[a b]", maps as
 * "map[k:v]" with sorted keys, nil as "<nil>".
 */
export function goValueText(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValueText).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${goValueText(x)}`).join(' ')}]`;
  }
  return String(v);
}
