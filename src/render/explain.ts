import { writeIPv6Words, type CompiledNat, type CompiledRule, type Family, type FlowQuery, type FlowScanner, type NatDecision, type NatReason } from '../core/index.js';

// Output of `nat explain`: the text a person reads, JSON (spec/cli.md), and the batch rows
// (CSV, table) of --flows.

/** EXPLAIN_CSV_HEADER is the CSV header of `nat explain --flows -o csv` (spec/cli.md). */
export const EXPLAIN_CSV_HEADER = 'src,dst,nat,action,toSource,srcPool,dstPool,reason';

/** TABLE_HEADER are the columns of `nat explain --flows -o table`. */
const TABLE_HEADER = ['SRC', 'DST', 'NAT', 'ACTION', 'TO-SOURCE', 'SRC-POOL', 'DST-POOL', 'REASON'] as const;

/** Paint colours parts of the text; PLAIN_PAINT paints nothing (no colour, or not a TTY). */
export interface ExplainPaint {
  yes(s: string): string;
  no(s: string): string;
  verdict(s: string): string;
  dim(s: string): string;
}

export const PLAIN_PAINT: ExplainPaint = { yes: (s) => s, no: (s) => s, verdict: (s) => s, dim: (s) => s };

const REASON_TEXT: Readonly<Record<NatReason, string>> = {
  NAT: '',
  SRC_NOT_IN_NAT_POOL: 'the source is in no natOutgoing pool',
  DST_IN_POOL: 'the destination is in an IP pool',
  DST_IS_HOST: 'the destination is a host address (NATOutgoingExclusions=IPPoolsAndHostIPs)',
  NO_NAT_POOLS: 'no pool of this IP family has natOutgoing',
  FAMILY_MISMATCH: 'source and destination are of different IP families',
  OUT_INTERFACE_NOT_MATCHED: 'the egress interface does not match the NAT interface filter',
  PROTOCOL_NOT_MATCHED: "no NAT rule matches the flow's protocol",
};

function poolLine(p: NatDecision['srcPool']): string {
  if (!p) return 'in no pool';
  const flags = [p.natOutgoing ? 'natOutgoing' : 'natOutgoing false', ...(p.disabled ? ['disabled'] : [])];
  return `in IPPool ${p.name} ${p.cidr} (${flags.join(', ')})`;
}

/**
 * formatDecisionText renders one decision for people: the verdict first, then what the source
 * becomes, the pools of src and dst, the rule that fires, and Felix's steps.
 */
