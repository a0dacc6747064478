/**
 * Plain scalars as calicoctl reads them. calicoctl decodes YAML with gopkg.in/yaml.v2 (through
 * projectcalico/go-yaml-wrapper), which resolves plain scalars by YAML 1.1 rules
 * (gopkg.in/yaml.v2 resolve.go, v2.4.0): `yes`/`no`/`on`/`off`/`y`/`n` in three spellings each
 * are booleans; integers are Go's strconv.ParseInt(s, 0, 64) after removing every `_` (so
 * `0x1F`, `0X1F`, `0o17`, `0b11`, a leading-zero octal `0777`, signs on all of them), then
 * uint64; floats follow a YAML regex; timestamps stay strings. Every parsing tier of poolctl
 * (block-yaml.ts, yaml-tree.ts, JSON) resolves through resolveScalar, so they agree.
 *
 * resolveCoreScalar is the YAML 1.2 core schema's reading (what kubectl and most YAML 1.2 tools
 * do); where the two differ, the loader warns (YAML11_SCALAR), never changing the verdict.
 *
 * Numbers are JS numbers: integers beyond 2^53 lose precision (Go keeps them exact), and a
 * whole-valued float (`1e6`, `1000000.0`) is indistinguishable from the integer; both only
 * show when such a number is coerced into a string field (calicoctl writes `1e+06`).
 */

/** Scalar is a resolved plain scalar. */
export type Scalar = null | boolean | number | string;

/** V2_WORDS are yaml.v2's resolveMap: the plain scalars resolved by table lookup. */
const V2_WORDS: ReadonlyMap<string, Scalar> = new Map<string, Scalar>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((w) => [w, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((w) => [w, false] as const),
  ...['', '~', 'null', 'Null', 'NULL'].map((w) => [w, null] as const),
  ...['.nan', '.NaN', '.NAN'].map((w) => [w, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((w) => [w, Number.POSITIVE_INFINITY] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((w) => [w, Number.NEGATIVE_INFINITY] as const),
]);

/** Hint is yaml.v2's resolveTable: what a plain scalar's first character says it may be. */
const enum Hint {
  None = 0,
  Sign = 1,
  Digit = 2,
  Map = 3,
  Dot = 4,
}

const HINTS = new Uint8Array(128);
HINTS[43] = Hint.Sign;
HINTS[45] = Hint.Sign;
for (let c = 48; c <= 57; c++) HINTS[c] = Hint.Digit;
for (const c of 'yYnNtTfFoO~') HINTS[c.charCodeAt(0)] = Hint.Map;
HINTS[46] = Hint.Dot;

/** mayResolve reports whether a plain scalar starting with character code c can be anything but a string (cheap pre-check). */
export function mayResolve(c: number): boolean {
  return c < 128 && HINTS[c] !== Hint.None;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** digitsIn reports whether s[from..] is one or more digits of the base. */
function digitsIn(s: string, from: number, base: number): boolean {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : 99;
    if (d >= base) return false;
  }
  return true;
}

/**
 * parseGoInt is strconv.ParseInt(s, 0, 64), then strconv.ParseUint(s, 0, 64) (which takes no
 * sign), on text without underscores: a sign, then `0x`/`0X` hex, `0o`/`0O` or a leading `0`
 * octal, `0b`/`0B` binary, or decimal. Undefined when neither accepts it.
 */
function parseGoInt(s: string): number | undefined {
  const signed = s.charCodeAt(0) === 43 || s.charCodeAt(0) === 45;
  const from = signed ? 1 : 0;
  let base = 10;
  let digits = from;
  if (s.charCodeAt(from) === 48 && s.length > from + 1) {
    const p = s.charCodeAt(from + 1) | 0x20;
    base = p === 120 ? 16 : p === 98 ? 2 : 8;
    digits = p === 120 || p === 98 || p === 111 ? from + 2 : from + 1;
  }
  if (!digitsIn(s, digits, base)) return undefined;
  if (base === 10 && s.length - digits <= 15) {
    // Short decimals (nearly all) need no BigInt.
    const n = Number(s.slice(digits));
    return s.charCodeAt(0) === 45 ? (n === 0 ? 0 : -n) : n;
  }
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  let v = BigInt(prefix + s.slice(digits));
  if (s.charCodeAt(0) === 45) v = -v;
  if (v >= INT64_MIN && v <= INT64_MAX) return Number(v);
  if (!signed && v <= UINT64_MAX) return Number(v);
  return undefined;
}

/** YAML_FLOAT is yaml.v2's yamlStyleFloat. */
const YAML_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** DOT_FLOAT is what Go's strconv.ParseFloat accepts of a scalar starting with `.` (underscores removed). */
const DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;

/** underscoresBetweenDigits is Go's strconv underscoreOK for a decimal number: every `_` between two digits. */
function underscoresBetweenDigits(s: string): boolean {
  for (let i = s.indexOf('_'); i >= 0; i = s.indexOf('_', i + 1)) {
    const a = s.charCodeAt(i - 1);
    const b = s.charCodeAt(i + 1);
    if (!(a >= 48 && a <= 57) || !(b >= 48 && b <= 57)) return false;
  }
  return true;
}

/** finite returns n when it is finite (Go's ParseFloat fails with ErrRange otherwise), else undefined. */
function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

/** ScalarTag is the YAML tag a plain scalar resolves to (yaml.v2's short tags without `!!`). */
export type ScalarTag = 'null' | 'bool' | 'int' | 'float' | 'str';

/**
 * numberLike reports whether every character of s may appear in a number yaml.v2 reads
 * (digits, letters for hex digits, exponents and prefixes, signs, `.` and `_`): a CIDR or an
 * address (with `/` or `:`) is text at once.
 */
function numberLike(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 43 || c === 45 || c === 46 || c === 95)) return false;
  }
  return true;
}

