// Passages → corpus keys: the token ids a model must generate to name a passage. A key is the
// passage's title part, the separator and the passage part, written with the model card's templates and
// tokenized as ONE string, in the context the model sees them — never by joining separately tokenized pieces,
// which byte-level BPE would merge differently at the seams.
import type { IndexKey } from './corpus-index';
import type { Tokenizer } from './language-model';
import { corpusKeyText, fillTemplate, type PromptTemplates } from './model-card';

export interface CorpusKey extends IndexKey {
  readonly tokens: Uint32Array;
  /** The exact text the tokens spell. */
  readonly text: string;
}

type KeyTemplates = Pick<PromptTemplates, 'title' | 'separator' | 'content'>;

/**
 * Tokenizes one passage's key. `titleLength` counts the tokens that carry the title part; when a token straddles
 * the seam (a tokenizer that merges the title's last characters with the separator), it counts as title.
 */
export function corpusKey(tokenizer: Tokenizer, templates: KeyTemplates, title: string, passage: string): CorpusKey {
  return corpusKeys(tokenizer, templates, [{ title, text: passage }])[0]!;
}

/** `corpusKey` for many passages, tokenized together when the tokenizer batches (`encodeMany`). */
export function corpusKeys(
  tokenizer: Tokenizer,
  templates: KeyTemplates,
  passages: readonly { readonly title: string; readonly text: string }[],
): CorpusKey[] {
  const texts = passages.map((p) => corpusKeyText(templates, p.title, p.text));
  const titles = passages.map((p) => fillTemplate(templates.title, { title: p.title }));
  const all = [...texts, ...titles];
  const ids = tokenizer.encodeMany ? tokenizer.encodeMany(all) : all.map((t) => tokenizer.encode(t));
  return texts.map((text, i) => {
    const tokens = Uint32Array.from(ids[i]!);
    const titleTokens = ids[texts.length + i]!;
    let shared = 0;
    while (shared < titleTokens.length && titleTokens[shared] === tokens[shared]) shared++;
    const titleLength = shared === titleTokens.length ? shared : Math.min(shared + 1, tokens.length);
    return { tokens, titleLength, text };
  });
}
