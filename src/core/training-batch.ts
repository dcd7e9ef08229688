// One step's worth of training examples as flat typed arrays: the form every training backend takes. An example is
// a token sequence whose first part is context (the prompt) and whose rest is the target the model learns to write;
// rows are right-padded to the batch's width, and each position names the next token to predict there, or -1 where
// nothing is learned (the prompt and the padding), as PyTorch's `ignore_index`.

export interface TrainingExample {
  /** Prompt and target tokens, in order. */
  readonly ids: readonly number[];
  /** Where the target starts: ids[targetStart…] are learned, each predicted from everything before it. */
  readonly targetStart: number;
}

export interface TrainingBatch {
  readonly rows: number;
  readonly width: number;
  /** rows × width token ids, right-padded with the pad id. */
  readonly ids: Int32Array;
  /** rows × width: the token to predict after each position, or -1. */
  readonly targets: Int32Array;
  /** How many targets (positions that are not -1): the loss is their mean. */
  readonly targetCount: number;
}

/** Packs examples into one batch. Padding after a row's last token is never attended to by its real positions (the
 * attention is causal), so right padding needs no attention mask. */
export function collate(examples: readonly TrainingExample[], padId: number): TrainingBatch {
  const rows = examples.length;
  const width = Math.max(1, ...examples.map((e) => e.ids.length));
  const ids = new Int32Array(rows * width).fill(padId);
  const targets = new Int32Array(rows * width).fill(-1);
  let targetCount = 0;
  for (const [r, { ids: seq, targetStart }] of examples.entries()) {
    if (targetStart < 1 || targetStart > seq.length) {
      throw new RangeError(`an example's target must start after at least one prompt token (at ${targetStart})`);
    }
    ids.set(seq, r * width);
    for (let i = targetStart; i < seq.length; i++) targets[r * width + i - 1] = seq[i]!;
    targetCount += seq.length - targetStart;
  }
  return { rows, width, ids, targets, targetCount };
}
