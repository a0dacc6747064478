import type { Diagnostic } from './diagnostic.js';
import { escapePointerSegment } from '../json-pointer.js';

/**
 * Go decoding as calicoctl does it: the YAML value (resolved by yaml.v2, see
 * manifest/scalar.ts) is turned into JSON by projectcalico/go-yaml-wrapper, which coerces a
 * number or boolean into a string wherever the target field is a string, and is then decoded
 * by projectcalico/go-json (a fork of encoding/json) with unknown fields disallowed:
 *
 * - a key matches its field exactly, else case-insensitively (Unicode simple folding, so `ſ`
 *   is `s` and the Kelvin sign is `k`); of several keys for one field the last in sorted order
 *   wins and the others are unknown (go-json sees the keys sorted, as json.Marshal writes a map);
 * - an unknown field: `field in document is not recognized or is in the wrong location: <key>`;
 * - a value of the wrong type: `cannot parse <kind> '<data>' into field <Struct>.<field> of type <Type>`;
 * - metav1.Time (creationTimestamp) decodes itself: an RFC 3339 string, Go's time.Parse texts.
 *
 * decodeGo reports every problem (calicoctl stops at the first), each at its own path, and
 * returns the value with canonical field names and the coercions made; it never throws.
 */

/**
 * GoKind is how go-json decodes into a type: a scalar kind (`uint` is bounded by its name:
 * uint16, uint32, else uint64), a collection, a struct, or the type's own decoder (time, raw,
 * and `unmarshal`: a type with an UnmarshalJSON of its own, e.g. v1.Duration or numorstring.Port).
 */
export type GoKind = 'string' | 'bool' | 'int' | 'uint' | 'time' | 'raw' | 'unmarshal' | 'slice' | 'map' | 'struct';

/**
 * GoUnmarshal is a type's own UnmarshalJSON on a decoded YAML/JSON value: null when the value
 * is accepted, else Go's error text (go-json returns it as it is). go-yaml-wrapper does not
 * turn a number into text for such a type (it is a json.Unmarshaler, not a string).
 */
export type GoUnmarshal = (v: unknown) => string | null;

/**
 * GoType describes a Go type as go-json decodes into it: `name` is Go's reflect.Type.String();
 * a slice's or map's element type is `elem`; a struct has its reflect Name() in `struct`
 * (errors say `<struct>.<field>`), its fields in declaration order and their index by exact
 * and by folded JSON name. Every GoType has every member (one object shape: decoding is a hot
 * path), made by goType and goStruct.
 */
export interface GoType {
  readonly kind: GoKind;
  readonly name: string;
  readonly elem: GoType | null;
  readonly struct: string;
  readonly fields: readonly GoField[];
  readonly exact: ReadonlyMap<string, GoField>;
  readonly folded: ReadonlyMap<string, GoField>;
  /** unmarshal is the type's own decoder (kind `unmarshal`), else null. */
  readonly unmarshal: GoUnmarshal | null;
}

/** GoStruct is a struct's GoType. */
export type GoStruct = GoType & { readonly kind: 'struct' };

/** GoField is a struct field by its JSON name. */
export interface GoField {
  readonly json: string;
  readonly type: GoType;
}

const NO_FIELDS: ReadonlyMap<string, GoField> = new Map();

/** goType makes a GoType that is not a struct (elem: the element type of a slice or map). */
export function goType(kind: Exclude<GoKind, 'struct' | 'unmarshal'>, name: string, elem: GoType | null = null): GoType {
  return { kind, name, elem, struct: '', fields: [], exact: NO_FIELDS, folded: NO_FIELDS, unmarshal: null };
}

/** goUnmarshaler makes the GoType of a type that decodes itself (see GoUnmarshal). */
export function goUnmarshaler(name: string, unmarshal: GoUnmarshal): GoType {
  return { kind: 'unmarshal', name, elem: null, struct: '', fields: [], exact: NO_FIELDS, folded: NO_FIELDS, unmarshal };
}

