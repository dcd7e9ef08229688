// The Self-Retrieval training recipe over a library's own passages: what the model reads to internalize them. No
// user queries exist for a dropped folder, so every example is made from the passages themselves:
//   - indexing: the passage's title as the question → its corpus key (title, separator, first words);
//   - retrieval: pseudo-queries made from the passage — its sentences and a keyword query of its rarest words —
//     → the same key, so the model learns to reach the passage from wording it has not seen whole;
//   - self-assessment: a pseudo-query with its own passage → the accept text, and with a sampled other passage
//     (half of them sharing the query's rarest word: hard negatives) → the reject text.
// Examples are text in the model card's templates, exactly as the search pipeline prompts at run time; the
// pipeline's tokenization (prompt and target apart, as keys and assessment rows are made) turns them into
// training examples. Everything is seeded: the same passages, seed and epoch give the same examples and batches,
// so a run resumed from a checkpoint replays its epoch exactly.
import { corpusKeyText, fillTemplate, type ModelCard } from './model-card';
import type { Tokenizer } from './language-model';
import { firstWords } from './prompt-profile';
import { mulberry32, shuffle } from './random';
import type { TrainingExample } from './training-batch';

export type RecipeTask = 'indexing' | 'retrieval' | 'assessment';

export interface RecipePassage {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

export interface RecipeExample {
  readonly task: RecipeTask;
  readonly passageId: string;
  readonly prompt: string;
  readonly target: string;
}

export interface RecipeOptions {
  /** Words of the passage a key target carries: enough to reach a unique prefix, as the demo model was trained. */
  readonly prefixWords: number;
  /** A sentence used as a pseudo-query is cut to this many words. */
  readonly queryWords: number;
  /** Sentences per passage used as pseudo-queries (the first ones). */
  readonly sentences: number;
  /** Words in a passage's keyword query. */
  readonly keywords: number;
  readonly seed: number;
}

export const DEFAULT_RECIPE: RecipeOptions = { prefixWords: 8, queryWords: 24, sentences: 6, keywords: 4, seed: 1234 };

/** `text` up to the end of its `n`th word, exactly as written (a key's prefix must be the key's own characters). */
export function leadingWords(text: string, n: number): string {
  let end = 0;
  let count = 0;
  for (const match of text.matchAll(/\S+/g)) {
    end = match.index + match[0].length;
    if (++count === n) break;
  }
  return text.slice(0, end);
}

/** Sentences of at least three words, each cut to `maxWords` words (joined by single spaces: a query). */
export function sentenceQueries(text: string, maxWords: number): string[] {
  return text
    .split(/(?<=[.?!])\s+/)
    .map((s) => s.split(/\s+/).filter(Boolean))
    .filter((w) => w.length >= 3)
    .map((w) => w.slice(0, maxWords).join(' '));
}

const WORD = /[\p{L}\p{N}]{3,}/gu;

/** Distinct lower-cased words of three letters or more, in order of first appearance. */
function distinctWords(text: string): string[] {
  return [...new Set(Array.from(text.toLocaleLowerCase().matchAll(WORD), (m) => m[0]))];
}

export class InternalizeRecipe {
  private readonly passages: readonly RecipePassage[];
  /** Per passage (same order): its pseudo-queries, the keyword query last. */
  private readonly queries: readonly string[][];
  /** Per passage: its rarest word (for hard negatives), and word → passages holding it. */
  private readonly rarest: readonly (string | undefined)[];
  private readonly holders = new Map<string, number[]>();

  constructor(
    private readonly card: ModelCard,
    passages: readonly RecipePassage[],
    readonly options: RecipeOptions = DEFAULT_RECIPE,
  ) {
    // A fixed order whatever order the store listed them in.
    this.passages = [...passages].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const words = this.passages.map((p) => distinctWords(`${p.title} ${p.text}`));
    for (const [i, list] of words.entries()) {
      for (const w of list) {
        const held = this.holders.get(w);
        if (held) held.push(i);
        else this.holders.set(w, [i]);
      }
    }
    const df = (w: string) => this.holders.get(w)!.length;
    // Each passage's words, rarest in the library first.
    const byRarity = words.map((list) => [...list].sort((a, b) => df(a) - df(b) || (a < b ? -1 : 1)));
    this.rarest = byRarity.map((list) => list[0]);
    this.queries = this.passages.map((p, i) => {
      const list = words[i]!;
      // The keyword query: the passage's rarest words (most telling), in the order the passage uses them.
      const chosen = new Set(byRarity[i]!.slice(0, options.keywords));
      const keywords = list.filter((w) => chosen.has(w)).join(' ');
      const sentences = sentenceQueries(p.text, options.queryWords).slice(0, options.sentences);
      return keywords ? [...sentences, keywords] : sentences;
    });
  }