/** resolveTagged is yaml.v2's resolve() of an untagged plain scalar: its tag and value. */
function resolveTagged(s: string): [ScalarTag, Scalar] {
  const hint = s.length === 0 ? Hint.Map : s.charCodeAt(0) < 128 ? HINTS[s.charCodeAt(0)]! : Hint.None;
  if (hint === Hint.None || (hint !== Hint.Map && !numberLike(s))) return ['str', s];
  const word = V2_WORDS.get(s);
  if (word !== undefined) return [word === null ? 'null' : typeof word === 'boolean' ? 'bool' : 'float', word];
  if (hint === Hint.Map) return ['str', s];
  if (hint === Hint.Dot) {
    if (!underscoresBetweenDigits(s)) return ['str', s];
    const plain = s.includes('_') ? s.replace(/_/g, '') : s;
    const f = DOT_FLOAT.test(plain) ? finite(Number(plain)) : undefined;
    return f === undefined ? ['str', s] : ['float', f];
  }
  // Sign or digit: an integer, else a float (a timestamp stays a string: it is neither).
  const plain = s.includes('_') ? s.replace(/_/g, '') : s;
  if (plain.length === 0) return ['str', s];
  const int = parseGoInt(plain);
  if (int !== undefined) return ['int', int];
  const f = YAML_FLOAT.test(plain) ? finite(Number(plain)) : undefined;
  return f === undefined ? ['str', s] : ['float', f];
}

/**
 * resolveScalar is yaml.v2's resolve() of an untagged plain scalar, as decoded into
 * interface{}: null, a boolean, a number or the text itself (see the module comment).
 */
export function resolveScalar(s: string): Scalar {
  return resolveTagged(s)[1];
}

/** TIMESTAMP is yaml.v2's allowedTimestampFormats, as one pattern (date, then optional time and zone). */
const TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))|(?: \d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?))?$/;

/** YAML_TAG is the prefix of the standard tags (`!!int` is tag:yaml.org,2002:int). */
const YAML_TAG = 'tag:yaml.org,2002:';

/**
 * resolveExplicit is yaml.v2's resolve() of a scalar with an explicit tag (quoted or not):
 * `!!str` and unknown tags keep the text, `!!binary` decodes base64, `!!int`, `!!float`,
 * `!!bool`, `!!null` and `!!timestamp` resolve the text and fail when it is something else
 * (an integer may be a float). Returns the value, or `{ error }` with yaml.v2's text.
 */
export function resolveExplicit(tag: string, text: string): Scalar | { readonly error: string } {
  const short = tag.startsWith(YAML_TAG) ? tag.slice(YAML_TAG.length) : '';
  if (short === 'binary') {
    const b64 = text.replace(/[\r\n]/g, '');
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) return { error: '!!binary value contains invalid base64 data' };
    return Buffer.from(b64, 'base64').toString('utf8');
  }
  if (short !== 'int' && short !== 'float' && short !== 'bool' && short !== 'null' && short !== 'timestamp') return text;
  const [rtag, value] = resolveTagged(text);
  if (rtag === short || (short === 'float' && rtag === 'int')) return value;
  if (short === 'timestamp' && TIMESTAMP.test(text)) return text;
  return { error: `cannot decode !!${rtag} \`${text}\` as a !!${short}` };
}

const CORE_NULL = new Set(['', '~', 'null', 'Null', 'NULL']);
const CORE_TRUE = new Set(['true', 'True', 'TRUE']);
const CORE_FALSE = new Set(['false', 'False', 'FALSE']);
const CORE_INT = /^[-+]?[0-9]+$/;
const CORE_OCT = /^0o[0-7]+$/;
const CORE_HEX = /^0x[0-9a-fA-F]+$/;
const CORE_INF = /^[-+]?\.(?:inf|Inf|INF)$/;
const CORE_NAN = /^\.(?:nan|NaN|NAN)$/;

/** resolveCoreScalar is the YAML 1.2 core schema's reading of an untagged plain scalar. */
export function resolveCoreScalar(s: string): Scalar {
  if (CORE_NULL.has(s)) return null;
  if (CORE_TRUE.has(s)) return true;
  if (CORE_FALSE.has(s)) return false;
  if (!numberLike(s)) return s;
  if (CORE_INT.test(s)) return Number(s) === 0 ? 0 : Number(s);
  if (CORE_OCT.test(s)) return Number.parseInt(s.slice(2), 8);
  if (CORE_HEX.test(s)) return Number.parseInt(s.slice(2), 16);
  if (YAML_FLOAT.test(s)) return Number(s);
  if (CORE_INF.test(s)) return s.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (CORE_NAN.test(s)) return Number.NaN;
  return s;
}

/** sameScalar reports whether two resolved scalars are the same value (NaN equals NaN; 0 equals -0). */
export function sameScalar(a: Scalar, b: Scalar): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/** describeScalar renders a resolved scalar for a message: strings quoted, the rest as YAML writes them. */
export function describeScalar(v: Scalar): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  return String(v);
}
