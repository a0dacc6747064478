import { felixBackend, formatOrigin, writeIPv6Words, type CompiledNat, type CompiledRule, type Family, type FelixNatSettings, type FlowQuery, type FlowScanner, type NatDecision, type NatReason, type SettingValue } from '../core/index.js';
import { jsonSafe, visible } from '../base/terminal-text.js';
import { chunk, TextBuffer, type TextChunk } from '../render/text-buffer.js';
import { PLAIN, type Paint } from './paint.js';

// Output of `nat explain`: the text a person reads, JSON (spec/cli.md), and the batch rows
// (CSV, table) of --flows. Pool names come from input (-f files, the datastore): they are
// made visible (base/terminal-text.ts) wherever they are printed as text, and JSON is
// jsonSafe, so no control character reaches the terminal raw.

/** EXPLAIN_CSV_HEADER is the CSV header of `nat explain --flows -o csv` (spec/cli.md). */
export const EXPLAIN_CSV_HEADER = 'src,dst,nat,action,toSource,srcPool,dstPool,reason';

/** TABLE_HEADER are the columns of `nat explain --flows -o table`. */
const TABLE_HEADER = ['SRC', 'DST', 'NAT', 'ACTION', 'TO-SOURCE', 'SRC-POOL', 'DST-POOL', 'REASON'] as const;

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
  return `in IPPool ${visible(p.name)} ${p.cidr} (${flags.join(', ')})`;
}

/**
 * formatDecisionText renders one decision for people: the verdict first, then what the source
 * becomes, the pools of src and dst, the rule that fires, and Felix's steps.
 */
