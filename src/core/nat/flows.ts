import { formatIPv6Words, ipv4ScanEnd, parseAddr, parseIPv4Bytes, parseIPv6Bytes, scanIPv4Bytes } from '../net/addr.js';
import type { CompiledNat } from './compiled-nat.js';
import type { NatFlowContext } from './decision.js';
import { FlowQuery } from './flow-query.js';

/** FlowLineError is a flow line that is not "SRC DST": its 1-based line number and why. */
export interface FlowLineError {
  readonly line: number;
  readonly message: string;
}

/**
 * FlowRowSink receives each decided flow: the scanner, whose bytes and srcStart..dstEnd locate
 * the addresses as written (srcText()/dstText() give them canonical), and the evaluated query.
 */
export type FlowRowSink = (line: FlowScanner, q: FlowQuery) => void;

const utf8 = new TextEncoder();
const text = new TextDecoder();
const NO_BYTES = new Uint8Array(0);

/** isBlank reports whether a byte separates fields: space, tab or carriage return. */
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** lineEnd returns the position of the newline that ends the line holding b[i], or end. */
function lineEnd(b: Uint8Array, i: number, end: number): number {
  const eol = b.indexOf(10, i);
  return eol < 0 || eol > end ? end : eol;
}

/** MAX_QUOTED is the most bytes of a line a flow error quotes. */
const MAX_QUOTED = 64;

/** quoted returns b[start, end) as text for an error message, cut to MAX_QUOTED bytes with "…" (a line can be 1 MiB of garbage). */
function quoted(b: Uint8Array, start: number, end: number): string {
  if (end - start <= MAX_QUOTED) return text.decode(b.subarray(start, end)).trimEnd();
  return `${text.decode(b.subarray(start, start + MAX_QUOTED))}…`;
}

/** latin1 returns b[start, end) as a string, one character per byte (addresses are ASCII). */
function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/**
 * FlowScanner decides flow lists for batch explain: lines of "SRC DST" (addresses separated by
 * blanks or a comma; blank lines and lines starting with # are skipped; a # after the
 * addresses starts a comment). It reads the bytes as given (UTF-8 or ASCII; addresses are
 * ASCII), parses addresses in place without bigint, evaluates each flow against the compiled
 * model with one reusable FlowQuery, and hands the result to a sink, so millions of lines cost
 * no per-line allocation. Feed it input in chunks of whole lines; it counts lines across chunks.
 */
export class FlowScanner {
  readonly #compiled: CompiledNat;
  readonly #q = new FlowQuery();
  /** line is the number of lines scanned so far. */
  line = 0;
  /** bytes is the chunk being scanned; the addresses of the current flow are bytes[srcStart, srcEnd) and bytes[dstStart, dstEnd). */
  bytes: Uint8Array = NO_BYTES;
  srcStart = 0;
  srcEnd = 0;
  dstStart = 0;
  dstEnd = 0;
  /** next is where #line stopped: after the current flow's trailing blanks. */
  #next = 0;

  constructor(compiled: CompiledNat, flow: NatFlowContext = {}) {
    this.#compiled = compiled;
    this.#q.protocol = flow.protocol;
    this.#q.outInterface = flow.outInterface;
  }

  /**
   * scan decides every line of input[start, end) (bytes, or a string, which is scanned whole
   * as UTF-8), which must end at a line boundary (a final line without a newline counts as a
   * line), calling sink for each flow. It stops at the first malformed line and returns its
   * error, else null.
   */
  scan(input: Uint8Array | string, sink: FlowRowSink, start = 0, end = input.length): FlowLineError | null {
    const b = typeof input === 'string' ? utf8.encode(input) : input;
    if (typeof input === 'string') end = b.length;
    const q = this.#q;
    const compiled = this.#compiled;
    this.bytes = b;
    let i = start;
    while (i < end) {
      this.line++;
      let a = i;
      while (a < end && isBlank(b[a]!)) a++;
      if (a === end) break;
      if (b[a] === 10) {
        i = a + 1;
        continue;
      }
      if (b[a] === 35) {
        i = lineEnd(b, a, end) + 1;
        continue;
      }
      // The common line first, in one pass: two IPv4 addresses, then a newline or a comment.
      const p = this.#fastLine(b, a, end);
      if (p < 0) {
        const err = this.#line(b, a, end);
        if (err) return err;
      }
      const next = p < 0 ? this.#next : p;
      compiled.evaluate(q);
      sink(this, q);
      i = next < end && b[next] === 35 ? lineEnd(b, next, end) + 1 : next + 1;
    }
    return null;
  }

