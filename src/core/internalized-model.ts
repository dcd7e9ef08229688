// What an internalized model is made of, the same for the CLI's `internalize` and the app's training worker: the
// base's files that carry over unchanged (config and tokenizer, so a library keyed for the base searches with it),
// the trained weights, and a card derived from the base's. Pure: the callers read and write the files.
import { parseModelCard, type ModelCard } from './model-card';

/** Files of a model folder copied from the base as they are (those the base has). */
export const CARRIED_MODEL_FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
] as const;

/** Where a model folder keeps its fp32 weights, the only ones training reads and writes. */
export const TRAINABLE_WEIGHTS = 'onnx/model.onnx';

/**
 * The base's card (as written, every field kept) made the trained model's: what the base was measured and
 * fingerprinted on no longer holds (corpus, evaluation, file list), what it was internalized on does. Validated.
 */
export function internalizedCard(
  written: Readonly<Record<string, unknown>>,
  base: ModelCard,
  id: string,
  internalized: Readonly<Record<string, unknown>> & { readonly passages: number },
): Record<string, unknown> {
  const card: Record<string, unknown> = { ...written };
  for (const stale of ['corpus', 'evaluation', 'files']) delete card[stale];
  const result = {
    ...card,
    id,
    name: `${base.name} internalized on ${internalized.passages.toLocaleString('en')} passages`,
    capabilities: { ...base.capabilities, corpusTrained: true },
    internalized: { baseModel: base.id, ...internalized },
  };
  parseModelCard(result);
  return result;
}