export function formatDecisionText(d: NatDecision, paint: ExplainPaint = PLAIN_PAINT): string {
  const verdict = d.nat ? `NAT (${d.action})` : `no NAT (${d.reason})`;
  const what = d.nat
    ? d.action === 'SNAT'
      ? `the source becomes ${d.toSource}`
      : "the source becomes the egress interface's address"
    : `the source stays ${d.src}: ${REASON_TEXT[d.reason]}`;
  const w = Math.max(d.src.length, d.dst.length);
  const lines = [
    `${d.src} -> ${d.dst}: ${paint.verdict(verdict)}`,
    `  ${what}`,
    '',
    `  src   ${d.src.padEnd(w)}  ${poolLine(d.srcPool)}`,
    `  dst   ${d.dst.padEnd(w)}  ${poolLine(d.dstPool)}`,
    `  rule  ${d.rule ?? (d.nat ? '(not available)' : 'none fires')}`,
    '',
    '  how Felix decides:',
    ...d.trace.map((s) => `    ${s.result ? paint.yes('yes') : paint.no('no ')}  ${s.step}${paint.dim(`: ${s.detail}`)}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** formatDecisionJson renders a decision as spec/cli.md's JSON: indented, or one line (JSON Lines). */
export function formatDecisionJson(d: NatDecision, compact = false): string {
  return `${compact ? JSON.stringify(d) : JSON.stringify(d, null, 2)}\n`;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const utf8 = new TextEncoder();

/**
 * CsvFlowWriter writes `nat explain --flows -o csv` rows straight into a byte buffer: addresses
 * copied from the scanned text (IPv4 as written, which strict parsing makes canonical; IPv6
 * written canonically from its words), and every per-rule, per-pool and per-reason cell
 * encoded once. A row allocates nothing, so millions of rows cost no garbage collection.
 */
export class CsvFlowWriter {
  readonly #compiled: CompiledNat;
  readonly #verdicts = new Map<CompiledRule | null, Uint8Array>();
  readonly #pools = new Map<Family, Uint8Array[]>();
  readonly #reasons = new Map<NatReason, Uint8Array>();
  readonly #empty = new Uint8Array(0);
  #buf: Uint8Array;
  #pos = 0;
  // One-entry caches: consecutive rows mostly share their rule and reason.
  #lastRule: CompiledRule | null | undefined = undefined;
  #lastVerdict: Uint8Array = this.#empty;
  #lastReason: NatReason | undefined = undefined;
  #lastReasonBytes: Uint8Array = this.#empty;

  constructor(compiled: CompiledNat, capacity = 1 << 20) {
    this.#compiled = compiled;
    this.#buf = new Uint8Array(capacity);
    this.#bytes(utf8.encode(`${EXPLAIN_CSV_HEADER}\n`));
  }

  /** length is the number of bytes written and not yet taken. */
  get length(): number {
    return this.#pos;
  }

  /** row appends the CSV line of the scanner's current, evaluated flow. */
  row(line: FlowScanner, q: FlowQuery): void {
    if (this.#pos + ROW_MAX > this.#buf.length) this.#grow(ROW_MAX);
    if (q.rule !== this.#lastRule) {
      this.#lastRule = q.rule;
      this.#lastVerdict = this.#verdict(q.rule);
    }
    if (q.reason !== this.#lastReason) {
      this.#lastReason = q.reason;
      this.#lastReasonBytes = this.#reasons.get(q.reason) ?? utf8.encode(`${q.reason}\n`);
      this.#reasons.set(q.reason, this.#lastReasonBytes);
    }
    const buf = this.#buf;
    let pos = this.#pos;
    pos = q.srcFamily === 4 ? copyChars(line.text, line.srcStart, line.srcEnd, buf, pos) : writeIPv6Words(q.words, 0, buf, pos);
    buf[pos++] = 44;
    pos = q.dstFamily === 4 ? copyChars(line.text, line.dstStart, line.dstEnd, buf, pos) : writeIPv6Words(q.words, 4, buf, pos);
    buf[pos++] = 44;
    pos = copyBytes(this.#lastVerdict, buf, pos);
    pos = copyBytes(this.#pool(q.srcFamily, q.srcPool), buf, pos);
    buf[pos++] = 44;
    pos = copyBytes(this.#pool(q.dstFamily, q.dstPool), buf, pos);
    buf[pos++] = 44;
    this.#pos = copyBytes(this.#lastReasonBytes, buf, pos);
  }

  /** take returns the bytes written so far and starts a new buffer (the caller may keep the old one). */
  take(): Uint8Array {
    const out = this.#buf.subarray(0, this.#pos);
    this.#buf = new Uint8Array(this.#buf.length);
    this.#pos = 0;
    return out;
  }

  /** verdict returns the cells nat,action,toSource, of a rule (or of no rule), with the trailing comma. */
  #verdict(r: CompiledRule | null): Uint8Array {
    let v = this.#verdicts.get(r);
    if (!v) {
      v = utf8.encode(r ? `true,${r.actionName},${csvField(r.toSource ?? '')},` : 'false,none,,');
      this.#verdicts.set(r, v);
    }
    return v;
  }

  #pool(family: Family, i: number): Uint8Array {
    if (i < 0) return this.#empty;
    let names = this.#pools.get(family);
    if (!names) {
      names = this.#compiled.pools(family).map((p) => utf8.encode(csvField(p.name)));
      this.#pools.set(family, names);
    }
    return names[i]!;
  }

  #grow(need: number): void {
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + need));
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  #bytes(b: Uint8Array): void {
    if (this.#pos + b.length > this.#buf.length) this.#grow(b.length);
    this.#pos = copyBytes(b, this.#buf, this.#pos);
  }
}

/** ROW_MAX bounds one CSV row: two addresses, two pool names (253 bytes each, quoted), the verdict and the reason. */
const ROW_MAX = 2048;

/** copyBytes copies b to out at pos and returns the position after it (a loop beats TypedArray.set for a few bytes). */
function copyBytes(b: Uint8Array, out: Uint8Array, pos: number): number {
  for (let i = 0; i < b.length; i++) out[pos++] = b[i]!;
  return pos;
}

/** copyChars copies text[start, end), which is ASCII (a parsed address), to out at pos and returns the position after it. */
function copyChars(text: string, start: number, end: number, out: Uint8Array, pos: number): number {
  for (let k = start; k < end; k++) out[pos++] = text.charCodeAt(k);
  return pos;
}

/**
 * TableFlowWriter renders `nat explain --flows -o table` rows. Column widths come from the
 * header and the first rows given (so a stream of millions of rows needs no second pass); a
 * later, longer cell pushes its row's next columns right.
 */
export class TableFlowWriter {
  readonly #compiled: CompiledNat;
  #widths: number[] | null = null;

  constructor(compiled: CompiledNat) {
    this.#compiled = compiled;
  }

  /** cells returns the table cells of the scanner's current, evaluated flow. */
  cells(line: FlowScanner, q: FlowQuery): string[] {
    const r = q.rule;
    const pool = (family: Family, i: number): string => (i < 0 ? '-' : this.#compiled.pools(family)[i]!.name);
    return [
      line.srcText(),
      line.dstText(),
      r ? 'true' : 'false',
      r ? r.actionName : 'none',
      r?.toSource ?? '-',
      pool(q.srcFamily, q.srcPool),
      pool(q.dstFamily, q.dstPool),
      q.reason,
    ];
  }

  /** rows renders rows of cells; the first call sets the widths and prints the header. */
  rows(rows: readonly (readonly string[])[]): string {
    let out = '';
    if (!this.#widths) {
      this.#widths = TABLE_HEADER.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), h.length));
      out += this.#line(TABLE_HEADER);
    }
    for (const r of rows) out += this.#line(r);
    return out;
  }

  #line(cells: readonly string[]): string {
    const w = this.#widths!;
    let line = '';
    for (let i = 0; i < cells.length - 1; i++) line += `${cells[i]!.padEnd(w[i]!)}   `;
    return `${line}${cells[cells.length - 1]}\n`;
  }
}
