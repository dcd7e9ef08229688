// Passages → corpus keys: the token ids a model must generate to name a passage (design.md §3). A key is the
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

/**
 * Tokenizes one passage's key. `titleLength` counts the tokens that carry the title part; when a token straddles
 * the seam (a tokenizer that merges the title's last characters with the separator), it counts as title.
 */
export function corpusKey(
  tokenizer: Tokenizer,
  templates: Pick<PromptTemplates, 'title' | 'separator' | 'content'>,
  title: string,
  passage: string,
): CorpusKey {
  const text = corpusKeyText(templates, title, passage);
  const tokens = Uint32Array.from(tokenizer.encode(text));
  const titleTokens = tokenizer.encode(fillTemplate(templates.title, { title }));
  let shared = 0;
  while (shared < titleTokens.length && titleTokens[shared] === tokens[shared]) shared++;
  const titleLength = shared === titleTokens.length ? shared : Math.min(shared + 1, tokens.length);
  return { tokens, titleLength, text };
}
