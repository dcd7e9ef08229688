// What constrained decoding needs from an index over corpus keys. CorpusIndex (immutable, compact) and LiveIndex
// (CorpusIndex + additions and removals) both provide it, so beam search works over either.

export interface PrefixIndex<S> {
  /** Keys (passages) in the index. */
  readonly size: number;
  /** The state before any token. */
  root(): S;
  /** Tokens that continue some key, sorted ascending (do not modify the array). */
  allowed(state: S): Uint32Array;
  /** The state after `token`, or null when no key continues with it. */
  advance(state: S, token: number): S | null;
  /** True once the prefix identifies one key, or one group of identical keys. */
  isLeaf(state: S): boolean;
  /** Entry numbers of the keys below the state. */
  entries(state: S): Uint32Array;
  /** True once the state has consumed the title part of the keys below it. */
  titleComplete(state: S): boolean;
}
