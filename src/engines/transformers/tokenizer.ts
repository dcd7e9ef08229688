// Adapts a transformers.js tokenizer to the core's Tokenizer interface.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Tokenizer } from '../../core/language-model';

export function coreTokenizer(tokenizer: PreTrainedTokenizer): Tokenizer {
  const eos = tokenizer.eos_token_id;
  if (eos === undefined || eos === null) throw new Error('the tokenizer has no end-of-sequence token');
  let vocabSize = 0;
  for (const id of tokenizer.get_vocab().values()) vocabSize = Math.max(vocabSize, id + 1);
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }),
    decode: (ids) => (ids.length === 0 ? '' : tokenizer.decode([...ids], { skip_special_tokens: false })),
    eosTokenId: Number(eos),
    vocabSize,
  };
}