/** goStruct builds a GoStruct from [json name, type] pairs. */
export function goStruct(name: string, pairs: readonly (readonly [string, GoType])[]): GoStruct {
  const fields = pairs.map(([json, type]) => ({ json, type }));
  const folded = new Map<string, GoField>();
  for (const f of fields) if (!folded.has(foldKey(f.json))) folded.set(foldKey(f.json), f);
  return { kind: 'struct', name, elem: null, struct: name.slice(name.indexOf('.') + 1), fields, exact: new Map(fields.map((f) => [f.json, f])), folded, unmarshal: null };
}

/**
 * foldKey is a key's case fold as Go's bytes.EqualFold compares it against an ASCII field
 * name: ASCII lower-cased, U+017F (long s) as `s`, U+212A (Kelvin) as `k`. Other non-ASCII
 * characters fold to nothing ASCII, so they stay (and match no field).
 */
export function foldKey(s: string): string {
  let out = s.toLowerCase();
  if (/[^\x00-\x7f]/.test(s)) {
    // toLowerCase maps U+212A to k already; U+017F stays and folds to s.
    out = '';
    for (const ch of s) out += ch === '\u017f' ? 's' : ch === '\u212a' ? 'k' : ch.charCodeAt(0) < 128 ? ch.toLowerCase() : ch;
  }
  return out;
}

/** compareGoStrings orders strings as Go's sort.Strings does (bytewise UTF-8 = code point order). */
function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * formatGoFloat is strconv.FormatFloat(f, 'g', -1, 64): the shortest digits, in exponent form
 * (two-digit exponent at least) when the exponent is below -4 or at least 6. go-yaml-wrapper
 * writes floats into string fields this way.
 */
export function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const neg = f < 0 ? '-' : '';
  const [m, e] = Math.abs(f).toExponential().split('e') as [string, string];
  const digits = m.replace('.', '');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const a = Math.abs(exp);
    return `${neg}${mant}e${exp < 0 ? '-' : '+'}${a < 10 ? `0${a}` : a}`;
  }
  if (exp < 0) return `${neg}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${neg}${int}${frac ? `.${frac}` : ''}`;
}

/**
 * goScalarText is a number or boolean written into a string field (go-yaml-wrapper): integers
 * in decimal, other numbers as formatGoFloat, booleans as true/false.
 */
function goScalarText(v: number | boolean): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return Number.isInteger(v) && Math.abs(v) < 2 ** 64 ? BigInt(v).toString() : formatGoFloat(v);
}

/** DATA_MAX caps the data a type error quotes (Go quotes it whole; a hostile document could be megabytes). */
const DATA_MAX = 1024;

