// CorpusIndex: the prefix index the model decodes against. Keys are token-id sequences
// (title part + separator + passage part, tokenized in context); the index keeps each key only up to the point
// where it is unique (the paper's trick), as a path-compressed trie in flat typed arrays:
//
// - Keys are sorted; an index "position" is a key's rank. The passages below any state are a contiguous range of
//   positions, so a sum over any per-passage array (a lexical prior) is O(1) per state with prefix sums. `order`
//   maps a position to the caller's entry number.
// - Nodes are numbered breadth-first (root = 0). The children of node k are the "slots" slotStart(k) ..
//   slotStart(k+1): slotLabel holds each child's first token (sorted within a node), and a bit per slot says whether
//   the child is a node of its own or a leaf (one key). Because slots are laid out in the same breadth-first order,
//   the node behind slot j is 1 + (node slots before j) — a rank query: no child pointers are stored.
// - A leaf always covers one key; a node covers `size` keys, kept as prefix sums (sizeBefore), so the range of any
//   child follows from its parent's range with two rank queries: no per-slot positions are stored either.
// - Node k's edge may go on past its label with tokens every key below it shares:
//   runTokens[runStart(k) .. runStart(k+1)). Identical keys form a node with no run and no slots: a leaf group.
// - The per-node monotone arrays (slotStart, runStart, sizeBefore) are stored as a base per 64 nodes plus
//   16-bit deltas: 2 bytes a node instead of 4. A block whose deltas overflow 16 bits (the few nodes near the root
//   of a large corpus, whose sizes are in the hundreds of thousands) keeps its values whole in a side array.
// - Token ids (slot labels, run tokens) are 16-bit when the vocabulary allows, and `order` is bit-packed at the
//   width of the largest entry number: about 14 bytes a passage at a million passages with a small vocabulary.
//
// A decoding state is (node, offset in its run, range, depth); a step is O(log children) and never re-walks
// from the root, so its cost does not grow with the prefix length.

import { rangeMass, type PrefixIndex, type TokenIds } from './prefix-index';

/** One key to index: its token ids and how many of them are the title part. */
export interface IndexKey {
  readonly tokens: ArrayLike<number>;
  readonly titleLength: number;
}

/** Where decoding stands in the index. Immutable; `advance` returns a new state. */
export interface IndexState {
  /** Node id, or LEAF once the prefix identifies one key (a group of identical keys is a node without children). */
  readonly node: number;
  /** Tokens of the node's run already consumed. */
  readonly offset: number;
  /** First index position below this state. */
  readonly lo: number;
  /** One past the last index position below this state. */
  readonly hi: number;
  /** Tokens consumed since the root. */
  readonly depth: number;
}

export const LEAF = -1;

export interface BuildOptions {
  /** What a key reads as past its end (the model's end-of-sequence id). */
  readonly endToken: number;
  /** Entry number of each key (default: its position in the list). */
  readonly entryIds?: ArrayLike<number>;
  /** Keep whole keys (leaves only past a key's end) instead of cutting at the unique prefix. For small indexes
   * that must be walked beside another one (LiveIndex's delta). */
  readonly fullKeys?: boolean;
}

const EMPTY = new Uint32Array(0);

