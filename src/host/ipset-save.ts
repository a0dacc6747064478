import { err, ok, type Result } from '../core/index.js';
import type { SaveParseError } from './iptables-save.js';

/** SavedSet is one set of `ipset save`: its header and (when asked for) its members as printed. */
export interface SavedSet {
  readonly name: string;
  /** type, e.g. "hash:net" */
  readonly type: string;
  /** family option: "inet" / "inet6" (null when the type has none, e.g. list:set) */
  readonly family: string | null;
  readonly maxelem: number | null;
  /**
   * members as ipset prints them (hash:net prints a /32 or /128 entry without its length),
   * with any per-entry options ("nomatch", "timeout 5") kept; empty when not asked for.
   */
  readonly members: string[];
}

/**
 * parseIpsetSave parses `ipset save` output (`create NAME TYPE opts...` then `add NAME
 * MEMBER...` lines). Every set's header is returned; members are kept only for sets that
 * `withMembers` accepts (default all), so a large foreign set costs no allocations.
 */
export function parseIpsetSave(
  text: string,
  withMembers: (name: string) => boolean = () => true,
): Result<Map<string, SavedSet>, SaveParseError> {
  const sets = new Map<string, SavedSet>();
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.startsWith('add ')) {
      const sp = line.indexOf(' ', 4);
      if (sp < 0) return err({ line: lineNo, message: `bad add line "${line}"` });
      const name = line.slice(4, sp);
      const set = sets.get(name);
      if (!set) return err({ line: lineNo, message: `member of undeclared set ${name}` });
      if (withMembers(name)) set.members.push(line.slice(sp + 1).trim());
      continue;
    }
    if (line.startsWith('create ')) {
      const f = line.trim().split(/\s+/);
      if (f.length < 3) return err({ line: lineNo, message: `bad create line "${line}"` });
      const fi = f.indexOf('family');
      const mi = f.indexOf('maxelem');
      sets.set(f[1]!, {
        name: f[1]!,
        type: f[2]!,
        family: fi > 0 ? (f[fi + 1] ?? null) : null,
        maxelem: mi > 0 ? Number(f[mi + 1]) : null,
        members: [],
      });
      continue;
    }
    if (line.trim() === '') continue;
    return err({ line: lineNo, message: `unexpected line "${line}"` });
  }
  return ok(sets);
}
