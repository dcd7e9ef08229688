// The passage keyer of a model: its tokenizer (transformers.js) and its card's templates, turning passages into
// corpus keys. The ingest worker, the CLI and the tests get keys only from here, so they always agree.
import { AutoTokenizer } from '@huggingface/transformers';
import { corpusKeys } from '../../core/corpus-keys';
import { memoTokenizer } from '../../core/memo-tokenizer';
import type { ModelCard } from '../../core/model-card';
import type { PassageKeyer } from '../../store/library';
import { coreTokenizer } from './tokenizer';

/**
 * Loads `modelId`'s tokenizer from wherever transformers.js is configured to read models (configureOffline) and
 * pairs it with the card's templates. The keyer's tokenizer id is the model id: two models may share a
 * tokenizer but not templates, and keys depend on both.
 */
export async function loadKeyer(modelId: string, card: ModelCard): Promise<PassageKeyer> {
  // Keys are made by the thousand during ingest: the tokenizer sits behind a memo of word pieces, checked exact.
  const tokenizer = memoTokenizer(coreTokenizer(await AutoTokenizer.from_pretrained(modelId)));
  return {
    tokenizer: { id: modelId, vocabSize: tokenizer.vocabSize, eosTokenId: tokenizer.eosTokenId },
    // Only the tokens and the title length are kept: a library holds a key per passage in memory.
    keys: (passages) =>
      corpusKeys(tokenizer, card.templates, passages).map(({ tokens, titleLength }) => ({ tokens, titleLength })),
  };
}