/** Everything the index is made of; `serializeIndex` (index-format.ts) writes exactly these. */
export interface CorpusIndexArrays {
  /** slotStart[k] = slotStartBase[k >> 6] + slotStartDelta[k]: monotone arrays are stored as a 32-bit base per
   * 64 nodes plus 16-bit deltas. A base with its top bit set (WIDE) marks a block whose deltas overflow 16 bits:
   * its 64 values are slotStartWide[(base - WIDE) ..]. Same for runStart and sizeBefore. (Indexes of format 1 have
   * no wide blocks, and 32-bit deltas where one overflowed.) */
  readonly slotStartBase: Uint32Array;
  readonly slotStartDelta: Uint16Array | Uint32Array;
  readonly slotStartWide: Uint32Array;
  readonly slotLabel: TokenIds;
  /** Bit j set when slot j leads to a node (not a single-key leaf). */
  readonly nodeSlotBits: Uint32Array;
  /** Node slots before each 32-slot word: the rank directory. */
  readonly nodeSlotRank: Uint32Array;
  /** Keys below nodes 0 .. k-1, for each k (prefix sums of node sizes, breadth-first). */
  readonly sizeBeforeBase: Uint32Array;
  readonly sizeBeforeDelta: Uint16Array | Uint32Array;
  readonly sizeBeforeWide: Uint32Array;
  readonly runStartBase: Uint32Array;
  readonly runStartDelta: Uint16Array | Uint32Array;
  readonly runStartWide: Uint32Array;
  readonly runTokens: TokenIds;
  /** Index position → entry number (the caller's numbering of the keys given to `build`), `orderBits` bits per
   * position, little-endian within 32-bit words. */
  readonly order: Uint32Array;
  readonly orderBits: number;
  /** Title-part length of the key at each index position (capped at 255 tokens). */
  readonly titleLength: Uint8Array;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Token of `key` at `depth`; past its end a key reads as `end`, so a key that is a prefix of another still
 * gets a leaf of its own (reached by generating `end`, e.g. the model's end-of-sequence token). */
function tokenAt(key: ArrayLike<number>, depth: number, end: number): number {
  return depth < key.length ? (key[depth] as number) : end;
}

function compareKeys(a: ArrayLike<number>, b: ArrayLike<number>, end: number): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = tokenAt(a, i, end) - tokenAt(b, i, end);
    if (d !== 0) return d;
  }
  return 0;
}

const BLOCK_SHIFT = 6;
const BLOCK = 1 << BLOCK_SHIFT;
/** Top bit of a block's base: the block's values are whole in the wide array (see CorpusIndexArrays). */
const WIDE = 0x80000000;

/** Splits a non-decreasing array into a 32-bit base per block of 64 and 16-bit deltas; a block whose deltas
 * overflow keeps its values whole in `wide`. */
function packMonotone(values: Uint32Array): { base: Uint32Array; delta: Uint16Array; wide: Uint32Array } {
  const blocks = Math.ceil(values.length / BLOCK);
  const base = new Uint32Array(blocks);
  const delta = new Uint16Array(values.length);
  const wide = new U32Builder();
  for (let b = 0; b < blocks; b++) {
    const first = values[b * BLOCK]!;
    const end = Math.min(values.length, (b + 1) * BLOCK);
    if (values[end - 1]! - first < 0x10000) {
      if (first >= WIDE) throw new RangeError('the index is too large: a monotone value reaches 2^31');
      base[b] = first;
      for (let k = b * BLOCK; k < end; k++) delta[k] = values[k]! - first;
    } else {
      base[b] = WIDE + wide.length;
      for (let k = b * BLOCK; k < (b + 1) * BLOCK; k++) wide.push(k < end ? values[k]! : 0);
    }
  }
  return { base, delta, wide: wide.finish() };
}

/** Token ids in 16 bits when every one fits, else 32. */
function narrowTokens(values: Uint32Array): TokenIds {
  return values.every((v) => v < 0x10000) ? Uint16Array.from(values) : values;
}

/** Bits needed for the largest of `values` (at least 1). */
function bitsFor(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!);
  return Math.max(1, 32 - Math.clz32(max));
}

/** `values` at `bits` bits each, little-endian within 32-bit words (a value may straddle two words). */
function packBits(values: ArrayLike<number>, bits: number): Uint32Array {
  if (bits === 32) return Uint32Array.from(values);
  const words = new Uint32Array(Math.ceil((values.length * bits) / 32));
  for (let i = 0; i < values.length; i++) {
    const at = i * bits;
    const word = at >>> 5;
    const shift = at & 31;
    words[word]! |= values[i]! << shift;
    if (shift + bits > 32) words[word + 1]! |= values[i]! >>> (32 - shift);
  }
  return words;
}