/** goJsonNumber is a number as encoding/json writes it (ES6 number formatting, which Go copies; -0 stays -0). */
function goJsonNumber(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/** goJsonString is a string as encoding/json writes it: HTML-safe escapes, U+2028/2029 escaped. */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * goJsonText is compact JSON as go-yaml-wrapper hands it to go-json (object keys sorted),
 * cut after DATA_MAX characters.
 */
function goJsonText(v: unknown): string {
  const out: string[] = [];
  let size = 0;
  const put = (s: string): boolean => {
    out.push(s);
    size += s.length;
    return size < DATA_MAX;
  };
  const walk = (x: unknown): boolean => {
    if (x === null || x === undefined) return put('null');
    if (typeof x === 'number') return put(goJsonNumber(x));
    if (typeof x === 'boolean') return put(String(x));
    if (typeof x === 'string') return put(goJsonString(x));
    if (Array.isArray(x)) {
      if (!put('[')) return false;
      for (let i = 0; i < x.length; i++) if ((i > 0 && !put(',')) || !walk(x[i])) return false;
      return put(']');
    }
    const keys = Object.keys(x as object).sort(compareGoStrings);
    if (!put('{')) return false;
    for (let i = 0; i < keys.length; i++) {
      if ((i > 0 && !put(',')) || !put(`${goJsonString(keys[i]!)}:`) || !walk((x as Record<string, unknown>)[keys[i]!])) return false;
    }
    return put('}');
  };
  const whole = walk(v);
  const text = out.join('');
  return whole ? text : `${text.slice(0, DATA_MAX)}...`;
}

/** jsonKind is go-json's name for the kind of a JSON value in type errors. */
function jsonKind(v: unknown): 'string' | 'bool' | 'number' | 'object' | 'array' {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

/** goData is the data a type error quotes: a string itself, a number or boolean as JSON, a collection as compact JSON. */
function goData(v: unknown): string {
  if (typeof v === 'string') return v.length > DATA_MAX ? `${v.slice(0, DATA_MAX)}...` : v;
  if (typeof v === 'number') return goJsonNumber(v);
  if (typeof v === 'boolean') return String(v);
  return goJsonText(v);
}

/** RFC3339 is Go's time.RFC3339 layout, which metav1.Time parses with. */
const RFC3339 = '2006-01-02T15:04:05Z07:00';

/** goQuote is Go's time.quote for ASCII text: double quotes, `"` and `\` escaped. */
function goQuote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/**
 * parseGoTimeError is Go's time.Parse(time.RFC3339, s) reduced to its error text (null when
 * it parses): the layout is read element by element (2006 - 01 - 02 T 15 : 04 : 05 Z07:00) and
 * the first that fails is named, or the field out of range.
 */
export function parseGoTimeError(value: string): string | null {
  let v = value;
  const bad = (layoutElem: string, valueElem: string): string =>
    `parsing time ${goQuote(value)} as ${goQuote(RFC3339)}: cannot parse ${goQuote(valueElem)} as ${goQuote(layoutElem)}`;
  const range = (what: string): string => `parsing time ${goQuote(value)}: ${what} out of range`;
  const literal = (lit: string): string | null => {
    for (let i = 0; i < lit.length; i++) {
      if (v[0] !== lit[i]) return bad(lit, v);
      v = v.slice(1);
    }
    return null;
  };
  // num reads a number of exactly two digits (fixed) or one or two (not fixed); -1 when absent.
  const num = (fixed: boolean): number => {
    if (!isDigit(v, 0)) return -1;
    if (!isDigit(v, 1)) {
      if (fixed) return -1;
      const n = Number(v[0]);
      v = v.slice(1);
      return n;
    }
    const n = Number(v.slice(0, 2));
    v = v.slice(2);
    return n;
  };
  let rangeErr = '';
  // 2006
  const hold = v;
  if (v.length < 4 || !/^\d{4}/.test(v)) return bad('2006', hold);
  const year = Number(v.slice(0, 4));
  v = v.slice(4);
  let e = literal('-');
  if (e) return e;
  let h = v;
  const month = num(true);
  if (month < 0) return bad('01', h);
  if (month < 1 || month > 12) rangeErr ||= 'month';
  if ((e = literal('-'))) return e;
  h = v;
  const day = num(true);
  if (day < 0) return bad('02', h);
  if ((e = literal('T'))) return e;
  h = v;
  const hour = num(false);
  if (hour < 0) return bad('15', h);
  if (hour >= 24) rangeErr ||= 'hour';
  if ((e = literal(':'))) return e;
  h = v;
  const minute = num(true);
  if (minute < 0) return bad('04', h);
  if (minute >= 60) rangeErr ||= 'minute';
  if ((e = literal(':'))) return e;
  h = v;
  const second = num(true);
  if (second < 0) return bad('05', h);
  if (second >= 60) rangeErr ||= 'second';
  if (v.length >= 2 && (v[0] === '.' || v[0] === ',') && isDigit(v, 1)) {
    let i = 1;
    while (isDigit(v, i)) i++;
    v = v.slice(i);
  }
  h = v;
  if (v[0] === 'Z') {
    v = v.slice(1);
  } else {
    if (v.length < 6 || v[3] !== ':' || (v[0] !== '+' && v[0] !== '-') || !/^\d\d$/.test(v.slice(1, 3)) || !/^\d\d$/.test(v.slice(4, 6))) return bad('Z07:00', h);
    if (Number(v.slice(1, 3)) > 24) rangeErr ||= 'time zone offset hour';
    if (Number(v.slice(4, 6)) > 60) rangeErr ||= 'time zone offset minute';
    v = v.slice(6);
  }
  if (rangeErr) return range(rangeErr);
  if (v.length > 0) return `parsing time ${goQuote(value)}: extra text: ${goQuote(v)}`;
  if (day < 1 || day > daysIn(month, year)) return range('day');
  return null;
}

/** GoDecodeResult is what decodeGo found. */
export interface GoDecodeResult {
  /** value is the input with canonical field names and string coercions (the input itself when it needed none). */
  readonly value: unknown;
  /** diagnostics are FIELD_UNKNOWN (at the key) and TYPE_MISMATCH (at the value) errors, with paths into the input. */
  readonly diagnostics: readonly Diagnostic[];
  /** decodable: no type error, so the value decodes (unknown fields are dropped). */
  readonly decodable: boolean;
  /** renamed maps the canonical pointer of a field matched case-insensitively to its pointer in the input. */
  readonly renamed: ReadonlyMap<string, string>;
  /** coerced are the pointers of numbers and booleans written into string fields, with the text they became. */
  readonly coerced: ReadonlyMap<string, string>;
}

/** MAX_REPORTED bounds the unknown fields and type errors reported one by one per document (the rest are summed up). */
export const MAX_REPORTED = 20;

/** unknownFieldsText is go-json's UnmarshalUnknownFieldsError text for the keys. */
export function unknownFieldsText(keys: readonly string[]): string {
  if (keys.length === 1) return `field in document is not recognized or is in the wrong location: ${keys[0]}`;
  if (keys.length > 5) return `fields in document are not recognized or are in the wrong location: ${keys.slice(0, 4).join(', ')} (+ ${keys.length - 4} more)`;
  return `fields in document are not recognized or are in the wrong location: ${keys.join(', ')}`;
}

/**
 * zeroOf is the Go zero value a null element of a slice or map decodes to ("" for a string:
 * `labels: {a: null}` is the label a with an empty value); null for the others (nil).
 */
function zeroOf(t: GoType): unknown {
  return t.kind === 'string' ? '' : t.kind === 'bool' ? false : t.kind === 'int' || t.kind === 'uint' ? 0 : null;
}

/** uintMax is the largest value of an unsigned Go type by its name (uint16, uint32, else 64 bits). */
function uintMax(name: string): number {
  return name === 'uint16' ? 0xffff : name === 'uint32' ? 0xffffffff : 2 ** 64 - 1;
}

/** NONE is the empty map of a decoding without renamed or coerced fields (shared: the common case). */
const NONE: ReadonlyMap<string, string> = new Map();
/** NO_ERRORS is the empty list of a decoding without errors (shared). */
const NO_ERRORS: readonly Diagnostic[] = [];

/** pointer joins escaped segments into a JSON pointer. */
function pointer(segs: readonly string[]): string {
  return segs.length === 0 ? '' : `/${segs.join('/')}`;
}

/**
 * Decoder carries one decodeGo run: where it is (the escaped segments of the canonical
 * pointer and of the pointer in the input, pushed and popped as it descends, so that paths are
 * built only for findings) and what it found (each list made when first needed: most
 * documents have no findings).
 */
class Decoder {
  errors: Diagnostic[] | null = null;
  renamed: Map<string, string> | null = null;
  coerced: Map<string, string> | null = null;
  private readonly at: string[] = [];
  private readonly src: string[] = [];
  /** unknown are the unknown keys beyond MAX_REPORTED, with the first one's path. */
  private unknown: string[] | null = null;
  private unknownAt = '';
  private unknownCount = 0;
  private typeErrors = 0;

  /** reset readies the decoder for another value (one decoder serves every decodeGo call). */
  reset(): void {
    this.errors = null;
    this.renamed = null;
    this.coerced = null;
    this.at.length = 0;
    this.src.length = 0;
    this.unknown = null;
    this.unknownCount = 0;
    this.typeErrors = 0;
  }

  private error(d: Diagnostic): void {
    (this.errors ??= []).push(d);
  }

  private push(canonical: string, written: string): void {
    this.at.push(canonical);
    this.src.push(written);
  }

  private pop(): void {
    this.at.pop();
    this.src.pop();
  }

  /** unknownField reports the key of the object being read. */
  private unknownField(key: string): void {
    const path = `${pointer(this.src)}/${escapePointerSegment(key)}`;
    if (++this.unknownCount <= MAX_REPORTED) {
      this.error({ code: 'FIELD_UNKNOWN', severity: 'error', message: unknownFieldsText([key]), path });
      return;
    }
    if (!this.unknown) {
      this.unknown = [];
      this.unknownAt = path;
    }
    this.unknown.push(key);
  }

  /** typeError reports the value being read. */
  private typeError(message: string, hint?: string): void {
    if (++this.typeErrors <= MAX_REPORTED) this.error({ code: 'TYPE_MISMATCH', severity: 'error', message, path: pointer(this.at), ...(hint ? { hint } : {}) });
  }

  /** mismatch reports a value of the wrong type for t, the field `field` of struct `owner`, and returns it. */
  private mismatch(v: unknown, t: GoType, owner: string, field: string, hint?: string): unknown {
    const into = field === '' ? 'value' : `field ${owner}.${field}`;
    this.typeError(`cannot parse ${jsonKind(v)} '${goData(v)}' into ${into} of type ${t.name}`, hint);
    return v;
  }

  get decodable(): boolean {
    return this.typeErrors === 0;
  }

  /** finish adds the summed-up unknown fields and type errors. */
  finish(): void {
    if (this.unknown) {
      this.error({ code: 'FIELD_UNKNOWN', severity: 'error', message: unknownFieldsText(this.unknown), path: this.unknownAt, hint: `${this.unknown.length} more unknown fields` });
    }
    if (this.typeErrors > MAX_REPORTED) {
      this.error({ code: 'TYPE_MISMATCH', severity: 'error', message: `${this.typeErrors - MAX_REPORTED} more values of the wrong type (not shown)`, path: '' });
    }
  }

  /**
   * value decodes v into type t (at the current place), as the field `field` of struct
   * `owner` (for error texts), and returns v or its normalised copy.
   */
  value(v: unknown, t: GoType, owner: string, field: string): unknown {
    if (v === null || v === undefined) return v;
    if (typeof v === 'number' && !Number.isFinite(v) && t.kind !== 'string') {
      // json.Marshal cannot write it: the whole document fails in go-yaml-wrapper.
      this.typeError(`json: unsupported value: ${formatGoFloat(v)}`);
      return v;
    }
    switch (t.kind) {
      case 'string':
        if (typeof v === 'string') return v;
        if (typeof v === 'number' || typeof v === 'boolean') {
          const s = goScalarText(v);
          (this.coerced ??= new Map()).set(pointer(this.src), s);
          return s;
        }
        return this.mismatch(v, t, owner, field);
      case 'bool':
        return typeof v === 'boolean' ? v : this.mismatch(v, t, owner, field, typeof v === 'string' ? 'write true or false, without quotes' : undefined);
      case 'int':
        if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63) return v;
        return this.mismatch(v, t, owner, field, typeof v === 'string' ? 'write the number without quotes' : undefined);
      case 'uint':
        if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= uintMax(t.name)) return v;
        return this.mismatch(v, t, owner, field, typeof v === 'string' ? 'write the number without quotes' : undefined);
      case 'raw':
        return v;
      case 'unmarshal': {
        const e = t.unmarshal!(v);
        if (e !== null) this.typeError(e);
        return v;
      }
      case 'time':
        if (typeof v !== 'string') {
          this.typeError(`json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
        } else {
          const e = parseGoTimeError(v);
          if (e) this.typeError(e, 'an RFC 3339 time, e.g. 2024-05-01T10:00:00Z');
        }
        return v;
      case 'slice':
        return Array.isArray(v) ? this.slice(v, t.elem!, owner, field) : this.mismatch(v, t, owner, field);
      case 'map':
        return typeof v === 'object' && !Array.isArray(v) ? this.map(v as Record<string, unknown>, t.elem!, owner, field) : this.mismatch(v, t, owner, field);
      case 'struct':
        return typeof v === 'object' && !Array.isArray(v) ? this.struct(v as Record<string, unknown>, t) : this.mismatch(v, t, owner, field);
    }
  }

  /** element decodes an element of a slice or map: null is the element type's zero value; a string in a string slot needs nothing. */
  private element(x: unknown, elem: GoType, seg: string, owner: string, field: string): unknown {
    if (x === null) return zeroOf(elem);
    if (typeof x === 'string' && elem.kind === 'string') return x;
    this.push(seg, seg);
    const y = this.value(x, elem, owner, field);
    this.pop();
    return y;
  }

  private slice(v: unknown[], elem: GoType, owner: string, field: string): unknown[] {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x = this.element(v[i], elem, String(i), owner, field);
      if (x !== v[i]) {
        out ??= v.slice();
        out[i] = x;
      }
    }
    return out ?? v;
  }

  private map(m: Record<string, unknown>, elem: GoType, owner: string, field: string): Record<string, unknown> {
    let out: Record<string, unknown> | null = null;
    for (const k in m) {
      const x = this.element(m[k], elem, escapePointerSegment(k), owner, field);
      if (x !== m[k]) {
        out ??= { ...m };
        out[k] = x;
      }
    }
    return out ?? m;
  }

  /** struct decodes an object into a struct: fields by exact, else folded, name (see the module comment). */
  private struct(m: Record<string, unknown>, t: GoType): Record<string, unknown> {
    const exact = t.exact;
    for (const k in m) if (!exact.has(k)) return this.byField(m, t, exact, t.folded);
    return this.inPlace(m, t, exact);
  }

  /**
   * inPlace decodes an object whose every key is a field's own name (the common case), copying
   * it only when a value changes. A field name needs no escaping in a pointer.
   */
  private inPlace(m: Record<string, unknown>, t: GoType, exact: ReadonlyMap<string, GoField>): Record<string, unknown> {
    let out: Record<string, unknown> | null = null;
    for (const k in m) {
      const f = exact.get(k)!;
      const v = m[k];
      const kind = f.type.kind;
      // A value already of its field's type needs no call.
      if (v === null || (typeof v === 'string' && kind === 'string') || (typeof v === 'boolean' && kind === 'bool')) continue;
      if (kind === 'int' && typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63) continue;
      this.push(k, k);
      const x = this.value(v, f.type, t.struct, f.json);
      this.pop();
      if (x !== v) {
        out ??= { ...m };
        out[k] = x;
      }
    }
    return out ?? m;
  }

  /** byField decodes an object with keys in other case or unknown ones: keys grouped by the field they name. */
  private byField(m: Record<string, unknown>, t: GoType, exact: ReadonlyMap<string, GoField>, folded: ReadonlyMap<string, GoField>): Record<string, unknown> {
    // Unknown keys are reported in input order.
    const byField = new Map<GoField, string[]>();
    for (const k in m) {
      const f = exact.get(k) ?? folded.get(foldKey(k));
      if (!f) {
        this.unknownField(k);
        continue;
      }
      const keys = byField.get(f);
      if (keys) keys.push(k);
      else byField.set(f, [k]);
    }
    const decoded: Record<string, unknown> = {};
    for (const f of t.fields) {
      const keys = byField.get(f);
      if (!keys) continue;
      if (keys.length > 1) keys.sort(compareGoStrings);
      // go-json sees the keys sorted: a later key for the same field makes the earlier one unknown.
      for (let i = 0; i < keys.length - 1; i++) this.unknownField(keys[i]!);
      const k = keys[keys.length - 1]!;
      this.push(escapePointerSegment(f.json), escapePointerSegment(k));
      if (k !== f.json) (this.renamed ??= new Map()).set(pointer(this.at), pointer(this.src));
      decoded[f.json] = this.value(m[k], f.type, t.struct, f.json);
      this.pop();
    }
    return decoded;
  }
}

/** DECODER is the decoder every decodeGo call uses (decoding never calls decodeGo itself). */
const DECODER = new Decoder();

/**
 * decodeGo decodes a YAML/JSON value into a Go type as calicoctl does (see the module
 * comment), reporting at most MAX_REPORTED unknown fields and type errors one by one.
 */
export function decodeGo(value: unknown, type: GoType): GoDecodeResult {
  const d = DECODER;
  d.reset();
  const out = d.value(value, type, type.kind === 'struct' ? type.struct : type.name, '');
  d.finish();
  return { value: out, diagnostics: d.errors ?? NO_ERRORS, decodable: d.decodable, renamed: d.renamed ?? NONE, coerced: d.coerced ?? NONE };
}
