/**
 * SourceText is one input's text with a line index built as far as positions are asked for,
 * so that offsets (absolute within the text, as both YAML parsers report them) turn into
 * 1-based line and column; an input whose documents are all valid never pays for the index.
 * Columns count UTF-16 code units, as editors and SARIF's default do.
 */
export class SourceText {
  /** starts[0, count) are the offsets where lines start, for every line starting at or before `scanned`. */
  private starts = new Uint32Array(64);
  private count = 1;
  /** scanned is the offset up to which the text has been searched for line breaks. */
  private scanned = 0;

  constructor(
    /** file is the name diagnostics use: the path as given, or "<stdin>". */
    readonly file: string,
    readonly text: string,
  ) {}

  /** indexTo records the starts of every line that starts at or before offset `to`. */
  private indexTo(to: number): void {
    if (to <= this.scanned) return;
    const t = this.text;
    let i = t.indexOf('\n', this.scanned);
    while (i >= 0 && i < to) {
      if (this.count === this.starts.length) {
        const grown = new Uint32Array(this.starts.length * 2);
        grown.set(this.starts);
        this.starts = grown;
      }
      this.starts[this.count++] = i + 1;
      i = t.indexOf('\n', i + 1);
    }
    this.scanned = i < 0 ? t.length + 1 : to;
  }

  /** position returns the 1-based line and column of an offset (clamped to the text). */
  position(offset: number): { line: number; column: number } {
    const off = Math.max(0, Math.min(offset, this.text.length));
    this.indexTo(off);
    const s = this.starts;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: off - s[lo]! + 1 };
  }

  /**
   * positionFrom is position(offset) found from a known line start at or before it (`from`,
   * the start of 1-based line `line`) by counting the line breaks in between: for offsets in
   * a small document whose first line is known, it spares indexing every line before it.
   */
  positionFrom(from: number, line: number, offset: number): { line: number; column: number } {
    const off = Math.max(0, Math.min(offset, this.text.length));
    if (off < from) return this.position(off);
    const t = this.text;
    let l = line;
    let start = from;
    for (let i = t.indexOf('\n', from); i >= 0 && i < off; i = t.indexOf('\n', i + 1)) {
      l++;
      start = i + 1;
    }
    return { line: l, column: off - start + 1 };
  }

  /** lineText returns the text of a 1-based line, without its line break. */
  lineText(line: number): string {
    // Index until the line after it starts (or the text ends).
    while (this.count <= line && this.scanned <= this.text.length) this.indexTo(Math.min(this.scanned + 65536, this.text.length + 1));
    if (line < 1 || line > this.count) return '';
    const start = this.starts[line - 1]!;
    let end = line < this.count ? this.starts[line]! - 1 : this.text.length;
    // Not .replace(/\r$/): a regular expression would scan the whole line on every call.
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }
}
