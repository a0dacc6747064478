import { usageError, type PoolctlError } from '../base/errors.js';

/** IPPOOL_ALIASES are the names calicoctl accepts for the IPPool kind (calicoctl/calicoctl/resourcemgr/ippool.go). */
export const IPPOOL_ALIASES = ['ippool', 'ippools', 'ipp', 'ipps', 'pool', 'pools'] as const;

/** isIPPoolKind reports whether a word names the IPPool kind (case-insensitive, as calicoctl). */
export function isIPPoolKind(word: string): boolean {
  return (IPPOOL_ALIASES as readonly string[]).includes(word.toLowerCase());
}

function unsupportedKind(kind: string): PoolctlError {
  return usageError(`resource type '${kind}' is not supported`, `poolctl handles IPPools: ${IPPOOL_ALIASES.join(', ')}`);
}

/**
 * parseResourceArgs reads `get`/`delete` positionals: a kind followed by names
 * (`ippool a b`), or only kubectl-style `KIND/NAME` words (`ippool/a pools/b`, what `-o name`
 * prints). Every kind must be an IPPool alias (else `resource type '<k>' is not supported`);
 * an empty name is an error (`resource name may not be empty`), as in calicoctl.
 */
export function parseResourceArgs(words: readonly string[]): string[] {
  const first = words[0];
  if (first === undefined) throw usageError('specify the resource type (ippool) and optionally names', 'e.g. poolctl get ippools');
  const names: string[] = [];
  if (!first.includes('/')) {
    if (!isIPPoolKind(first)) throw unsupportedKind(first);
    names.push(...words.slice(1));
  } else {
    for (const w of words) {
      const slash = w.indexOf('/');
      if (slash < 0) throw usageError(`'${w}' has no kind: give every resource as KIND/NAME, or the kind once before the names`);
      const kind = w.slice(0, slash);
      if (!isIPPoolKind(kind)) throw unsupportedKind(kind);
      names.push(w.slice(slash + 1));
    }
  }
  if (names.some((n) => n === '')) throw usageError('resource name may not be empty');
  return names;
}