/** Growable Uint32 buffer for the build. */
class U32Builder {
  private data = new Uint32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  finish(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

export class CorpusIndex implements PrefixIndex<IndexState> {
  /** Number of keys (passages) in the index. */
  readonly size: number;
  private readonly a: CorpusIndexArrays;

  private constructor(arrays: CorpusIndexArrays) {
    this.a = arrays;
    this.size = arrays.titleLength.length;
  }

  /** Wraps arrays made by `build` or read back by the serializer; nothing is rebuilt. */
  static fromArrays(arrays: CorpusIndexArrays): CorpusIndex {
    return new CorpusIndex(arrays);
  }

  /** The arrays behind this index (shared, not copied). */
  get arrays(): CorpusIndexArrays {
    return this.a;
  }

  /** Builds the unique-prefix trie over `keys`. Key i is reported as entry `entryIds[i]` (default: i).
   * `endToken` (the model's end-of-sequence id) is what a key reads as past its end; it must not occur in keys. */
  static build(keys: readonly IndexKey[], options: BuildOptions): CorpusIndex {
    const end = options.endToken;
    const full = options.fullKeys ?? false;
    const n = keys.length;
    const sorted = Array.from({ length: n }, (_, i) => i);
    sorted.sort((x, y) => compareKeys(keys[x]!.tokens, keys[y]!.tokens, end) || x - y);
    const tok = sorted.map((i) => keys[i]!.tokens);
    const ids = options.entryIds;
    const entries = Uint32Array.from(sorted, (i) => (ids ? ids[i]! : i));
    const orderBits = bitsFor(entries);
    const titleLength = Uint8Array.from(sorted, (i) => Math.min(keys[i]!.titleLength, 0xff));

    const slotStart = new U32Builder();
    const slotLabel = new U32Builder();
    const isNode: boolean[] = [];
    const runStart = new U32Builder();
    const runTokens = new U32Builder();
    const identical = (lo: number, hi: number) => compareKeys(tok[lo]!, tok[hi - 1]!, end) === 0;

    // Breadth-first queue of nodes: [lo, hi, depth, group?]. The root is a node even with fewer than two keys; a
    // group of identical keys is a node with no run and no slots.
    const queue: number[] = [0, n, 0, 0];
    for (let head = 0; head < queue.length; head += 4) {
      const lo = queue[head]!;
      const hi = queue[head + 1]!;
      let depth = queue[head + 2]!;
      const group = queue[head + 3] === 1;
      runStart.push(runTokens.length);
      slotStart.push(slotLabel.length);
      if (group) continue;
      // Extend the run while every key below shares the next token (sorted: first and last suffice). A node with
      // at least two distinct keys stops before the shorter key ends; with whole keys, runs stop at the end.
      if (hi > lo && (full || (hi - lo >= 2 && !identical(lo, hi)))) {
        const first = tok[lo]!;
        const last = tok[hi - 1]!;
        const stop = Math.max(first.length, last.length);
        for (; depth < stop && tokenAt(first, depth, end) === tokenAt(last, depth, end); depth++) {
          runTokens.push(tokenAt(first, depth, end));
        }
      }
      for (let i = lo; i < hi;) {
        const label = tokenAt(tok[i]!, depth, end);
        let j = i + 1;
        while (j < hi && tokenAt(tok[j]!, depth, end) === label) j++;
        slotLabel.push(label);
        const branches = full ? depth < tok[i]!.length : j - i >= 2 && !identical(i, j);
        const node = branches || j - i >= 2;
        isNode.push(node);
        if (node) queue.push(i, j, depth + 1, branches ? 0 : 1);
        i = j;
      }
    }
    slotStart.push(slotLabel.length);
    runStart.push(runTokens.length);
    const nodes = queue.length / 4;
    const sizeBefore = new Uint32Array(nodes + 1);
    for (let k = 0; k < nodes; k++) sizeBefore[k + 1] = sizeBefore[k]! + queue[4 * k + 1]! - queue[4 * k]!;
    const slotStarts = packMonotone(slotStart.finish());
    const runStarts = packMonotone(runStart.finish());
    const sizesBefore = packMonotone(sizeBefore);

    const slots = slotLabel.length;
    const words = Math.ceil(slots / 32);
    const nodeSlotBits = new Uint32Array(words);
    const nodeSlotRank = new Uint32Array(words + 1);
    isNode.forEach((node, j) => {
      if (node) nodeSlotBits[j >>> 5]! |= 1 << (j & 31);
    });
    for (let w = 0; w < words; w++) nodeSlotRank[w + 1] = nodeSlotRank[w]! + popcount(nodeSlotBits[w]!);

    return new CorpusIndex({
      slotStartBase: slotStarts.base,
      slotStartDelta: slotStarts.delta,
      slotStartWide: slotStarts.wide,
      slotLabel: narrowTokens(slotLabel.finish()),
      nodeSlotBits,
      nodeSlotRank,
      sizeBeforeBase: sizesBefore.base,
      sizeBeforeDelta: sizesBefore.delta,
      sizeBeforeWide: sizesBefore.wide,
      runStartBase: runStarts.base,
      runStartDelta: runStarts.delta,
      runStartWide: runStarts.wide,
      runTokens: narrowTokens(runTokens.finish()),
      order: packBits(entries, orderBits),
      orderBits,
      titleLength,
    });
  }

  /** The state before any token. */
  root(): IndexState {
    return { node: 0, offset: 0, lo: 0, hi: this.size, depth: 0 };
  }

  private slotStart(k: number): number {
    const base = this.a.slotStartBase[k >>> BLOCK_SHIFT]!;
    return base < WIDE ? base + this.a.slotStartDelta[k]! : this.a.slotStartWide[base - WIDE + (k & (BLOCK - 1))]!;
  }

  private runStart(k: number): number {
    const base = this.a.runStartBase[k >>> BLOCK_SHIFT]!;
    return base < WIDE ? base + this.a.runStartDelta[k]! : this.a.runStartWide[base - WIDE + (k & (BLOCK - 1))]!;
  }

  private sizeBefore(k: number): number {
    const base = this.a.sizeBeforeBase[k >>> BLOCK_SHIFT]!;
    return base < WIDE ? base + this.a.sizeBeforeDelta[k]! : this.a.sizeBeforeWide[base - WIDE + (k & (BLOCK - 1))]!;
  }

  /** Tokens that continue some key from `state`, sorted ascending. A view into the index: do not modify. */
  allowed(state: IndexState): TokenIds {
    if (state.node === LEAF) return EMPTY;
    const run = this.runStart(state.node) + state.offset;
    if (run < this.runStart(state.node + 1)) return this.a.runTokens.subarray(run, run + 1);
    return this.a.slotLabel.subarray(this.slotStart(state.node), this.slotStart(state.node + 1));
  }

  /** The state after `token`, or null when no key continues with it. */
  advance(state: IndexState, token: number): IndexState | null {
    if (state.node === LEAF) return null;
    const run = this.runStart(state.node) + state.offset;
    if (run < this.runStart(state.node + 1)) {
      if (this.a.runTokens[run] !== token) return null;
      return { node: state.node, offset: state.offset + 1, lo: state.lo, hi: state.hi, depth: state.depth + 1 };
    }
    const slotLabel = this.a.slotLabel;
    let left = this.slotStart(state.node);
    let right = this.slotStart(state.node + 1) - 1;
    while (left <= right) {
      const mid = (left + right) >>> 1;
      const label = slotLabel[mid]!;
      if (label < token) left = mid + 1;
      else if (label > token) right = mid - 1;
      else return this.child(state, mid);
    }
    return null;
  }

  /** The state behind slot j of `parent`'s node: its range follows from the parent's with two rank queries. */
  private child(parent: IndexState, j: number): IndexState {
    const first = this.slotStart(parent.node);
    const nodesBeforeFirst = this.rank(first);
    const nodesBefore = this.rank(j);
    const leavesBefore = j - first - (nodesBefore - nodesBeforeFirst);
    // Node ids of this node's children that are nodes: 1 + nodesBeforeFirst, … (breadth-first, consecutive).
    const lo = parent.lo + leavesBefore + this.sizeBefore(1 + nodesBefore) - this.sizeBefore(1 + nodesBeforeFirst);
    if (!this.isNodeSlot(j)) return { node: LEAF, offset: 0, lo, hi: lo + 1, depth: parent.depth + 1 };
    const node = 1 + nodesBefore;
    return { node, offset: 0, lo, hi: lo + this.sizeBefore(node + 1) - this.sizeBefore(node), depth: parent.depth + 1 };
  }

  /** Walks `tokens` from the root; null as soon as no key continues. */
  walk(tokens: ArrayLike<number>, from: IndexState = this.root()): IndexState | null {
    let state: IndexState | null = from;
    for (let i = 0; i < tokens.length && state; i++) {
      if (this.isLeaf(state)) return state;
      state = this.advance(state, tokens[i]!);
    }
    return state;
  }

  /** True once the prefix identifies one key, or one group of identical keys. */
  isLeaf(state: IndexState): boolean {
    if (state.node === LEAF) return true;
    const k = state.node;
    return k !== 0 && this.runStart(k) === this.runStart(k + 1) && this.slotStart(k) === this.slotStart(k + 1);
  }

  /** Entry numbers of the keys below `state` (all of them at a leaf of identical keys). */
  entries(state: IndexState): Uint32Array {
    if (this.a.orderBits === 32) return this.a.order.subarray(state.lo, state.hi);
    const out = new Uint32Array(state.hi - state.lo);
    for (let p = state.lo; p < state.hi; p++) out[p - state.lo] = this.entryAt(p);
    return out;
  }

  /**
   * The children of a state as (token, lo, hi) triples, in token order: the one run token inside a run, the
   * node's slots at a branching, nothing at a leaf. O(children), no allocation.
   */
  forEachChild(state: IndexState, visit: (token: number, lo: number, hi: number) => void): void {
    if (state.node === LEAF) return;
    const run = this.runStart(state.node) + state.offset;
    if (run < this.runStart(state.node + 1)) {
      visit(this.a.runTokens[run]!, state.lo, state.hi);
      return;
    }
    const end = this.slotStart(state.node + 1);
    let lo = state.lo;
    let node = 1 + this.rank(this.slotStart(state.node));
    for (let j = this.slotStart(state.node); j < end; j++) {
      let size = 1;
      if (this.isNodeSlot(j)) {
        size = this.sizeBefore(node + 1) - this.sizeBefore(node);
        node++;
      }
      visit(this.a.slotLabel[j]!, lo, lo + size);
      lo += size;
    }
  }

  massOf(weights: ReadonlyMap<number, number>, rest: number): (state: IndexState) => number {
    const mass = rangeMass(this.size, (p) => weights.get(this.entryAt(p)), rest);
    return (state) => mass(state.lo, state.hi);
  }

  /** Entry number at an index position. */
  entryAt(position: number): number {
    const bits = this.a.orderBits;
    if (bits === 32) return this.a.order[position]!;
    const at = position * bits;
    const word = at >>> 5;
    const shift = at & 31;
    let value = this.a.order[word]! >>> shift;
    if (shift + bits > 32) value |= this.a.order[word + 1]! << (32 - shift);
    return (value & (0xffffffff >>> (32 - bits))) >>> 0;
  }

  /** True once `state` has consumed the whole title part of the keys below it. */
  titleComplete(state: IndexState): boolean {
    return state.lo < state.hi && state.depth >= this.a.titleLength[state.lo]!;
  }

  private isNodeSlot(j: number): boolean {
    return ((this.a.nodeSlotBits[j >>> 5]! >>> (j & 31)) & 1) === 1;
  }

  /** Node slots before slot j. */
  private rank(j: number): number {
    const word = j >>> 5;
    const below = (j & 31) === 0 ? 0 : this.a.nodeSlotBits[word]! & (0xffffffff >>> (32 - (j & 31)));
    return this.a.nodeSlotRank[word]! + popcount(below);
  }

  /** Bytes held by the index's arrays. */
  byteLength(): number {
    let bytes = 0;
    for (const value of Object.values(this.a) as unknown[]) if (ArrayBuffer.isView(value)) bytes += value.byteLength;
    return bytes;
  }
}
