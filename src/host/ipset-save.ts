import { err, ok, type Result } from '../core/index.js';
import { parseKey4, printKey4 } from './ipv4-key.js';
import type { SaveParseError } from './iptables-save.js';

/**
 * SavedSet is one set of `ipset save`: its header and (when asked for) its members, in the
 * order listed. IPv4 members printed canonically are held as keys (ipv4-key.ts), without a
 * string each: a 150,000-member set is read and compared in a few tens of milliseconds.
 */
export interface SavedSet {
  readonly name: string;
  /** type, e.g. "hash:net" */
  readonly type: string;
  /** family option: "inet" / "inet6" (null when the type has none, e.g. list:set) */
  readonly family: string | null;
  readonly maxelem: number | null;
  /**
   * keys has one entry per member: the key of an IPv4 member printed canonically ("10.0.0.0/26",
   * or "10.9.0.1" for a /32: hash:net prints /32 and /128 without a length), or NaN for any
   * other member, which is then the next entry of `other`. Empty when members were not asked for.
   */
  readonly keys: Float64Array;
  /** other are the members keys does not hold, as printed (IPv6, options such as "nomatch"), in order. */
  readonly other: readonly string[];
}

/** memberTexts returns a set's members as ipset printed them, in the order listed. */
export function memberTexts(s: SavedSet): string[] {
  const out: string[] = [];
  let j = 0;
  for (const k of s.keys) out.push(Number.isNaN(k) ? s.other[j++]! : printKey4(k));
  return out;
}

/** Building is a set being read: keys grow by doubling. */
interface Building {
  readonly set: { -readonly [K in keyof SavedSet]: SavedSet[K] } & { other: string[] };
  readonly withMembers: boolean;
  n: number;
}

const SPACE = 32;
const TAB = 9;

function isBlank(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== 13) return false;
  }
  return true;
}

/**
 * addRun reads the run of `add NAME MEMBER` lines of one set from pos (the first is known to
 * be one) into b and returns where the run ends and how many lines it had. Kept apart from
 * the line dispatch so the hot loop stays small and stable once optimized.
 */
function addRun(text: string, pos: number, prefix: string, b: Building): { pos: number; lines: number } {
  let lines = 0;
  const set = b.set;
  let keys = set.keys;
  let n = b.n;
  while (pos < text.length && text.startsWith(prefix, pos)) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let ms = pos + prefix.length;
    let me = end;
    while (ms < me && (text.charCodeAt(ms) === SPACE || text.charCodeAt(ms) === TAB)) ms++;
    while (me > ms && (text.charCodeAt(me - 1) === SPACE || text.charCodeAt(me - 1) === TAB || text.charCodeAt(me - 1) === 13)) me--;
    let key = parseKey4(text, ms, me);
    if (key < 0) {
      set.other.push(text.slice(ms, me));
      key = NaN;
    }
    if (n === keys.length) {
      const grown = new Float64Array(Math.max(1024, n * 2));
      grown.set(keys);
      keys = grown;
    }
    keys[n++] = key;
    lines++;
    pos = end + 1;
  }
  set.keys = keys;
  b.n = n;
  return { pos, lines };
}

/**
 * parseIpsetSave parses `ipset save` output (`create NAME TYPE opts...` then `add NAME
 * MEMBER...` lines). Every set's header is returned; members are kept only for sets that
 * `withMembers` accepts (default all), so a large foreign set costs no allocations. Members of
 * one set come in one run of lines, read by addRun; an IPv4 member becomes a key without a
 * string being made.
 */
export function parseIpsetSave(text: string, withMembers: (name: string) => boolean = () => true): Result<Map<string, SavedSet>, SaveParseError> {
  const sets = new Map<string, Building>();
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const start = pos;
    if (text.startsWith('add ', start)) {
      const sp = text.indexOf(' ', start + 4);
      if (sp < 0 || sp >= end) return err({ line: lineNo + 1, message: `bad add line "${text.slice(start, end)}"` });
      const name = text.slice(start + 4, sp);
      const b = sets.get(name);
      if (!b) return err({ line: lineNo + 1, message: `member of undeclared set ${name}` });
      if (b.withMembers) {
        const run = addRun(text, start, `add ${name} `, b);
        pos = run.pos;
        lineNo += run.lines;
        continue;
      }
      pos = end + 1;
      lineNo++;
      continue;
    }
    pos = end + 1;
    lineNo++;
    if (text.startsWith('create ', start)) {
      const line = text.slice(start, end);
      const f = line.trim().split(/\s+/);
      if (f.length < 3) return err({ line: lineNo, message: `bad create line "${line}"` });
      const fi = f.indexOf('family');
      const mi = f.indexOf('maxelem');
      const setName = f[1]!;
      sets.set(setName, {
        set: {
          name: setName,
          type: f[2]!,
          family: fi > 0 ? (f[fi + 1] ?? null) : null,
          maxelem: mi > 0 ? Number(f[mi + 1]) : null,
          keys: new Float64Array(0),
          other: [],
        },
        withMembers: withMembers(setName),
        n: 0,
      });
      continue;
    }
    if (isBlank(text, start, end)) continue;
    return err({ line: lineNo, message: `unexpected line "${text.slice(start, end)}"` });
  }
  const result = new Map<string, SavedSet>();
  for (const [name, c] of sets) result.set(name, { ...c.set, keys: c.set.keys.subarray(0, c.n) });
  return ok(result);
}
