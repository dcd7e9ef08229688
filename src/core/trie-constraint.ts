// TrieConstraint: masks a batch of logit rows to the tokens a CorpusIndex allows (everything else → −∞). The
// cost per row is one vectorised fill of the vocabulary plus O(allowed) — never per-token branching over the
// vocabulary — and it does not depend on how long the prefix is, because the index state is kept, not re-walked.
// Beam search reads allowed log-probabilities directly and needs no mask; this is for samplers that do (e.g. an
// engine's logit processor) and for renormalising over the allowed set.
import type { CorpusIndex, IndexState } from './corpus-index';
import type { TokenIds } from './prefix-index';

export class TrieConstraint {
  private saved = new Float32Array(64);

  constructor(private readonly index: CorpusIndex) {}

  /** Masks `rows.length` rows of `logits` (row i at i * vocabSize) in place; returns the allowed sets. */
  apply(logits: Float32Array, vocabSize: number, states: readonly IndexState[]): TokenIds[] {
    return states.map((state, i) => {
      const allowed = this.index.allowed(state);
      this.maskRow(logits.subarray(i * vocabSize, (i + 1) * vocabSize), allowed);
      return allowed;
    });
  }

  /** Keeps only `allowed` (sorted token ids) in one row. */
  maskRow(row: Float32Array, allowed: TokenIds): void {
    if (this.saved.length < allowed.length) this.saved = new Float32Array(allowed.length * 2);
    const saved = this.saved;
    for (let k = 0; k < allowed.length; k++) saved[k] = row[allowed[k]!]!;
    row.fill(-Infinity);
    for (let k = 0; k < allowed.length; k++) row[allowed[k]!] = saved[k]!;
  }
}
