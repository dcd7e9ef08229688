// What constrained decoding needs from an index over corpus keys. CorpusIndex (immutable, compact) and LiveIndex
// (CorpusIndex + additions and removals) both provide it, so beam search works over either.

/** Token ids: 16-bit where a compact index stores them so, 32-bit otherwise. */
export type TokenIds = Uint16Array | Uint32Array;

export interface PrefixIndex<S> {
  /** Keys (passages) in the index. */
  readonly size: number;
  /** The state before any token. */
  root(): S;
  /** Tokens that continue some key, sorted ascending (do not modify the array). */
  allowed(state: S): TokenIds;
  /** The state after `token`, or null when no key continues with it. */
  advance(state: S, token: number): S | null;
  /** True once the prefix identifies one key, or one group of identical keys. */
  isLeaf(state: S): boolean;
  /** Entry numbers of the keys below the state. */
  entries(state: S): Uint32Array;
  /** True once the state has consumed the title part of the keys below it. */
  titleComplete(state: S): boolean;
  /**
   * Weights summed over the keys below a state (hybrid mode's prior mass): `weights` for the entries it lists,
   * `rest` for every other one. Built once per query in one pass over the keys (rangeMass).
   */
  massOf(weights: ReadonlyMap<number, number>, rest: number): (state: S) => number;
}

/**
 * Sums of weights over ranges of positions 0..size-1, where `own(p)` is a position's weight when it has one of its
 * own and undefined for the common weight `rest`. The keys below an index state are a contiguous range, so a mass
 * is `rest` times the range's length plus the own weights' excess over `rest` inside it: prefix sums of the few
 * positions with own weights (found by binary search), not of every position (8 MB a query at a million keys).
 */
export function rangeMass(
  size: number,
  own: (position: number) => number | undefined,
  rest: number,
): (lo: number, hi: number) => number {
  const positions: number[] = [];
  const excess: number[] = [0];
  for (let p = 0; p < size; p++) {
    const w = own(p);
    if (w === undefined) continue;
    positions.push(p);
    excess.push(excess[excess.length - 1]! + (w - rest));
  }
  const at = Uint32Array.from(positions);
  const before = Float64Array.from(excess);
  /** Own-weight positions below p. */
  const rank = (p: number) => {
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (lo, hi) => rest * (hi - lo) + before[rank(hi)]! - before[rank(lo)]!;
}

const NONE = new Uint32Array(0);

/**
 * The entries a whole key leads to: walks its tokens (then `endToken`, which keys read as past their end) until a
 * leaf. Empty when no key of the index starts that way. A unique-prefix index stops early, so the result is the
 * one key that shares the walked prefix — callers checking membership compare entry numbers.
 */
export function lookup<S>(index: PrefixIndex<S>, key: ArrayLike<number>, endToken: number): Uint32Array {
  if (index.size === 0) return NONE;
  let state = index.root();
  for (let depth = 0; depth <= key.length; depth++) {
    if (index.isLeaf(state)) return index.entries(state);
    const next = index.advance(state, depth < key.length ? key[depth]! : endToken);
    if (!next) return NONE;
    state = next;
  }
  return index.isLeaf(state) ? index.entries(state) : NONE;
}
