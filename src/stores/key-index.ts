/**
 * A string-keyed map for a bucket's keys, the memory store's lookup on every task: open addressing
 * with linear probing over typed arrays, each slot holding its key's hash beside the entry's index.
 * A lookup reads one run of adjacent slots and the one key whose hash matches; a Map of a million
 * keys walks a chain of entries scattered over its table and compares their keys (a lookup took
 * 0.55–0.6 µs there, 0.25 here, in manifest order or not). Entries are kept in insertion order, as a
 * Map's, with holes where keys were deleted until the next rebuild.
 *
 * The hash is FNV-1a over the key's UTF-16 code units from a per-index random basis, so that keys
 * chosen to collide in one process do not in another.
 *
 * A lookup first tries the entry after the one last found, by its hash (an array read beside the
 * last one), before the slots: keys are often asked for in the order they were written (a
 * manifest made from a listing or an inventory report, over a bucket filled by a copy or a test's
 * loop in key order), and that entry, its key and its value sit next to the last ones in memory,
 * where a slot is a cache miss or more in a large index. Asked out of order, the try costs one
 * comparison of numbers.
 */
export class KeyIndex<V> {
  /** Entry index + 1 of each slot; 0 is empty. */
  private slots: Int32Array;
  private hashes: Int32Array;
  private mask: number;
  private entryKeys: (string | undefined)[] = [];
  private entryValues: (V | undefined)[] = [];
  /** Each entry's hash, for the try at `last + 1`. */
  private entryHashes: number[] = [];
  /** The entry last found or added. */
  private last = -1;
  /** The last lookup found the entry after the one before it: the next is tried by its key alone, before hashing. */
  private streak = false;
  /** The hash of the key of the last lookup that found nothing (what `set` places it by). */
  private missHash = 0;
  private live = 0;
  private readonly basis = (Math.random() * 0x7fffffff) | 0;

  constructor(capacity = 16) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.live;
  }

  get(key: string): V | undefined {
    const e = this.entry(key);
    return e < 0 ? undefined : this.entryValues[e];
  }

  has(key: string): boolean {
    return this.entry(key) >= 0;
  }

  set(key: string, value: V): this {
    const e = this.entry(key);
    if (e >= 0) {
      this.entryValues[e] = value;
      return this;
    }
    const h = this.missHash;
    // Entries (holes included) stay below half the slots, so that probe runs stay short.
    if ((this.entryKeys.length + 1) * 2 > this.slots.length) this.rebuild();
    this.entryKeys.push(key);
    this.entryValues.push(value);
    this.entryHashes.push(h);
    this.live++;
    this.last = this.entryKeys.length - 1;
    this.place(h, this.entryKeys.length);
    return this;
  }

  delete(key: string): boolean {
    let i = this.find(key, this.hash(key));
    if (i < 0) return false;
    this.streak = false;
    const entry = this.slots[i]! - 1;
    this.entryKeys[entry] = undefined;
    this.entryValues[entry] = undefined;
    this.entryHashes[entry] = 0;
    this.live--;
    // Backward-shift deletion: later slots of the run move up where their probe allows, so that no
    // tombstone is left and every key stays reachable from its home slot.
    const mask = this.mask;
    for (let j = (i + 1) & mask; this.slots[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[j]! & mask;
      const between = i <= j ? i < home && home <= j : i < home || home <= j;
      if (between) continue;
      this.slots[i] = this.slots[j]!;
      this.hashes[i] = this.hashes[j]!;
      i = j;
    }
    this.slots[i] = 0;
    return true;
  }

  /** Keys in insertion order. */
  *keys(): IterableIterator<string> {
    for (const key of this.entryKeys) if (key !== undefined) yield key;
  }

  *entries(): IterableIterator<[string, V]> {
    const keys = this.entryKeys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== undefined) yield [keys[i]!, this.entryValues[i]!];
  }

  private hash(key: string): number {
    let h = this.basis ^ 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return h;
  }

  /**
   * The entry of `key`, or -1: the one after the last found when it is that key (compared
   * directly while a run of such lookups lasts, else by its hash first), else by the slots.
   */
  private entry(key: string): number {
    const next = this.last + 1;
    if (this.streak) {
      if (this.entryKeys[next] === key) return (this.last = next);
      this.streak = false;
    }
    const h = this.hash(key);
    if (this.entryHashes[next] === h && this.entryKeys[next] === key) {
      this.streak = true;
      return (this.last = next);
    }
    const slot = this.find(key, h);
    if (slot < 0) {
      this.missHash = h;
      return -1;
    }
    return (this.last = this.slots[slot]! - 1);
  }

  /** The slot holding `key`, or -1. */
  private find(key: string, h: number): number {
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = this.slots[i]!;
      if (e === 0) return -1;
      if (this.hashes[i] === h && this.entryKeys[e - 1] === key) return i;
    }
  }

  private place(h: number, entryPlusOne: number): void {
    const mask = this.mask;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = entryPlusOne;
    this.hashes[i] = h;
  }

  /** Drops the holes and, when the live keys need it, doubles the slots. */
  private rebuild(): void {
    const keys: string[] = [];
    const values: V[] = [];
    const hashes: number[] = [];
    for (let i = 0; i < this.entryKeys.length; i++) {
      if (this.entryKeys[i] === undefined) continue;
      keys.push(this.entryKeys[i]!);
      values.push(this.entryValues[i]!);
      hashes.push(this.entryHashes[i]!);
    }
    let size = this.slots.length;
    while ((keys.length + 1) * 4 > size) size *= 2;
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
    this.entryKeys = keys;
    this.entryValues = values;
    this.entryHashes = hashes;
    this.last = -1;
    this.streak = false;
    for (let e = 0; e < keys.length; e++) this.place(hashes[e]!, e + 1);
  }
}
