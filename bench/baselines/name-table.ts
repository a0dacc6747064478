// NameTable as poolctl had it until 833a219 (core/name-table.ts), kept only as the `names` bench's
// baseline: OverlapIndex now uses a Map, which the bench measures as fast.
/**
 * NameTable maps names to values, for indexes holding many names that are mostly looked up
 * when absent (OverlapIndex: every new pool's name). It is an open-addressing hash table
 * whose slots keep each name's 32-bit hash in a typed array, so a lookup touches that small
 * array and compares strings only on a hash match; a Map walks chains of entries and key
 * strings scattered over the heap, and at 100,000 names its misses cost ~1 µs each in cache
 * misses. Values must be objects (undefined marks an empty slot). When a probe grows past
 * maxProbe (names whose hashes collide, by chance or by design) the table moves everything
 * to a Map, whose hash V8 seeds per process: the worst case stays a Map's.
 */
export class NameTable<V extends object> {
  private hashes = new Int32Array(1024);
  private names: string[] = new Array<string>(1024).fill('');
  private values: (V | undefined)[] = new Array<V | undefined>(1024).fill(undefined);
  private count = 0;
  private map: Map<string, V> | undefined;

  /** maxProbe bounds the slots a lookup may visit before the table becomes a Map (tests lower it). */
  constructor(private readonly maxProbe = 32) {}

  /** size is the number of names. */
  get size(): number {
    return this.map ? this.map.size : this.count;
  }

  /** get returns the value of a name, if any. */
  get(name: string): V | undefined {
    if (this.map) return this.map.get(name);
    const h = hashName(name);
    const mask = this.hashes.length - 1;
    for (let i = h & mask, probe = 0; ; i = (i + 1) & mask, probe++) {
      const x = this.hashes[i]!;
      if (x === 0) return undefined;
      if (x === h && this.names[i] === name) return this.values[i];
      if (probe === this.maxProbe) return this.toMap().get(name);
    }
  }

  /** set gives a name its value (replacing any). */
  set(name: string, value: V): void {
    if (this.map) {
      this.map.set(name, value);
      return;
    }
    if ((this.count + 1) * 2 > this.hashes.length) this.grow();
    const h = hashName(name);
    const mask = this.hashes.length - 1;
    for (let i = h & mask, probe = 0; ; i = (i + 1) & mask, probe++) {
      const x = this.hashes[i]!;
      if (x === 0 || (x === h && this.names[i] === name)) {
        if (x === 0) this.count++;
        this.hashes[i] = h;
        this.names[i] = name;
        this.values[i] = value;
        return;
      }
      if (probe === this.maxProbe) {
        this.toMap().set(name, value);
        return;
      }
    }
  }

  /** grow doubles the table (the load stays at most one half). */
  private grow(): void {
    const { hashes, names, values } = this;
    const n = hashes.length * 2;
    const mask = n - 1;
    this.hashes = new Int32Array(n);
    this.names = new Array<string>(n).fill('');
    this.values = new Array<V | undefined>(n).fill(undefined);
    for (let k = 0; k < hashes.length; k++) {
      const h = hashes[k]!;
      if (h === 0) continue;
      let i = h & mask;
      while (this.hashes[i] !== 0) i = (i + 1) & mask;
      this.hashes[i] = h;
      this.names[i] = names[k]!;
      this.values[i] = values[k];
    }
  }

  /** toMap moves every name to a Map, which serves from then on. */
  private toMap(): Map<string, V> {
    const map = new Map<string, V>();
    for (let k = 0; k < this.hashes.length; k++) if (this.hashes[k] !== 0) map.set(this.names[k]!, this.values[k]!);
    this.map = map;
    this.hashes = new Int32Array(0);
    this.names = [];
    this.values = [];
    return map;
  }
}

/** hashName is FNV-1a over a name's UTF-16 code units, never 0 (the empty slot). */
function hashName(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h | 1;
}