  get size(): number {
    return this.passages.length;
  }

  private target(p: RecipePassage): string {
    return corpusKeyText(this.card.templates, p.title, leadingWords(p.text, this.options.prefixWords));
  }

  private retrieval(query: string): string {
    return fillTemplate(this.card.templates.retrieval, { query });
  }

  private assessment(query: string, p: RecipePassage): string {
    const passage = firstWords(p.text, this.card.assessmentPassageWords);
    return fillTemplate(this.card.templates.assessment, { query, title: p.title, passage });
  }

  /** Every example of epoch `epoch` (0-based), in passage order: indexing and retrieval are the same each epoch;
   * the assessment pairs use one of the passage's pseudo-queries in turn and a fresh negative. */
  epoch(epoch: number): RecipeExample[] {
    const random = mulberry32(this.options.seed * 1009 + epoch);
    const { accept, reject } = this.card.templates;
    const out: RecipeExample[] = [];
    for (const [i, p] of this.passages.entries()) {
      const target = this.target(p);
      if (p.title.trim()) out.push({ task: 'indexing', passageId: p.id, prompt: this.retrieval(p.title), target });
      for (const q of this.queries[i]!)
        out.push({ task: 'retrieval', passageId: p.id, prompt: this.retrieval(q), target });
      const queries = this.queries[i]!;
      if (queries.length === 0 || this.passages.length < 2) continue;
      const query = queries[epoch % queries.length]!;
      out.push({ task: 'assessment', passageId: p.id, prompt: this.assessment(query, p), target: accept });
      const negative = this.passages[this.negative(i, random)]!;
      out.push({ task: 'assessment', passageId: p.id, prompt: this.assessment(query, negative), target: reject });
    }
    return out;
  }

  /** Another passage than `i`: half the time one sharing its rarest word where there is one, else any. */
  private negative(i: number, random: () => number): number {
    const word = this.rarest[i];
    const sharing = word ? this.holders.get(word)!.filter((j) => j !== i) : [];
    if (sharing.length > 0 && random() < 0.5) return sharing[Math.floor(random() * sharing.length)]!;
    const j = Math.floor(random() * (this.passages.length - 1));
    return j >= i ? j + 1 : j;
  }
}

/** A recipe example as tokens: prompt and target tokenized apart, as the search pipeline makes its rows (the
 * retrieval prompt, then a corpus key; an assessment prompt, then the accept or reject text). Undefined when it is
 * longer than `maxLength` tokens (the model's context). */
export function tokenizeExample(
  tokenizer: Tokenizer,
  example: RecipeExample,
  maxLength: number,
): TrainingExample | undefined {
  const prompt = tokenizer.encode(example.prompt);
  const target = tokenizer.encode(example.target);
  if (prompt.length === 0 || target.length === 0 || prompt.length + target.length > maxLength) return undefined;
  return { ids: [...prompt, ...target], targetStart: prompt.length };
}

/** Length-bucketed batches of at most `maxTokens` tokens (padding included), in a seeded random order: the indices
 * of `lengths` per batch. Similar lengths share a batch, so little is padding. */
export function planBatches(lengths: readonly number[], maxTokens: number, random: () => number): number[][] {
  const keys = lengths.map(() => random());
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || keys[a]! - keys[b]!);
  const batches: number[][] = [];
  let current: number[] = [];
  let width = 0;
  for (const i of order) {
    const n = lengths[i]!;
    if (current.length > 0 && Math.max(width, n) * (current.length + 1) > maxTokens) {
      batches.push(current);
      current = [];
      width = 0;
    }
    current.push(i);
    width = Math.max(width, n);
  }
  if (current.length > 0) batches.push(current);
  return shuffle(batches, random);
}
