// LiveIndex: a CorpusIndex that takes additions and removals without a full rebuild. A large
// immutable `main` index is paired with a small `delta` index over recently added keys and with tombstones over
// main's positions; decoding walks both at once, and `compact()` folds everything into a fresh main.
//
// Every answer — allowed tokens, leaves, entries — is the one a fresh build over the live keys would give:
// - a main child counts only while it has a live passage below it (prefix sums over the tombstones, O(1) each);
// - main stores a key only up to where it was unique in main. When a delta key runs into such a cut (a main leaf
//   with live passages), those passages move to the delta (their full keys come from `keyOf`), so decoding never
//   needs tokens main does not have. Kept true after every change, before the next query;
// - the delta keeps whole keys (it is small), so it can always go on where main has passages beside it.
import { CorpusIndex, type IndexKey, type IndexState } from './corpus-index';
import { rangeMass, type PrefixIndex, type TokenIds } from './prefix-index';

export interface LiveIndexOptions {
  /** What a key reads as past its end (the model's end-of-sequence id). */
  readonly endToken: number;
  /** The full key of a live entry: needed to move entries out of main and to compact. */
  readonly keyOf: (entry: number) => IndexKey;
  /** Compact when the delta holds more keys than this share of main (default 1/8, at least 256 keys). */
  readonly compactShare?: number;
}

export interface LiveIndexState {
  readonly main: IndexState | null;
  readonly delta: IndexState | null;
  readonly depth: number;
}

const EMPTY = new Uint32Array(0);

