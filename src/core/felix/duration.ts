/**
 * Go's time.Duration as metav1.Duration carries it in FelixConfiguration: parsed from a
 * string with time.ParseDuration (its error texts verbatim) and written back with
 * Duration.String(), so `reportingInterval: 90s` is stored as "1m30s", as calicoctl stores it.
 * Nanoseconds are bigints: Go's int64 range, which a JS number cannot hold exactly.
 */

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1000n],
  ['\u00b5s', 1000n], // U+00B5 micro sign
  ['\u03bcs', 1000n], // U+03BC Greek mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const UTF8 = new TextEncoder();
const MAX_INT64 = (1n << 63n) - 1n;
const LIMIT = 1n << 63n;

/** goTimeQuote is Go's time.quote: double quotes, `"` and `\` escaped, bytes below space or above ASCII as \xNN. */
export function goTimeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c >= 0x80) {
      for (const b of UTF8.encode(ch)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  return `${out}"`;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** ParsedDuration is a duration in nanoseconds, or Go's error text. */
export type ParsedDuration = { readonly ok: true; readonly ns: bigint } | { readonly ok: false; readonly error: string };

/**
 * parseGoDuration is Go's time.ParseDuration: a possibly signed sequence of decimal numbers,
 * each with an optional fraction and a unit (ns, us, µs, ms, s, m, h), e.g. "300ms", "-1.5h",
 * "2h45m"; "0" alone needs no unit. Errors are Go's: `time: invalid duration "x"`,
 * `time: missing unit in duration "1"`, `time: unknown unit "d" in duration "1d"`.
 */
export function parseGoDuration(orig: string): ParsedDuration {
  const invalid: ParsedDuration = { ok: false, error: `time: invalid duration ${goTimeQuote(orig)}` };
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ns: 0n };
  if (s === '') return invalid;
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return invalid;
    // leading integer: Go fails on overflow past 1<<63
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      if (v > LIMIT / 10n) return invalid;
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > LIMIT) return invalid;
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // fraction: digits past int64 precision are consumed and dropped, as leadingFraction does
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          if (f > MAX_INT64 / 10n) overflow = true;
          else {
            const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
            if (y > LIMIT) overflow = true;
            else {
              f = y;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return invalid;
    let u = 0;
    while (u < s.length && !(s[u] === '.' || isDigit(s[u]))) u++;
    if (u === 0) return { ok: false, error: `time: missing unit in duration ${goTimeQuote(orig)}` };
    const unitText = s.slice(0, u);
    s = s.slice(u);
    const unit = UNITS.get(unitText);
    if (unit === undefined) return { ok: false, error: `time: unknown unit ${goTimeQuote(unitText)} in duration ${goTimeQuote(orig)}` };
    if (v > LIMIT / unit) return invalid;
    v *= unit;
    if (f > 0n) {
      // float64, as Go does: nanosecond-accurate for fractions of hours
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) return invalid;
    }
    d += v;
    if (d > LIMIT) return invalid;
  }
  if (neg) return { ok: true, ns: -d };
  if (d > MAX_INT64) return invalid;
  return { ok: true, ns: d };
}

/** fmtFrac is Go's fmtFrac: the fraction of v / 10^prec without trailing zeros (and no point when zero), and v / 10^prec. */
function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let out = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print ||= digit !== 0n;
    if (print) out = String(digit) + out;
    v /= 10n;
  }
  return [print ? `.${out}` : '', v];
}

/** formatGoDuration is Go's Duration.String(): "1m30s", "1.5s", "300ms", "2h0m0s", "0s". */
export function formatGoDuration(ns: bigint): string {
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < 1000n) {
      prec = 0;
      unit = 'ns';
    } else if (u < 1_000_000n) {
      prec = 3;
      unit = '\u00b5s';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const [frac, whole] = fmtFrac(u, prec);
    out = `${whole}${frac}${unit}`;
  } else {
    const [frac, secs] = fmtFrac(u, 9);
    u = secs;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}
