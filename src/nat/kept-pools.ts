import type { NatPool } from '../core/index.js';
import type { LoadedResource, MemoDocuments, MemoHit, ResourceOrigin } from '../manifest/load.js';

/** Kept is a pool read the usual way: where it starts (for a later pool of the same name) and, with positions, its resource. */
export interface Kept {
  readonly origin: ResourceOrigin;
  readonly res?: LoadedResource;
}

/** SLOT is the number of Int32 fields KeptPools keeps per slot (see KeptPools.meta). */
const SLOT = 4;

/**
 * KeptPools are the IPPools one load of files read (loadNatPools), one slot each in input
 * order; a later pool of a name empties the earlier's slot, so the slots not emptied are the
 * pools, in the order `apply -f` would leave them. A pool taken from its document's text
 * keeps no object: only numbers (which input, which document, which resource), made into a
 * MemoHit when a duplicate name or a position asks. A PoolMemo looks documents up in the
 * slots of the load that recorded (their text is where the numbers say).
 */
export class KeptPools {
  /** pools[s] is slot s's pool (emptied slots keep theirs, for the memo). */
  readonly pools: NatPool[] = [];
  /**
   * meta holds SLOT numbers per slot: the input (into `inputs`) its document's text is in, -1
   * when its text is not remembered (a pool read with findings, or not from a YAML stream cut
   * at its markers); its document k (0-based) there; its resource index; 1 when emptied.
   */
  private meta = new Int32Array(SLOT * 1024);
  /** objects holds slots' Kept (read the usual way) and MemoHits (made on demand). */
  private readonly objects = new Map<number, Kept | MemoHit>();
  /** inputs are the inputs whose documents were taken from their text. */
  private readonly inputs: MemoDocuments[] = [];
  /** byName is the slot of each name's latest pool (following a recording load: of the names it has not). */
  private readonly byName = new Map<string, number>();
  /** unique: no two slots had one name (so far). */
  unique = true;
  /**
   * base is the recording load this one follows (see follow): then at[j] is 1 + the slot of
   * the latest pool with the name of base's slot j (0: none), and byName holds only the names
   * base has not.
   */
  private base: KeptPools | undefined;
  private at = new Int32Array(0);

  /**
   * follow makes names go through `base`, a finished recording load with unique names, from
   * now on: a pool taken from one of base's slots finds its name's latest pool with no hashing.
   */
  follow(base: KeptPools): void {
    this.base = base;
    this.at = new Int32Array(base.pools.length);
    for (const [name, s] of this.byName) {
      const j = base.byName.get(name);
      if (j === undefined) continue;
      this.at[j] = s + 1;
      this.byName.delete(name);
    }
  }

  /** latest returns the slot of the latest pool named `name` (j: its slot in base when known, else -1), or -1. */
  private latest(name: string, j = this.base?.byName.get(name) ?? -1): number {
    return j >= 0 ? this.at[j]! - 1 : (this.byName.get(name) ?? -1);
  }

  /** slotOf returns the slot of the latest pool named `name`, or undefined. */
  slotOf(name: string): number | undefined {
    const s = this.latest(name);
    return s < 0 ? undefined : s;
  }

  /** inputOf returns the number of an input (added on first use). */
  inputOf(docs: MemoDocuments): number {
    const n = this.inputs.length;
    if (n > 0 && this.inputs[n - 1] === docs) return n - 1;
    const i = this.inputs.indexOf(docs);
    if (i >= 0) return i;
    this.inputs.push(docs);
    return n;
  }

  /** current is the number of the input last taken from, for `file` (-1 if it is another). */
  current(file: string): number {
    const n = this.inputs.length;
    return n > 0 && this.inputs[n - 1]!.file === file ? n - 1 : -1;
  }

  /**
   * add keeps a pool in a new slot: its document k of input `input` (-1: none remembered) and
   * resource `index`, `kept` for a pool read the usual way, and `j`, the slot of base (see
   * follow) it was taken from (-1: none). Returns the slot of the earlier pool of the same
   * name, now emptied, or -1.
   */
  add(pool: NatPool, input: number, k: number, index: number, kept?: Kept, j = -1): number {
    const s = this.pools.length;
    this.pools.push(pool);
    let m = this.meta;
    if (SLOT * s + SLOT > m.length) {
      const grown = new Int32Array(m.length * 2);
      grown.set(m);
      this.meta = m = grown;
    }
    m[SLOT * s] = input;
    m[SLOT * s + 1] = k;
    m[SLOT * s + 2] = index;
    if (kept) this.objects.set(s, kept);
    // A pool taken from base's slot j has that slot's name (base's names are unique).
    if (!this.base) j = -1;
    else if (j < 0) j = this.base.byName.get(pool.name) ?? -1;
    const earlier = this.latest(pool.name, j);
    if (j >= 0) this.at[j] = s + 1;
    else this.byName.set(pool.name, s);
    if (earlier < 0) return -1;
    m[SLOT * earlier + 3] = 1;
    this.unique = false;
    return earlier;
  }

