// Prompt profiles: how one model is asked to retrieve, to judge a passage and to answer.
// - `self-retrieval` — a corpus-trained model (the paper's format): every prompt is the model card's template as
//   trained; relevance is 1 − P(reject), P(reject) = exp(−mean NLL of the reject text).
// - `chat` — a zero-shot instruction model: prompts go through the tokenizer's chat template; retrieval continues
//   the assistant's reply after `Related document title:` so corpus keys read the same as in the paper's format;
//   relevance is P(Yes) / (P(Yes) + P(No)), both read from one forward pass.
// Every prompt is tokenized whole, the way the model reads it; the corpus keys follow it at a word seam.
import type { ChatMessage, Tokenizer } from './language-model';
import { CodedError } from './errors';
import { fillTemplate, type ModelCard } from './model-card';

/** A passage as shown to the model. */
export interface PromptPassage {
  readonly title: string;
  readonly text: string;
}

/**
 * Self-assessment of several passages as one `score` call: the prompts' common token prefix is read once
 * (`prefix`), each passage's rest is a continuation, and `relevance` turns its scores into a value in [0, 1].
 */
export interface AssessmentBatch {
  readonly prefix: number[];
  readonly continuations: number[][];
  /** Tokens read after each whole continuation (chat: Yes, No). */
  readonly alternatives: number[];
  /** Continuation tokens whose log-probabilities are needed, counted from the end (ScoreOptions.tail). */
  readonly tail: number;
  relevance(scores: Float32Array, i: number): number;
}

export interface PromptProfile {
  readonly kind: ModelCard['promptProfile'];
  retrieval(query: string): number[];
  assessment(query: string, passages: readonly PromptPassage[]): AssessmentBatch;
  /** The answer prompt; `passages` is the numbered block of sources (answer.ts's formatSources). */
  answer(query: string, passages: string): number[];
}

export class PromptProfileError extends CodedError<'NO_CHAT_TEMPLATE' | 'BAD_RELEVANCE_WORDS'> {}

/** Default answer instructions when a card has none. */
const ANSWER_SELF = 'Passages:\n{passages}\n\nQuestion: {query}\n\n Answer (cite passages as [1], [2]):';
const ANSWER_CHAT =
  'Answer the question using only the numbered passages below, in two or three sentences. Cite the passages you ' +
  'use as [1], [2]. If they do not answer it, say so.\n\n{passages}\n\nQuestion: {query}';
/** What the assistant's reply starts with in chat retrieval: the paper's title label, so keys read the same. */
const CHAT_RESPONSE = 'Related document title:';

/** The first `n` words of `text`, joined by single spaces: the passage an assessment prompt shows. */
export function firstWords(text: string, n: number): string {
  return text.split(/\s+/).filter(Boolean).slice(0, n).join(' ');
}

/** Tokens a shown word may take on average before a text is clipped: words are a poor measure of length where
 * "words" are URLs, code or another script, and an assessment row must stay inside the model's context (on a site
 * of a million documentation passages, one title and 32 words took over 600 tokens: beyond the demo model's 256
 * positions, and 8 MB of logits for one row). */
const TOKENS_PER_WORD = 4;

/** The longest prefix of `text` within `maxTokens` tokens, cut at a space where there is one. Texts that fit (nearly
 * all) cost one encode; others a binary search over their length. */
function clipTokens(tokenizer: Tokenizer, text: string, maxTokens: number): string {
  const fits = (n: number) => tokenizer.encode(text.slice(0, n)).length <= maxTokens;
  if (fits(text.length)) return text;
  let lo = 0;
  let hi = text.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  if (/[\uD800-\uDBFF]/.test(text[lo - 1] ?? '')) lo--; // never half a surrogate pair
  const space = text.lastIndexOf(' ', lo);
  return text.slice(0, space > 0 ? space : lo);
}

