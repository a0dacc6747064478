/**
 * SourceText is one input's text with a lazily built line index, so that offsets (absolute
 * within the text, as both YAML parsers report them) turn into 1-based line and column.
 * Columns count UTF-16 code units, as editors and SARIF's default do.
 */
export class SourceText {
  private lineStarts: number[] | undefined;

  constructor(
    /** file is the name diagnostics use: the path as given, or "<stdin>". */
    readonly file: string,
    readonly text: string,
  ) {}

  private starts(): number[] {
    if (!this.lineStarts) {
      const s = [0];
      const t = this.text;
      for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) s.push(i + 1);
      this.lineStarts = s;
    }
    return this.lineStarts;
  }

  /** position returns the 1-based line and column of an offset (clamped to the text). */
  position(offset: number): { line: number; column: number } {
    const s = this.starts();
    const off = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: off - s[lo]! + 1 };
  }

  /** lineText returns the text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const s = this.starts();
    const start = s[line - 1];
    if (start === undefined) return '';
    const end = line < s.length ? s[line]! - 1 : this.text.length;
    return this.text.slice(start, end).replace(/\r$/, '');
  }
}
