import { writeIPv6Words, writePrefix, writePrefixOf, type AddrValue, type Family, type Prefix } from '../core/index.js';

const utf8 = new TextEncoder();
const utf8Text = new TextDecoder();
/** PREFIX_MAX is the longest prefix text: a 45-character IPv6 address and "/128". */
const PREFIX_MAX = 49;

/**
 * TextChunk is a constant part of rendered text encoded once (with chunk), padded so that
 * TextBuffer.chunk can copy it four bytes at a time.
 */
export interface TextChunk {
  readonly view: DataView;
  readonly length: number;
  readonly ascii: boolean;
}

/** chunk encodes a constant part of rendered text for TextBuffer.chunk. */
export function chunk(s: string): TextChunk {
  const bytes = new Uint8Array(s.length * 3 + 4);
  const length = utf8.encodeInto(s, bytes).written;
  return { view: new DataView(bytes.buffer), length, ascii: length === s.length };
}

/**
 * TextBuffer builds rendered text as UTF-8 bytes, so that the thousands of set members of a
 * ruleset cost no string each: members are written straight from their values, constant
 * parts copied a word at a time from chunks encoded once, and the whole decoded into one
 * string at the end (as latin1 while it is all ASCII, the common case, which is fastest).
 */
export class TextBuffer {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;
  #ascii = true;

  /** constructor takes the expected size in bytes; the buffer grows as needed. */
  constructor(capacity = 1 << 16) {
    this.#buf = new Uint8Array(Math.max(capacity, 64));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** text appends a string. */
  text(s: string): this {
    this.#reserve(s.length * 3);
    const n = utf8.encodeInto(s, this.#buf.subarray(this.#pos)).written;
    if (n !== s.length) this.#ascii = false;
    this.#pos += n;
    return this;
  }

  /** line appends a string and a newline. */
  line(s: string): this {
    return this.text(s).byte(10);
  }

  /** chunk appends a constant part, four bytes at a time. */
  chunk(c: TextChunk): this {
    if (!c.ascii) this.#ascii = false;
    const n = c.length;
    this.#reserve(n + 3);
    const src = c.view;
    const out = this.#view;
    let pos = this.#pos;
    for (let k = 0; k < n; k += 4, pos += 4) out.setUint32(pos, src.getUint32(k, true), true);
    this.#pos += n;
    return this;
  }

  /** length is the number of bytes written (and not taken). */
  get length(): number {
    return this.#pos;
  }

  /** bytes appends src[start, end) (ASCII, such as an address as read). */
  bytes(src: Uint8Array, start: number, end: number): this {
    this.#reserve(end - start);
    const buf = this.#buf;
    let pos = this.#pos;
    for (let i = start; i < end; i++) buf[pos++] = src[i]!;
    this.#pos = pos;
    return this;
  }

  /** spaces appends n spaces (none for n <= 0). */
  spaces(n: number): this {
    if (n <= 0) return this;
    this.#reserve(n);
    this.#buf.fill(32, this.#pos, this.#pos + n);
    this.#pos += n;
    return this;
  }

  /** ipv6 appends the canonical text of the IPv6 address in words w[off..off+3] (writeIPv6Words). */
  ipv6(w: ArrayLike<number>, off: number): this {
    this.#reserve(PREFIX_MAX);
    this.#pos = writeIPv6Words(w, off, this.#buf, this.#pos);
    return this;
  }

  /** byte appends one ASCII character code. */
  byte(c: number): this {
    this.#reserve(1);
    this.#buf[this.#pos++] = c;
    return this;
  }

  /** prefix appends a prefix's canonical text (formatPrefix). */
  prefix(p: Prefix): this {
    this.#reserve(PREFIX_MAX);
    this.#pos = writePrefix(p, this.#buf, this.#pos);
    return this;
  }

  /** prefixOf appends the canonical text of the prefix first/bits (a PrefixVisitor's arguments). */
  prefixOf(family: Family, first: AddrValue, bits: number): this {
    this.#reserve(PREFIX_MAX);
    this.#pos = writePrefixOf(family, first, bits, this.#buf, this.#pos);
    return this;
  }

  /** take returns the bytes written so far (UTF-8) and starts over with a new buffer. */
  take(): Uint8Array {
    const out = this.#buf.subarray(0, this.#pos);
    this.#buf = new Uint8Array(this.#buf.length);
    this.#view = new DataView(this.#buf.buffer);
    this.#pos = 0;
    this.#ascii = true;
    return out;
  }

  /** toString returns the text. */
  toString(): string {
    if (!this.#ascii) return utf8Text.decode(this.#buf.subarray(0, this.#pos));
    return Buffer.from(this.#buf.buffer, this.#buf.byteOffset, this.#pos).toString('latin1');
  }

  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + n));
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
}
