import { parseIPv4Value, parseIPv6Words } from '../core/index.js';
import { mayResolve, resolveCoreScalar, resolveScalar } from './scalar.js';

/**
 * Pool shape: the one fast path from a document's text to an IPPool, for the shape that tools
 * write for every pool of a large set:
 *
 *     apiVersion: projectcalico.org/v3
 *     kind: IPPool
 *     metadata:
 *       name: <name>
 *     spec:
 *       <field>: <value>          (one or more, each once)
 *
 * with the spec fields cidr, ipipMode, vxlanMode, nodeSelector, namespaceSelector and
 * assignmentMode as plain words, natOutgoing, disabled and disableBGPExport as `true` or
 * `false`, and blockSize as a decimal of 1 to 3 digits. Lines end in LF; no comments, blank
 * lines, quotes, trailing blanks or other keys. Plain words are letters, digits and `()_./:-`,
 * starting with a letter or digit, and must read as the same text in yaml.v2 and in YAML 1.2
 * (`yes`, `1e3`, `0x1f` do not). Anything else is null: the caller reads the document the
 * usual way. What this accepts, the usual way reads as one projectcalico.org/v3 IPPool with no
 * finding (no note, no unknown field, no type error) and the same metadata.name and spec
 * (test/manifest/pool-shape.test.ts holds the two together on generated documents).
 */

/** PoolShape is a document of the pool shape: its name and spec fields, as calicoctl decodes them. */
export interface PoolShape {
  readonly name: string;
  readonly spec: Readonly<Record<string, string | number | boolean>>;
}

/** HEAD is the shape's text up to its name. */
const HEAD = 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ';

/** WORD, FLAG and SIZE are how a spec field's value is read. */
const WORD = 1;
const FLAG = 2;
const SIZE = 3;

/** FIELDS are the spec fields of the shape: its key, how it is read, and its bit (a field may stand once). */
const FIELDS: readonly (readonly [key: string, kind: number, bit: number])[] = [
  ['cidr', WORD, 1],
  ['ipipMode', WORD, 2],
  ['vxlanMode', WORD, 4],
  ['nodeSelector', WORD, 8],
  ['namespaceSelector', WORD, 16],
  ['assignmentMode', WORD, 32],
  ['natOutgoing', FLAG, 64],
  ['disabled', FLAG, 128],
  ['disableBGPExport', FLAG, 256],
  ['blockSize', SIZE, 512],
];

/** fieldAt returns the FIELDS entry whose key is text[i, colon), or undefined (nothing is cut out of the text). */
function fieldAt(text: string, i: number, colon: number): (typeof FIELDS)[number] | undefined {
  const n = colon - i;
  for (let f = 0; f < FIELDS.length; f++) {
    const field = FIELDS[f]!;
    if (field[0].length === n && text.startsWith(field[0], i)) return field;
  }
  return undefined;
}

/** isWordChar reports whether a character code may stand in a plain word of the shape. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 47 || c === 58 || c === 95 || c === 40 || c === 41;
}

/** isAlnum reports whether a character code is an ASCII letter or digit. */
function isAlnum(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

/**
 * word returns the plain word in [i, end) of text, or null: only word characters, the first a
 * letter or digit, the last not a colon, and the same text in yaml.v2 and YAML 1.2 (so no note, and a string).
 */
function word(text: string, i: number, end: number): string | null {
  // A colon ending the word would make it a key.
  if (end <= i || !isAlnum(text.charCodeAt(i)) || text.charCodeAt(end - 1) === 58) return null;
  let slash = false;
  for (let k = i + 1; k < end; k++) {
    const c = text.charCodeAt(k);
    if (!isWordChar(c)) return null;
    if (c === 47) slash = true;
  }
  const w = text.slice(i, end);
  // No number, boolean, null or timestamp of either YAML has a slash (a CIDR is text in both).
  if (!slash && mayResolve(text.charCodeAt(i)) && (resolveScalar(w) !== w || resolveCoreScalar(w) !== w)) return null;
  return w;
}

/**
 * readPoolShape returns the pool of a document of the pool shape (see the module comment), or
 * null: the document is text[from, to) (the whole text by default; a document cut from a
 * stream is read where it stands, without a copy).
 */
export function readPoolShape(text: string, from = 0, to = text.length): PoolShape | null {
  if (!text.startsWith(HEAD, from)) return null;
  const head = from + HEAD.length;
  let nl = text.indexOf('\n', head);
  if (nl < 0 || nl >= to) return null;
  const name = word(text, head, nl);
  if (name === null || nl + 7 > to || !text.startsWith('spec:\n', nl + 1)) return null;
  const spec: Record<string, string | number | boolean> = {};
  let seen = 0;
  let i = nl + 7;
  if (i >= to) return null;
  while (i < to) {
    nl = text.indexOf('\n', i);
    const end = nl < 0 || nl > to ? to : nl;
    // "  <key>: <value>"
    if (text.charCodeAt(i) !== 32 || text.charCodeAt(i + 1) !== 32) return null;
    const colon = text.indexOf(': ', i + 2);
    if (colon < 0 || colon >= end) return null;
    const field = fieldAt(text, i + 2, colon);
    if (!field || seen & field[2]) return null;
    seen |= field[2];
    const key = field[0];
    const v = colon + 2;
    if (field[1] === FLAG) {
      const n = end - v;
      if (n === 4 && text.startsWith('true', v)) spec[key] = true;
      else if (n === 5 && text.startsWith('false', v)) spec[key] = false;
      else return null;
    } else if (field[1] === SIZE) {
      const n = end - v;
      if (n < 1 || n > 3) return null;
      let size = 0;
      for (let k = v; k < end; k++) {
        const c = text.charCodeAt(k);
        if (c < 48 || c > 57 || (k === v && c === 48)) return null;
        size = size * 10 + (c - 48);
      }
      spec[key] = size;
    } else {
      const w = word(text, v, end);
      if (w === null) return null;
      spec[key] = w;
    }
    i = end + 1;
  }
  return { name, spec };
}

/** WORDS is plainPrefix's scratch space for an IPv6 address. */
const WORDS = new Uint32Array(4);

/**
 * plainPrefix reports whether s is a CIDR that parsePrefix accepts, checked with nothing
 * allocated, for the CIDR of nearly every pool of a large set: an IPv4 address with `/n` (n
 * at most 32) or an IPv6 address with `/n` (at most 128), n of one to three digits. false
 * says nothing: parsePrefix decides then.
 */
export function plainPrefix(s: string): boolean {
  const slash = s.indexOf('/');
  const digits = s.length - slash - 1;
  if (slash < 0 || digits < 1 || digits > 3) return false;
  let bits = 0;
  for (let i = slash + 1; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    bits = bits * 10 + d;
  }
  const colon = s.indexOf(':');
  if (colon >= 0 && colon < slash) return bits <= 128 && parseIPv6Words(s, WORDS, 0, 0, slash);
  return bits <= 32 && parseIPv4Value(s, 0, slash) >= 0;
}
