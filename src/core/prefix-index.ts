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
   * Per-entry weights summed over the keys below a state (hybrid mode's prior mass). Built once per query in
   * O(keys); each lookup is O(1) — the keys below a state are a contiguous range of positions (prefix sums).
   */
  massOf(weight: (entry: number) => number): (state: S) => number;
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