export function formatDecisionText(d: NatDecision, paint: Paint = PLAIN): string {
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
    ...d.trace.map((s) => `    ${s.result ? paint.yes('yes') : paint.no('no ')}  ${visible(s.step)}${paint.dim(`: ${visible(s.detail)}`)}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** SETTING_ROWS are the Felix settings explain reports, in the order shown. */
const SETTING_ROWS = [
  'natOutgoingAddress',
  'natOutgoingExclusions',
  'natPortRange',
  'iptablesNATOutgoingInterfaceFilter',
  'externalNodesList',
  'randomFully',
  'nftablesMode',
  'bpfEnabled',
] as const satisfies readonly (keyof FelixNatSettings)[];

/** settingValueText prints a resolved setting's value: none for unset, MIN:MAX, lists comma-separated. */
function settingValueText(v: unknown): string {
  if (v === undefined) return 'none';
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.join(',');
  if (typeof v === 'object' && v !== null && 'min' in v && 'max' in v) return `${String(v.min)}:${String(v.max)}`;
  return String(v);
}

/**
 * formatSettingsText lists the Felix settings a decision was made with and where each came
 * from (`natOutgoingAddress 192.0.2.1 from FelixConfiguration node.worker-1`); a value Felix
 * refuses is named with Felix's reason, the NAT backend the settings choose (felixBackend) and
 * why, and bpfEnabled true says the iptables/nftables view does not apply.
 */
export function formatSettingsText(f: FelixNatSettings): string {
  const lines = ['', `  Felix settings for node ${f.node}:`];
  for (const name of SETTING_ROWS) {
    const s = f[name] as SettingValue<unknown>;
    const bad = s.invalid ? ` (${JSON.stringify(s.raw)} is invalid: ${s.invalid}; Felix uses its default)` : '';
    lines.push(`    ${name} ${settingValueText(s.value)} from ${formatOrigin(s.origin)}${bad}`);
  }
  const b = felixBackend(f);
  lines.push(
    b
      ? `    NAT backend ${b.backend}: ${b.why} (nat apply, status, render and agent follow it; --backend overrides)`
      : '    NAT backend: no FelixConfiguration sets nftablesMode, so nat apply, status and agent detect it on the host (--backend auto) and nat render prints iptables',
  );
  if (f.bpfEnabled.value) lines.push('', '  bpfEnabled: Felix does outgoing NAT in eBPF programs on this node; the iptables/nftables decision above does not apply there');
  return `${lines.join('\n')}\n`;
}

/** settingsJson is the settings as JSON: each setting's value and its origin ("from"). */
export function settingsJson(f: FelixNatSettings): Record<string, unknown> {
  const out: Record<string, unknown> = { node: f.node };
  for (const name of SETTING_ROWS) {
    const s = f[name] as SettingValue<unknown>;
    out[name] = { value: s.value ?? null, from: formatOrigin(s.origin), ...(s.invalid ? { invalid: s.invalid, raw: s.raw } : {}) };
  }
  const b = felixBackend(f);
  out.backend = b ? { value: b.backend, from: b.why } : { value: 'auto', from: 'no FelixConfiguration sets nftablesMode: detected on the host' };
  return out;
}

/**
 * formatDriftText says, before a --live decision, whether the kernel holds what the pools ask
 * for: "in step with the pools", or each difference (the decision below is the kernel's).
 */
export function formatDriftText(drift: readonly { readonly family: number; readonly text: string }[]): string {
  if (drift.length === 0) return "the kernel's NAT ruleset is in step with the pools\n\n";
  const lines = ["drift: the kernel's NAT ruleset differs from what the pools ask for; the decision below is what the kernel does:", ...drift.map((d) => `  IPv${d.family}: ${d.text}`)];
  return `${lines.join('\n')}\n\n`;
}

/** formatDecisionJson renders a decision as spec/cli.md's JSON: indented, or one line (JSON Lines). */
export function formatDecisionJson(d: NatDecision | (NatDecision & { settings?: unknown; drift?: unknown }), compact = false): string {
  return `${jsonSafe(compact ? JSON.stringify(d) : JSON.stringify(d, null, 2))}\n`;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const utf8 = new TextEncoder();

/**
 * Cells is an arena of encoded CSV cells. Rows copy cells four bytes at a time (copy4), which
 * may read up to 3 bytes past a cell's end: the arena always has that slack.
 */
class Cells {
  bytes = new Uint8Array(1024);
  view = new DataView(this.bytes.buffer);
  length = 0;

  /**
   * addAll appends cells and returns where they are: cell i is [at[i], at[i + 1]). ASCII text,
   * the usual case, is encoded in one go.
   */
  addAll(cells: readonly string[]): Int32Array {
    const at = new Int32Array(cells.length + 1);
    const all = cells.join('');
    const start = this.add(all);
    if (this.length - start === all.length) {
      at[0] = start;
      for (let i = 0; i < cells.length; i++) at[i + 1] = at[i]! + cells[i]!.length;
      return at;
    }
    this.length = start;
    for (let i = 0; i < cells.length; i++) at[i] = this.add(cells[i]!);
    at[cells.length] = this.length;
    return at;
  }

  /** add appends a cell's UTF-8 text and returns where it starts; it ends at length. */
  add(cell: string): number {
    const start = this.length;
    // UTF-8 takes at most 3 bytes per UTF-16 unit; then the slack.
    const need = start + cell.length * 3 + 4;
    if (need > this.bytes.length) {
      const next = new Uint8Array(Math.max(this.bytes.length * 2, need));
      next.set(this.bytes.subarray(0, start));
      this.bytes = next;
      this.view = new DataView(next.buffer);
    }
    this.length += utf8.encodeInto(cell, this.bytes.subarray(start)).written;
    return start;
  }
}

/** copy4 copies src[from, to) to out at pos, four bytes at a time, and returns the position after it; it may read and write up to 3 bytes beyond. */
function copy4(src: DataView, from: number, to: number, out: DataView, pos: number): number {
  let k = from;
  for (; k < to; k += 4, pos += 4) out.setUint32(pos, src.getUint32(k, true), true);
  return pos - (k - to);
}

/** ADDR_MAX is the longest canonical address: an IPv4-mapped IPv6 address (IPv4 is copied as written, at most 15). */
const ADDR_MAX = 45;

/**
 * CsvFlowWriter writes `nat explain --flows -o csv` rows straight into a byte buffer: addresses
 * copied from the scanned bytes (IPv4 as written, which strict parsing makes canonical; IPv6
 * written canonically from its words), and every per-pool and per-outcome cell encoded once
 * and copied a word at a time. A row allocates nothing, so millions of rows cost no garbage
 * collection.
 */
export class CsvFlowWriter {
  readonly #cells = new Cells();
  /** pools4 and pools6 locate the pools' cells (name and comma) in cells: pool i is [pools[i], pools[i + 1]). */
  readonly #pools4: Int32Array;
  readonly #pools6: Int32Array;
  /** noPool is where the cell of no pool (the comma alone) starts. */
  readonly #noPool: number;
  /** outcomes seen: rule and reason, and where their cells are (nat,action,toSource, and reason with the newline). */
  readonly #rules: (CompiledRule | null)[] = [];
  readonly #reasons: NatReason[] = [];
  readonly #cellBounds: number[] = [];
  /** rowMax bounds one row: two addresses, two pool cells, the outcome cells, the commas and copy4's slack. */
  #rowMax: number;
  readonly #rowBase: number;
  #longestOutcome = 0;
  #buf: Uint8Array;
  #out: DataView;
  #pos = 0;
  /** spare holds buffers given back with recycle, for take to reuse. */
  readonly #spare: Uint8Array[] = [];
  /** in is a view of the scanned bytes (the last FlowScanner.bytes seen). */
  #inBytes: Uint8Array | null = null;
  #in: DataView | null = null;

  constructor(compiled: CompiledNat, capacity = 1 << 20) {
    const cellsOf = (family: Family): Int32Array => this.#cells.addAll(compiled.pools(family).map((p) => `${csvField(visible(p.name))},`));
    this.#pools4 = cellsOf(4);
    this.#pools6 = cellsOf(6);
    this.#noPool = this.#cells.add(',');
    let longest = 0;
    for (const at of [this.#pools4, this.#pools6]) for (let i = 0; i + 1 < at.length; i++) longest = Math.max(longest, at[i + 1]! - at[i]!);
    this.#rowBase = 2 * ADDR_MAX + 2 * longest + 16;
    this.#rowMax = this.#rowBase;
    this.#buf = new Uint8Array(capacity);
    this.#out = new DataView(this.#buf.buffer);
    const header = utf8.encode(`${EXPLAIN_CSV_HEADER}\n`);
    this.#reserve(header.length);
    this.#buf.set(header);
    this.#pos = header.length;
  }

  /** length is the number of bytes written and not yet taken. */
  get length(): number {
    return this.#pos;
  }

  /** row appends the CSV line of the scanner's current, evaluated flow. */
  row(line: FlowScanner, q: FlowQuery): void {
    const rules = this.#rules;
    const reasons = this.#reasons;
    let k = 0;
    while (k < rules.length && (rules[k] !== q.rule || reasons[k] !== q.reason)) k++;
    if (k === rules.length) this.#outcome(q.rule, q.reason);
    if (this.#pos + this.#rowMax > this.#buf.length) this.#reserve(this.#rowMax);
    if (line.bytes !== this.#inBytes) {
      this.#inBytes = line.bytes;
      this.#in = new DataView(line.bytes.buffer, line.bytes.byteOffset, line.bytes.byteLength);
    }
    const buf = this.#buf;
    const out = this.#out;
    const cells = this.#cells.view;
    const bounds = this.#cellBounds;
    let pos = this.#pos;
    if (q.srcFamily === 4 && q.dstFamily === 4 && line.dstStart === line.srcEnd + 1) {
      // "SRC DST" as written, one separator byte between: one copy, and the separator made a comma.
      pos = this.#copyInput(line.srcStart, line.dstEnd, pos);
      buf[pos - (line.dstEnd - line.srcEnd)] = 44;
    } else {
      pos = q.srcFamily === 4 ? this.#copyInput(line.srcStart, line.srcEnd, pos) : writeIPv6Words(q.words, 0, buf, pos);
      buf[pos++] = 44;
      pos = q.dstFamily === 4 ? this.#copyInput(line.dstStart, line.dstEnd, pos) : writeIPv6Words(q.words, 4, buf, pos);
    }
    buf[pos++] = 44;
    pos = copy4(cells, bounds[4 * k]!, bounds[4 * k + 1]!, out, pos);
    const src = q.srcFamily === 4 ? this.#pools4 : this.#pools6;
    const sp = q.srcPool;
    pos = sp < 0 ? copy4(cells, this.#noPool, this.#noPool + 1, out, pos) : copy4(cells, src[sp]!, src[sp + 1]!, out, pos);
    const dst = q.dstFamily === 4 ? this.#pools4 : this.#pools6;
    const dp = q.dstPool;
    pos = dp < 0 ? copy4(cells, this.#noPool, this.#noPool + 1, out, pos) : copy4(cells, dst[dp]!, dst[dp + 1]!, out, pos);
    this.#pos = copy4(cells, bounds[4 * k + 2]!, bounds[4 * k + 3]!, out, pos);
  }

  /** take returns the bytes written so far and starts a new buffer (the caller may keep the old one). */
  take(): Uint8Array {
    const out = this.#buf.subarray(0, this.#pos);
    this.#buf = this.#spare.pop() ?? new Uint8Array(this.#buf.length);
    this.#out = new DataView(this.#buf.buffer);
    this.#pos = 0;
    return out;
  }

  /** recycle gives back bytes that take returned, once the caller is done with them (written), so that take reuses their buffer. */
  recycle(bytes: Uint8Array): void {
    if (bytes.byteOffset === 0 && bytes.buffer.byteLength === this.#buf.length) this.#spare.push(new Uint8Array(bytes.buffer));
  }

  /** copyInput copies scanned bytes [from, to) to the buffer at pos (a word at a time unless that would read past them). */
  #copyInput(from: number, to: number, pos: number): number {
    const src = this.#in!;
    if (to + 3 <= src.byteLength) return copy4(src, from, to, this.#out, pos);
    const bytes = this.#inBytes!;
    const buf = this.#buf;
    for (let i = from; i < to; i++) buf[pos++] = bytes[i]!;
    return pos;
  }

  /** outcome encodes the cells of a rule (or of no rule) and a reason: nat,action,toSource, and reason\n. */
  #outcome(r: CompiledRule | null, reason: NatReason): void {
    const cells = this.#cells;
    const verdict = cells.add(r ? `true,${r.actionName},${csvField(r.toSource ?? '')},` : 'false,none,,');
    const verdictEnd = cells.length;
    const because = cells.add(`${reason}\n`);
    this.#rules.push(r);
    this.#reasons.push(reason);
    this.#cellBounds.push(verdict, verdictEnd, because, cells.length);
    this.#longestOutcome = Math.max(this.#longestOutcome, cells.length - verdict);
    this.#rowMax = this.#rowBase + this.#longestOutcome;
  }

  /** reserve makes room for n more bytes. */
  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + n));
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#out = new DataView(next.buffer);
  }
}

/** TABLE_SAMPLE is how many rows, at least, set the table's column widths. */
const TABLE_SAMPLE = 4096;

/**
 * TableFlowWriter renders `nat explain --flows -o table` rows. Column widths come from the
 * header and the rows given before the first take that has at least `sample` of them (or
 * the last take), so a stream of millions of rows needs no second pass; a later, longer cell
 * pushes its row's next columns right. After that, rows are written straight into bytes:
 * addresses as read or from their words, the other cells padded once per pool and outcome.
 */
export class TableFlowWriter {
  readonly #compiled: CompiledNat;
  readonly #sampleSize: number;
  #widths: number[] | null = null;
  /** sample holds the cells of the rows given while the widths are not set. */
  #sample: string[][] = [];
  readonly #out = new TextBuffer(1 << 20);
  /** cells caches padded cells: the outcome's NAT, ACTION and TO-SOURCE, and REASON; the pools' SRC-POOL and DST-POOL. */
  readonly #rules: (CompiledRule | null)[] = [];
  readonly #reasons: NatReason[] = [];
  readonly #verdictCells: TextChunk[] = [];
  readonly #reasonCells: TextChunk[] = [];
  /** poolCells[column][family] holds pool i's padded cell at i + 1 (- at 0), made on first use. */
  readonly #poolCells: Record<5 | 6, Record<Family, (TextChunk | undefined)[]>> = { 5: { 4: [], 6: [] }, 6: { 4: [], 6: [] } };

  constructor(compiled: CompiledNat, sample = TABLE_SAMPLE) {
    this.#compiled = compiled;
    this.#sampleSize = sample;
  }

  /** row adds the scanner's current, evaluated flow. */
  row(line: FlowScanner, q: FlowQuery): void {
    const w = this.#widths;
    if (!w) {
      this.#sample.push(this.#cells(line, q));
      return;
    }
    const rules = this.#rules;
    const reasons = this.#reasons;
    let k = 0;
    while (k < rules.length && (rules[k] !== q.rule || reasons[k] !== q.reason)) k++;
    if (k === rules.length) this.#outcome(q.rule, q.reason, w);
    const out = this.#out;
    let start = out.length;
    if (q.srcFamily === 4) out.bytes(line.bytes, line.srcStart, line.srcEnd);
    else out.ipv6(q.words, 0);
    out.spaces(w[0]! - (out.length - start)).spaces(3);
    start = out.length;
    if (q.dstFamily === 4) out.bytes(line.bytes, line.dstStart, line.dstEnd);
    else out.ipv6(q.words, 4);
    out.spaces(w[1]! - (out.length - start)).spaces(3);
    out.chunk(this.#verdictCells[k]!).chunk(this.#pool(q.srcFamily, q.srcPool, 5)).chunk(this.#pool(q.dstFamily, q.dstPool, 6)).chunk(this.#reasonCells[k]!);
  }

  /**
   * take returns the text of the rows added so far, once the widths are set: by a take with at
   * least `sample` rows waiting, or the final one (which sets them from what there is).
   */
  take(final = false): Uint8Array {
    const sample = this.#sample;
    if (!this.#widths && sample.length > 0 && (final || sample.length >= this.#sampleSize)) {
      const w = TABLE_HEADER.map((h, i) => sample.reduce((n, r) => Math.max(n, r[i]!.length), h.length));
      this.#widths = w;
      this.#out.text(this.#line(TABLE_HEADER, w));
      for (const r of sample) this.#out.text(this.#line(r, w));
      this.#sample = [];
    }
    return this.#out.take();
  }

  /** cells returns the table cells of the scanner's current, evaluated flow. */
  #cells(line: FlowScanner, q: FlowQuery): string[] {
    const r = q.rule;
    const pool = (family: Family, i: number): string => (i < 0 ? '-' : visible(this.#compiled.pools(family)[i]!.name));
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

  /** line renders a row of cells: each but the last padded to its column and followed by three spaces. */
  #line(cells: readonly string[], w: readonly number[]): string {
    let line = '';
    for (let i = 0; i < cells.length - 1; i++) line += `${cells[i]!.padEnd(w[i]!)}   `;
    return `${line}${cells[cells.length - 1]}\n`;
  }

  /** outcome encodes the cells of a rule (or of no rule) and a reason. */
  #outcome(r: CompiledRule | null, reason: NatReason, w: readonly number[]): void {
    const cells = [r ? 'true' : 'false', r ? r.actionName : 'none', r?.toSource ?? '-'];
    this.#rules.push(r);
    this.#reasons.push(reason);
    this.#verdictCells.push(chunk(cells.map((c, i) => `${c.padEnd(w[i + 2]!)}   `).join('')));
    this.#reasonCells.push(chunk(`${reason}\n`));
  }

  /** pool returns the padded cell of a pool (- for none) in column col (SRC-POOL or DST-POOL). */
  #pool(family: Family, i: number, col: 5 | 6): TextChunk {
    const cells = this.#poolCells[col][family];
    return (cells[i + 1] ??= chunk(`${(i < 0 ? '-' : visible(this.#compiled.pools(family)[i]!.name)).padEnd(this.#widths![col]!)}   `));
  }
}