function commonPrefixLength(rows: readonly number[][]): number {
  const first = rows[0] ?? [];
  let n = first.length;
  for (const r of rows) {
    let i = 0;
    while (i < n && i < r.length && r[i] === first[i]) i++;
    n = i;
  }
  return n;
}

/** Splits whole prompts into a shared prefix (at least one token, never a whole row) and continuations. */
function shared(rows: number[][]): { prefix: number[]; continuations: number[][] } {
  const n = Math.max(1, Math.min(commonPrefixLength(rows), ...rows.map((r) => r.length - 1)));
  return { prefix: rows[0]!.slice(0, n), continuations: rows.map((r) => r.slice(n)) };
}

export function promptProfile(card: ModelCard, tokenizer: Tokenizer): PromptProfile {
  const t = card.templates;
  const passageWords = card.assessmentPassageWords;
  // The title and passage an assessment prompt shows: as trained, in words, and never longer in tokens than such
  // words take.
  const shown = (p: PromptPassage) => {
    const maxTokens = passageWords * TOKENS_PER_WORD;
    return {
      title: clipTokens(tokenizer, p.title, maxTokens),
      passage: clipTokens(tokenizer, firstWords(p.text, passageWords), maxTokens),
    };
  };
  if (card.promptProfile === 'self-retrieval') {
    const reject = tokenizer.encode(t.reject);
    return {
      kind: 'self-retrieval',
      retrieval: (query) => tokenizer.encode(fillTemplate(t.retrieval, { query })),
      assessment(query, passages) {
        // As trained: the prompt and the reject text tokenized apart, the reject text's tokens scored.
        const rows = passages.map((p) => [
          ...tokenizer.encode(fillTemplate(t.assessment, { query, ...shown(p) })),
          ...reject,
        ]);
        const { prefix, continuations } = shared(rows);
        return {
          prefix,
          continuations,
          alternatives: [],
          tail: reject.length,
          relevance(scores) {
            let sum = 0;
            for (let k = scores.length - reject.length; k < scores.length; k++) sum += scores[k]!;
            return 1 - Math.exp(sum / reject.length);
          },
        };
      },
      answer: (query, passages) => tokenizer.encode(fillTemplate(t.answer ?? ANSWER_SELF, { query, passages })),
    };
  }
  const chat = tokenizer.applyChatTemplate?.bind(tokenizer);
  if (!chat)
    throw new PromptProfileError('NO_CHAT_TEMPLATE', `model "${card.id}" has a chat profile but no chat template`);
  const user = (content: string, reply = ''): number[] =>
    tokenizer.encode(chat([{ role: 'user', content } satisfies ChatMessage]) + reply);
  // The answer's first token decides: "Yes" and "No" are single tokens in real chat vocabularies; where a word
  // takes several, its first token stands for it, as long as the two differ.
  const yes = tokenizer.encode(t.accept.trim());
  const no = tokenizer.encode(t.reject.trim());
  if (yes.length === 0 || no.length === 0 || yes[0] === no[0]) {
    throw new PromptProfileError(
      'BAD_RELEVANCE_WORDS',
      `model "${card.id}": the accept and reject words must start with different tokens ("${t.accept}", "${t.reject}")`,
    );
  }
  return {
    kind: 'chat',
    retrieval: (query) => user(fillTemplate(t.retrieval, { query }), t.response ?? CHAT_RESPONSE),
    assessment(query, passages) {
      const rows = passages.map((p) => user(fillTemplate(t.assessment, { query, ...shown(p) })));
      const { prefix, continuations } = shared(rows);
      return {
        prefix,
        continuations,
        alternatives: [yes[0]!, no[0]!],
        tail: 0,
        relevance(scores) {
          const pYes = Math.exp(scores[scores.length - 2]!);
          const pNo = Math.exp(scores[scores.length - 1]!);
          return pYes + pNo > 0 ? pYes / (pYes + pNo) : 0.5;
        },
      };
    },
    answer: (query, passages) => user(fillTemplate(t.answer ?? ANSWER_CHAT, { query, passages })),
  };
}
