import { usageError, type PoolctlError } from '../base/errors.js';
import { kindByWord, RESOURCE_KINDS, type ResourceKind } from '../core/index.js';

function unsupportedKind(kind: string): PoolctlError {
  return usageError(`resource type '${kind}' is not supported`, `poolctl handles ${RESOURCE_KINDS.map((k) => `${k.kind}s (${k.aliases.join(', ')})`).join(' and ')}`);
}

/** KindArgs are what `get`/`delete` positionals name: one kind and its resource names. */
export interface KindArgs {
  readonly kind: ResourceKind;
  readonly names: string[];
}

/**
 * parseKindArgs reads the positionals of `get`, `delete`, `patch` and `label`: a kind followed by names (`ippool a b`,
 * `felixconfig default`), or only kubectl-style `KIND/NAME` words (`ippool/a pools/b`, what
 * `-o name` prints), all of one kind. A word that names no kind of the registry is
 * `resource type '<k>' is not supported`; an empty name `resource name may not be empty`, as
 * in calicoctl.
 */
export function parseKindArgs(words: readonly string[]): KindArgs {
  const first = words[0];
  if (first === undefined) throw usageError('specify the resource type (ippool, felixconfiguration) and optionally names', 'e.g. poolctl get ippools');
  const names: string[] = [];
  let kind: ResourceKind | undefined;
  if (!first.includes('/')) {
    kind = kindByWord(first);
    if (!kind) throw unsupportedKind(first);
    names.push(...words.slice(1));
  } else {
    for (const w of words) {
      const slash = w.indexOf('/');
      if (slash < 0) throw usageError(`'${w}' has no kind: give every resource as KIND/NAME, or the kind once before the names`);
      const word = w.slice(0, slash);
      const k = kindByWord(word);
      if (!k) throw unsupportedKind(word);
      if (kind && k !== kind) throw usageError(`'${w}' is a ${k.kind}, the others ${kind.kind}s: give resources of one kind at a time`);
      kind = k;
      names.push(w.slice(slash + 1));
    }
  }
  if (names.some((n) => n === '')) throw usageError('resource name may not be empty');
  return { kind: kind!, names };
}