  /** settled returns slot s's Kept, or its MemoHit (made on first use). */
  settled(s: number): Kept | MemoHit {
    let r = this.objects.get(s);
    if (!r) {
      const m = this.meta;
      r = this.inputs[m[SLOT * s]!]!.hit(m[SLOT * s + 1]!, m[SLOT * s + 2]!);
      this.objects.set(s, r);
    }
    return r;
  }

  /** resource returns slot s's resource: kept with positions, or read again for a pool taken from its text. */
  resource(s: number): LoadedResource | undefined {
    const r = this.settled(s);
    return isHit(r) ? r.resource() : r.res;
  }

  /** same reports whether slot s remembers its document's text and it is the text [from, to) of text. */
  same(s: number, text: string, from: number, to: number): boolean {
    const m = this.meta;
    const i = m[SLOT * s]!;
    if (i < 0) return false;
    const docs = this.inputs[i]!;
    const k = m[SLOT * s + 1]!;
    const at = docs.textFrom(k);
    if (docs.textTo(k) - at !== to - from) return false;
    return (docs.text === text && at === from) || docs.text.startsWith(text.slice(from, to), at);
  }

  /** remembered is the number of slots whose document's text is remembered. */
  remembered(): number {
    let n = 0;
    for (let s = 0; s < this.pools.length; s++) if (this.meta[SLOT * s]! >= 0) n++;
    return n;
  }

  /** list returns the pools of the slots not emptied, in order. */
  list(): NatPool[] {
    const out: NatPool[] = [];
    const m = this.meta;
    for (let s = 0; s < this.pools.length; s++) if (m[SLOT * s + 3] === 0) out.push(this.pools[s]!);
    return out;
  }
}

/** isHit tells a MemoHit from a Kept. */
function isHit(r: Kept | MemoHit): r is MemoHit {
  return typeof (r as MemoHit).resource === 'function';
}

/**
 * PoolMemo remembers the pools of the first load that uses it (nat diff's before state): its
 * KeptPools, whose documents taken from their text or read without any finding are
 * remembered by where their text is. A later load takes a document of byte-identical text as
 * that pool again, with no finding, and does not read it (its positions are found when asked).
 * nat diff's two states share ~99% of their documents, mostly in the same order: a document
 * is looked for among the next few slots after the last one taken (find), else, for a
 * document of the pool shape, under its name (findNamed). Every text is compared in full;
 * nothing but names is hashed.
 */
export class PoolMemo {
  /** recorder is the recording load's pools; sealed once its load read its last input. */
  private recorder: KeptPools | undefined;
  private sealed = false;
  /** next is the slot after the last one taken, where find looks first. */
  private next = 0;

  /** claim makes the load of `pools` the recording one, if none is: true when it is. */
  claim(pools: KeptPools): boolean {
    if (this.recorder) return false;
    this.recorder = pools;
    return true;
  }

  /** seal says the recording load has read its last input: its slots do not change any more. */
  seal(): void {
    this.sealed = true;
  }

  /** base returns the recording load's pools for KeptPools.follow when they are final and their names unique, else undefined. */
  base(): KeptPools | undefined {
    return this.sealed && this.recorder?.unique ? this.recorder : undefined;
  }

  /** size is the number of documents remembered. */
  get size(): number {
    return this.recorder ? this.recorder.remembered() : 0;
  }

  /** pool returns slot j's pool. */
  pool(j: number): NatPool {
    return this.recorder!.pools[j]!;
  }

  /**
   * find returns the slot of the document whose text is [from, to) of text when it is one of
   * the next FIND_AHEAD remembered (a document changed, added or removed in between keeps the
   * order), else -1.
   */
  find(text: string, from: number, to: number): number {
    const r = this.recorder;
    if (!r) return -1;
    const end = Math.min(this.next + FIND_AHEAD, r.pools.length);
    for (let j = this.next; j < end; j++) {
      if (r.same(j, text, from, to)) {
        this.next = j + 1;
        return j;
      }
    }
    return -1;
  }

  /** findNamed returns the slot of a document named `name` whose text is [from, to) of text when one is remembered, else -1. */
  findNamed(name: string, text: string, from: number, to: number): number {
    const j = this.recorder?.slotOf(name);
    if (j === undefined || !this.recorder!.same(j, text, from, to)) return -1;
    this.next = j + 1;
    return j;
  }
}

/** FIND_AHEAD is how many slots PoolMemo.find compares, from the one after the last taken. */
const FIND_AHEAD = 3;