  /**
   * fastLine reads a line of two IPv4 addresses starting at a into the query and the bounds,
   * and returns the position after the trailing blanks (a newline, a # or end), or -1 when
   * the line is anything else (IPv6, or malformed), leaving it to line.
   */
  #fastLine(b: Uint8Array, a: number, end: number): number {
    const src = scanIPv4Bytes(b, a, end);
    if (src < 0) return -1;
    let p = ipv4ScanEnd();
    const srcEnd = p;
    if (p === end || !(isBlank(b[p]!) || b[p] === 44)) return -1;
    while (p < end && isBlank(b[p]!)) p++;
    if (p < end && b[p] === 44) {
      p++;
      while (p < end && isBlank(b[p]!)) p++;
    }
    const dstStart = p;
    const dst = scanIPv4Bytes(b, p, end);
    if (dst < 0) return -1;
    p = ipv4ScanEnd();
    const dstEnd = p;
    while (p < end && isBlank(b[p]!)) p++;
    if (p < end && b[p] !== 10 && b[p] !== 35) return -1;
    const q = this.#q;
    q.srcFamily = 4;
    q.dstFamily = 4;
    q.src4 = src;
    q.dst4 = dst;
    this.srcStart = a;
    this.srcEnd = srcEnd;
    this.dstStart = dstStart;
    this.dstEnd = dstEnd;
    return p;
  }

  /**
   * line reads the line starting at a (any families) into the query and the bounds, and sets
   * next to the position after the trailing blanks; it returns the line's error, or null.
   */
  #line(b: Uint8Array, a: number, end: number): FlowLineError | null {
    const q = this.#q;
    // SRC ends at a blank or a comma; DST also at a #.
    let p = a;
    let srcV6 = false;
    for (; p < end; p++) {
      const c = b[p]!;
      if (c === 32 || c === 9 || c === 13 || c === 44 || c === 10) break;
      if (c === 58) srcV6 = true;
    }
    const srcEnd = p;
    while (p < end && isBlank(b[p]!)) p++;
    if (p < end && b[p] === 44) {
      p++;
      while (p < end && isBlank(b[p]!)) p++;
    }
    const dstStart = p;
    let dstV6 = false;
    for (; p < end; p++) {
      const c = b[p]!;
      if (c === 32 || c === 9 || c === 13 || c === 44 || c === 35 || c === 10) break;
      if (c === 58) dstV6 = true;
    }
    const dstEnd = p;
    while (p < end && isBlank(b[p]!)) p++;
    if (dstStart === dstEnd || (p < end && b[p] !== 10 && b[p] !== 35)) {
      return { line: this.line, message: `expected "SRC DST", got "${quoted(b, a, lineEnd(b, a, end))}"` };
    }
    if (srcV6 ? !parseIPv6Bytes(b, q.words, 0, a, srcEnd) : (q.src4 = parseIPv4Bytes(b, a, srcEnd)) < 0) return this.#addrError(b, a, srcEnd);
    if (dstV6 ? !parseIPv6Bytes(b, q.words, 4, dstStart, dstEnd) : (q.dst4 = parseIPv4Bytes(b, dstStart, dstEnd)) < 0) {
      return this.#addrError(b, dstStart, dstEnd);
    }
    q.srcFamily = srcV6 ? 6 : 4;
    q.dstFamily = dstV6 ? 6 : 4;
    this.srcStart = a;
    this.srcEnd = srcEnd;
    this.dstStart = dstStart;
    this.dstEnd = dstEnd;
    this.#next = p;
    return null;
  }

  /** srcText returns the current flow's source in canonical text. */
  srcText(): string {
    return this.#q.srcFamily === 4 ? latin1(this.bytes, this.srcStart, this.srcEnd) : formatIPv6Words(this.#q.words, 0);
  }

  /** dstText returns the current flow's destination in canonical text. */
  dstText(): string {
    return this.#q.dstFamily === 4 ? latin1(this.bytes, this.dstStart, this.dstEnd) : formatIPv6Words(this.#q.words, 4);
  }

  #addrError(b: Uint8Array, start: number, end: number): FlowLineError {
    if (end - start > MAX_QUOTED) return { line: this.line, message: `"${quoted(b, start, end)}" is not an address` };
    const s = text.decode(b.subarray(start, end));
    const r = parseAddr(s);
    return { line: this.line, message: r.ok ? `"${s}" is not an address` : r.error.message };
  }
}
