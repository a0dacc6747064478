import { formatIPv6Words, parseAddr, parseIPv4Value, parseIPv6Words } from './addr.js';
import { FlowQuery, type CompiledNat, type NatFlowContext } from './nat-decision.js';

/** FlowLineError is a flow line that is not "SRC DST": its 1-based line number and why. */
export interface FlowLineError {
  readonly line: number;
  readonly message: string;
}

/**
 * FlowRowSink receives each decided flow: the scanner, whose text and srcStart..dstEnd locate
 * the addresses as written (srcText()/dstText() give them canonical), and the evaluated query.
 */
export type FlowRowSink = (line: FlowScanner, q: FlowQuery) => void;

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/**
 * FlowScanner decides flow lists for batch explain: lines of "SRC DST" (addresses separated by
 * blanks or a comma; blank lines and lines starting with # are skipped; a # after the
 * addresses starts a comment). It parses addresses without bigint, straight from the text,
 * evaluates each flow against the compiled model with one reusable FlowQuery, and hands the
 * result to a sink, so millions of lines cost no per-line allocation. Feed it text in chunks
 * of whole lines; it counts lines across chunks.
 */
export class FlowScanner {
  readonly #compiled: CompiledNat;
  readonly #q = new FlowQuery();
  /** line is the number of lines scanned so far. */
  line = 0;
  /** text is the chunk being scanned; the addresses of the current flow are text[srcStart, srcEnd) and text[dstStart, dstEnd). */
  text = '';
  srcStart = 0;
  srcEnd = 0;
  dstStart = 0;
  dstEnd = 0;

  constructor(compiled: CompiledNat, flow: NatFlowContext = {}) {
    this.#compiled = compiled;
    this.#q.protocol = flow.protocol;
    this.#q.outInterface = flow.outInterface;
  }

  /**
   * scan decides every line of text, which must end at a line boundary (a final line without
   * a newline counts as a line), calling sink for each flow. It stops at the first malformed
   * line and returns its error, else null.
   */
  scan(text: string, sink: FlowRowSink): FlowLineError | null {
    const n = text.length;
    const q = this.#q;
    this.text = text;
    let i = 0;
    while (i < n) {
      let eol = text.indexOf('\n', i);
      if (eol < 0) eol = n;
      this.line++;
      let a = i;
      while (a < eol && isBlank(text.charCodeAt(a))) a++;
      if (a === eol || text.charCodeAt(a) === 35) {
        i = eol + 1;
        continue;
      }
      let b = a;
      let srcV6 = false;
      for (let ch = text.charCodeAt(b); b < eol && !isBlank(ch) && ch !== 44; ch = text.charCodeAt(++b)) srcV6 ||= ch === 58;
      let c = b;
      while (c < eol && isBlank(text.charCodeAt(c))) c++;
      if (c < eol && text.charCodeAt(c) === 44) {
        c++;
        while (c < eol && isBlank(text.charCodeAt(c))) c++;
      }
      let d = c;
      let dstV6 = false;
      for (let ch = text.charCodeAt(d); d < eol && !isBlank(ch) && ch !== 44 && ch !== 35; ch = text.charCodeAt(++d)) dstV6 ||= ch === 58;
      let e = d;
      while (e < eol && isBlank(text.charCodeAt(e))) e++;
      if (c === d || (e < eol && text.charCodeAt(e) !== 35)) {
        return { line: this.line, message: `expected "SRC DST", got "${text.slice(a, eol).trimEnd()}"` };
      }
      if (!this.#load(text, a, b, srcV6, false)) return this.#addrError(text, a, b);
      if (!this.#load(text, c, d, dstV6, true)) return this.#addrError(text, c, d);
      this.srcStart = a;
      this.srcEnd = b;
      this.dstStart = c;
      this.dstEnd = d;
      this.#compiled.evaluate(q);
      sink(this, q);
      i = eol + 1;
    }
    return null;
  }

  /** srcText returns the current flow's source in canonical text. */
  srcText(): string {
    return this.#q.srcFamily === 4 ? this.text.slice(this.srcStart, this.srcEnd) : formatIPv6Words(this.#q.words, 0);
  }

  /** dstText returns the current flow's destination in canonical text. */
  dstText(): string {
    return this.#q.dstFamily === 4 ? this.text.slice(this.dstStart, this.dstEnd) : formatIPv6Words(this.#q.words, 4);
  }

  /** load parses text[start, end) (IPv6 text when v6) into the query's src or dst; it reports whether it is an address. */
  #load(text: string, start: number, end: number, v6: boolean, dst: boolean): boolean {
    const q = this.#q;
    if (v6) {
      if (!parseIPv6Words(text, q.words, dst ? 4 : 0, start, end)) return false;
      if (dst) q.dstFamily = 6;
      else q.srcFamily = 6;
      return true;
    }
    const v = parseIPv4Value(text, start, end);
    if (v < 0) return false;
    if (dst) {
      q.dstFamily = 4;
      q.dst4 = v;
    } else {
      q.srcFamily = 4;
      q.src4 = v;
    }
    return true;
  }

  #addrError(text: string, start: number, end: number): FlowLineError {
    const r = parseAddr(text.slice(start, end));
    return { line: this.line, message: r.ok ? `"${text.slice(start, end)}" is not an address` : r.error.message };
  }
}
