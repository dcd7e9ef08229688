// Adapts a transformers.js tokenizer to the core's Tokenizer interface.
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { ChatMessage, Tokenizer } from '../../core/language-model';

export function coreTokenizer(tokenizer: PreTrainedTokenizer): Tokenizer {
  const eos = tokenizer.eos_token_id;
  if (eos === undefined || eos === null) throw new Error('the tokenizer has no end-of-sequence token');
  let vocabSize = 0;
  for (const id of tokenizer.get_vocab().values()) vocabSize = Math.max(vocabSize, id + 1);
  const chat = tokenizer.chat_template
    ? (messages: readonly ChatMessage[]) => {
        const text: unknown = tokenizer.apply_chat_template(
          messages.map((m) => ({ role: m.role, content: m.content })),
          { tokenize: false, add_generation_prompt: true },
        );
        if (typeof text !== 'string') throw new Error('the chat template did not produce text');
        return text;
      }
    : undefined;
  return {
    ...(chat ? { applyChatTemplate: chat } : {}),
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }),
    decode: (ids) => (ids.length === 0 ? '' : tokenizer.decode([...ids], { skip_special_tokens: false })),
    eosTokenId: Number(eos),
    vocabSize,
  };
}

/** A model's tokenizer alone (no weights), from wherever transformers.js is configured to read models. */
export async function loadTokenizer(modelId: string): Promise<Tokenizer> {
  return coreTokenizer(await AutoTokenizer.from_pretrained(modelId));
}
