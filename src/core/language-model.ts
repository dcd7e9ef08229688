// The language-model interface the core decodes with, so the core never imports a model library. Engines (src/engines/)
// implement it over a real model library; tests implement it over a deterministic toy. Beam search, scoring and
// stopping live in the core, never in an adapter.

export interface Tokenizer {
  /** Token ids of `text`, with no special tokens added. */
  encode(text: string): number[];
  /** `texts.map(encode)` in fewer calls, where a tokenizer can (src/core/memo-tokenizer.ts). */
  encodeMany?(texts: readonly string[]): number[][];
  decode(ids: readonly number[]): string;
  /** End-of-sequence id: what a corpus key reads as past its end. */
  readonly eosTokenId: number;
  readonly vocabSize: number;
  /** The model's chat template applied to `messages`, ending where the assistant's reply starts. Only chat models
   * have one. */
  applyChatTemplate?(messages: readonly ChatMessage[]): string;
}

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface ScoreOptions {
  /** Tokens whose log-probability is also read after the whole continuation, e.g. "Yes" and "No". */
  readonly alternatives?: readonly number[];
  /** Read only the last `tail` tokens of each continuation (the rest of the result is NaN): a prompt scored for its
   * answer alone skips a log-softmax over the vocabulary per prompt token. Default: every token. */
  readonly tail?: number;
}

/**
 * A sequence the model has read, with its cached state (a KV cache). Handles are owned by the caller: every
 * handle returned by `prefill` or `extend` must be given to `release` exactly once.
 */
export interface SequenceHandle {
  /** Tokens in the sequence, prompt included. */
  readonly length: number;
}

/** Next-token log-probabilities for a batch: row i is `logProbs.subarray(i * vocabSize, (i + 1) * vocabSize)`. */
export interface NextTokenBatch {
  readonly handles: readonly SequenceHandle[];
  readonly logProbs: Float32Array;
  readonly vocabSize: number;
}

export interface LanguageModel {
  readonly tokenizer: Tokenizer;
  /** Forward passes run so far (a `score` call may take several when its batch is large). */
  readonly forwardPasses: number;
  /** Reads a prompt; one handle and its next-token row. */
  prefill(tokens: readonly number[]): Promise<NextTokenBatch>;
  /**
   * Appends `tokens[i]` to `parents[i]` for every i in one batched forward pass. A parent may appear several
   * times (a beam forking); parents stay valid (and owned by the caller).
   */
  extend(parents: readonly SequenceHandle[], tokens: readonly number[]): Promise<NextTokenBatch>;
  /**
   * Log-probability of each token of each continuation after `parent`, from one forward pass per batch (no
   * decoding loop): result[i][t] = log P(continuations[i][t] | parent + continuations[i][0..t)); then, for each
   * of `options.alternatives`, result[i][len + k] = log P(alternatives[k] | parent + continuations[i]).
   */
  score(
    parent: SequenceHandle,
    continuations: readonly (readonly number[])[],
    options?: ScoreOptions,
  ): Promise<Float32Array[]>;
  /** Frees a handle's cached state (on WebGPU, GPU memory). */
  release(handle: SequenceHandle): void;
}

/** Row i of a batch. */
export function row(batch: NextTokenBatch, i: number): Float32Array {
  return batch.logProbs.subarray(i * batch.vocabSize, (i + 1) * batch.vocabSize);
}