function sameTokens(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Prefix counts of key changes over an index's positions: identical keys share one leaf's range. */
function identicalGroups(index: CorpusIndex): Uint32Array {
  const sameAsNext = new Uint8Array(index.size);
  const visit = (state: IndexState) => {
    if (index.isLeaf(state)) {
      for (let p = state.lo; p < state.hi - 1; p++) sameAsNext[p] = 1;
      return;
    }
    index.forEachChild(state, (token) => visit(index.advance(state, token)!));
  };
  if (index.size > 0) visit(index.root());
  const before = new Uint32Array(index.size + 1);
  for (let p = 0; p < index.size; p++) before[p + 1] = before[p]! + (sameAsNext[p] ? 0 : 1);
  return before;
}

export class LiveIndex implements PrefixIndex<LiveIndexState> {
  private main: CorpusIndex;
  private dead: Uint8Array;
  private aliveBefore = new Uint32Array(1);
  /** Count of key changes before each main position: positions p < q hold identical keys iff equal counts. */
  private groupBefore: Uint32Array;
  private positionOf: Map<number, number> | undefined;
  private deltaKeys = new Map<number, IndexKey>();
  private delta: CorpusIndex;
  private dirty = true;
  private readonly options: LiveIndexOptions;

  constructor(main: CorpusIndex, options: LiveIndexOptions) {
    this.options = options;
    this.main = main;
    this.dead = new Uint8Array(main.size);
    this.groupBefore = identicalGroups(main);
    this.delta = CorpusIndex.build([], { endToken: options.endToken, fullKeys: true });
  }

  /** Live entries. */
  get size(): number {
    this.refresh();
    return this.aliveBefore[this.main.size]! + this.delta.size;
  }

  /** The immutable main index (for saving) and how many keys wait in the delta. */
  get parts(): { readonly main: CorpusIndex; readonly deltaSize: number; readonly tombstones: number } {
    this.refresh();
    return {
      main: this.main,
      deltaSize: this.delta.size,
      tombstones: this.main.size - this.aliveBefore[this.main.size]!,
    };
  }

  has(entry: number): boolean {
    if (this.deltaKeys.has(entry)) return true;
    const position = this.positions().get(entry);
    return position !== undefined && this.dead[position] === 0;
  }

  /** Adds a key as `entry` (a number not live in the index). */
  add(entry: number, key: IndexKey): void {
    if (this.has(entry)) throw new Error(`entry ${entry} is already in the index`);
    this.deltaKeys.set(entry, key);
    this.dirty = true;
  }

  /** Removes a live entry; false when it was not there. */
  remove(entry: number): boolean {
    if (this.deltaKeys.delete(entry)) {
      this.dirty = true;
      return true;
    }
    const position = this.positions().get(entry);
    if (position === undefined || this.dead[position] === 1) return false;
    this.dead[position] = 1;
    this.dirty = true;
    return true;
  }

  /** Folds the delta and the tombstones into a fresh main index. */
  compact(): void {
    const entries: number[] = [];
    const keys: IndexKey[] = [];
    for (let p = 0; p < this.main.size; p++) {
      if (this.dead[p]) continue;
      const entry = this.main.entryAt(p);
      entries.push(entry);
      keys.push(this.options.keyOf(entry));
    }
    for (const [entry, key] of this.deltaKeys) {
      entries.push(entry);
      keys.push(key);
    }
    this.rebase(CorpusIndex.build(keys, { endToken: this.options.endToken, entryIds: entries }));
  }

  /** Takes `main`, built elsewhere over exactly the live keys, as the whole index: `compact()` without `keyOf`. */
  rebase(main: CorpusIndex): void {
    this.main = main;
    this.dead = new Uint8Array(main.size);
    this.groupBefore = identicalGroups(main);
    this.positionOf = undefined;
    this.deltaKeys.clear();
    this.dirty = true;
  }

  root(): LiveIndexState {
    this.refresh();
    return { main: this.main.root(), delta: this.delta.root(), depth: 0 };
  }

  /** Live next tokens, sorted ascending. */
  allowed(state: LiveIndexState): TokenIds {
    if (this.isLeaf(state)) return EMPTY;
    const fromMain: number[] = [];
    if (state.main) {
      this.main.forEachChild(state.main, (token, lo, hi) => {
        if (this.alive(lo, hi) > 0) fromMain.push(token);
      });
    }
    const fromDelta = state.delta ? this.delta.allowed(state.delta) : EMPTY;
    if (fromMain.length === 0) return fromDelta;
    if (fromDelta.length === 0) return Uint32Array.from(fromMain);
    return Uint32Array.from(new Set([...fromMain, ...fromDelta])).sort();
  }

  advance(state: LiveIndexState, token: number): LiveIndexState | null {
    if (this.isLeaf(state)) return null;
    let main = state.main ? this.main.advance(state.main, token) : null;
    if (main && this.alive(main.lo, main.hi) === 0) main = null;
    const delta = state.delta ? this.delta.advance(state.delta, token) : null;
    if (!main && !delta) return null;
    return { main, delta, depth: state.depth + 1 };
  }

  /** True once the prefix identifies one live key (or one group of identical live keys). */
  isLeaf(state: LiveIndexState): boolean {
    if (state.depth === 0) return false;
    const inMain = state.main ? this.alive(state.main.lo, state.main.hi) : 0;
    const inDelta = state.delta ? state.delta.hi - state.delta.lo : 0;
    if (inMain > 0 && inDelta > 0) return false; // both sides below: at least two distinct keys (see header)
    if (inMain > 0) {
      // Unique when the live passages left below are one key, even if dead siblings still branch in main.
      const { lo, hi } = state.main!;
      const first = this.firstAlive(lo, hi);
      const last = this.lastAlive(lo, hi);
      return this.groupBefore[first] === this.groupBefore[last];
    }
    if (inDelta === 0) return false;
    // The delta keeps whole keys: unique once one key (or one group of identical keys) is left.
    const first = this.deltaKeys.get(this.delta.entryAt(state.delta!.lo))!.tokens;
    const last = this.deltaKeys.get(this.delta.entryAt(state.delta!.hi - 1))!.tokens;
    return inDelta === 1 || sameTokens(first, last);
  }

  /** Live entries below the state. */
  entries(state: LiveIndexState): Uint32Array {
    const out: number[] = [];
    if (state.main) {
      for (let p = state.main.lo; p < state.main.hi; p++) if (!this.dead[p]) out.push(this.main.entryAt(p));
    }
    if (state.delta) out.push(...this.delta.entries(state.delta));
    return Uint32Array.from(out);
  }

  /** True once the state has consumed the title part of the (first) live key below it. */
  titleComplete(state: LiveIndexState): boolean {
    if (state.main && this.alive(state.main.lo, state.main.hi) > 0) {
      const first = this.firstAlive(state.main.lo, state.main.hi);
      return state.depth >= this.main.arrays.titleLength[first]!;
    }
    return state.delta !== null && this.delta.titleComplete(state.delta);
  }

  massOf(weights: ReadonlyMap<number, number>, rest: number): (state: LiveIndexState) => number {
    this.refresh();
    // A removed key weighs nothing: an own weight of 0.
    const main = rangeMass(this.main.size, (p) => (this.dead[p] ? 0 : weights.get(this.main.entryAt(p))), rest);
    const delta = this.delta.massOf(weights, rest);
    return (state) => (state.main ? main(state.main.lo, state.main.hi) : 0) + (state.delta ? delta(state.delta) : 0);
  }

  private alive(lo: number, hi: number): number {
    return this.aliveBefore[hi]! - this.aliveBefore[lo]!;
  }

  /** First live position in [lo, hi) (which holds at least one): binary search on the prefix sums. */
  private firstAlive(lo: number, hi: number): number {
    const target = this.aliveBefore[lo]!;
    let left = lo;
    let right = hi - 1;
    while (left < right) {
      const mid = (left + right) >>> 1;
      if (this.aliveBefore[mid + 1]! > target) right = mid;
      else left = mid + 1;
    }
    return left;
  }

  /** Last live position in [lo, hi) (which holds at least one). */
  private lastAlive(lo: number, hi: number): number {
    const target = this.aliveBefore[hi]!;
    let left = lo;
    let right = hi - 1;
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      if (this.aliveBefore[mid]! < target) left = mid;
      else right = mid - 1;
    }
    return left;
  }

  private positions(): Map<number, number> {
    if (!this.positionOf) {
      this.positionOf = new Map();
      for (let p = 0; p < this.main.size; p++) this.positionOf.set(this.main.entryAt(p), p);
    }
    return this.positionOf;
  }

  private recount(): void {
    const n = this.main.size;
    if (this.aliveBefore.length !== n + 1) this.aliveBefore = new Uint32Array(n + 1);
    for (let p = 0; p < n; p++) this.aliveBefore[p + 1] = this.aliveBefore[p]! + (this.dead[p] ? 0 : 1);
  }

  /**
   * The live main entries that adding `keys` would move out of main, whose full keys `keyOf` is then asked for: a
   * caller that does not hold every key reads these first.
   */
  entriesCutBy(keys: readonly IndexKey[]): number[] {
    this.refresh();
    const entries = new Set<number>();
    for (const key of keys) for (const p of this.cutPositions(key)) entries.add(this.main.entryAt(p));
    return [...entries];
  }

  /** The live positions of the main leaf where `key` runs into main's cut (none when it leaves main before one). */
  private cutPositions(key: IndexKey): number[] {
    const end = this.options.endToken;
    let state: IndexState | null = this.main.root();
    for (let depth = 0; state && this.alive(state.lo, state.hi) > 0; depth++) {
      if (this.main.isLeaf(state)) {
        const positions: number[] = [];
        for (let p = state.lo; p < state.hi; p++) if (!this.dead[p]) positions.push(p);
        return positions;
      }
      state = this.main.advance(state, depth < key.tokens.length ? key.tokens[depth]! : end);
    }
    return [];
  }

  /** Brings prefix sums, the main/delta invariant and the delta index up to date after changes. */
  private refresh(): void {
    if (!this.dirty) return;
    const share = this.options.compactShare ?? 1 / 8;
    if (this.deltaKeys.size > Math.max(256, this.main.size * share)) this.compact();
    this.dirty = false;
    this.recount();
    const end = this.options.endToken;
    // Move main passages whose stored prefix ends where a delta key goes on; repeat for keys that moved in.
    let pending = [...this.deltaKeys.values()];
    while (pending.length > 0) {
      const moved: IndexKey[] = [];
      for (const key of pending) {
        for (const p of this.cutPositions(key)) {
          const entry = this.main.entryAt(p);
          const movedKey = this.options.keyOf(entry);
          this.dead[p] = 1;
          this.deltaKeys.set(entry, movedKey);
          moved.push(movedKey);
        }
      }
      if (moved.length > 0) this.recount();
      pending = moved;
    }
    const entries = [...this.deltaKeys.keys()];
    this.delta = CorpusIndex.build([...this.deltaKeys.values()], { endToken: end, entryIds: entries, fullKeys: true });
  }
}
