// The training recipe over a library's own passages: which examples it makes (indexing, pseudo-query retrieval,
// self-assessment with sampled negatives), that they are exactly what the search pipeline prompts and decodes
// (targets are prefixes of the passages' corpus keys, tokenized as keys are), and that they and their batches are
// the same on every run, whatever order the passages come in.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusKey } from '../src/core/corpus-keys';
import {
  InternalizeRecipe,
  leadingWords,
  planBatches,
  sentenceQueries,
  tokenizeExample,
  type RecipeExample,
} from '../src/core/internalize-recipe';
import type { Tokenizer } from '../src/core/language-model';
import { corpusKeyText, type ModelCard } from '../src/core/model-card';
import { mulberry32, shuffle } from '../src/core/random';
import { collate } from '../src/core/training-batch';
import { cranfieldPassages } from '../src/ingest/cranfield';
import { loadDemo } from './demo-model';
import { DEMO_CRANFIELD } from './paths';

const passages = cranfieldPassages(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8')).slice(0, 60);

describe('the internalization recipe', () => {
  let card: ModelCard;
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    const demo = await loadDemo();
    card = demo.card;
    tokenizer = demo.lm.tokenizer;
  });

  it('cuts texts as written: leading words keep their spacing, sentences become queries', () => {
    expect(leadingWords('one  two\nthree four', 3)).toBe('one  two\nthree');
    expect(leadingWords('short', 8)).toBe('short');
    expect(sentenceQueries('An experimental study. Of it. The wing was tested at high speed!', 4)).toEqual([
      'An experimental study.',
      'The wing was tested',
    ]);
  });

  it('makes indexing, retrieval and assessment examples in the card’s templates, targets on the corpus keys', () => {
    const recipe = new InternalizeRecipe(card, passages);
    const examples = recipe.epoch(0);
    const byTask = (task: RecipeExample['task']) => examples.filter((e) => e.task === task);
    expect(byTask('indexing')).toHaveLength(passages.length);
    expect(byTask('retrieval').length).toBeGreaterThan(passages.length * 3);
    expect(byTask('assessment')).toHaveLength(passages.length * 2);
    const byId = new Map(passages.map((p) => [p.id, p]));
    for (const e of [...byTask('indexing'), ...byTask('retrieval')]) {
      const p = byId.get(e.passageId)!;
      // The prompt is the pipeline's retrieval prompt; the target a prefix of the passage's own key text.
      const [before, after] = card.templates.retrieval.split('{query}');
      expect(e.prompt.startsWith(before!) && e.prompt.endsWith(after!)).toBe(true);
      expect(corpusKeyText(card.templates, p.title, p.text).startsWith(e.target)).toBe(true);
    }
    // The keyword query: rare words of the passage, in its order.
    const keywordQueries = byTask('retrieval').filter(
      (e) => !/[.?!]/.test(e.prompt.split('Question: ')[1]!.split('\n')[0]!),
    );
    expect(keywordQueries.length).toBeGreaterThan(passages.length / 2);
    // Assessment: each passage once with its own text (accept) and once with another passage (reject).
    const accepts = byTask('assessment').filter((e) => e.target === card.templates.accept);
    const rejects = byTask('assessment').filter((e) => e.target === card.templates.reject);
    expect(accepts).toHaveLength(passages.length);
    expect(rejects).toHaveLength(passages.length);
    const shown = (e: RecipeExample) => e.prompt.split(card.templates.separator)[1]!;
    for (const e of accepts) expect(shown(e)).toContain(byId.get(e.passageId)!.text.split(' ').slice(0, 12).join(' '));
    for (const e of rejects)
      expect(shown(e)).not.toContain(byId.get(e.passageId)!.text.split(' ').slice(0, 12).join(' '));
  });

  it('is the same whatever order the passages come in; negatives change from epoch to epoch', () => {
    const a = new InternalizeRecipe(card, passages).epoch(1);
    const b = new InternalizeRecipe(card, shuffle([...passages], mulberry32(5))).epoch(1);
    expect(b).toEqual(a);
    const next = new InternalizeRecipe(card, passages).epoch(2);
    const rejects = (list: RecipeExample[]) =>
      list.filter((e) => e.target === card.templates.reject).map((e) => e.prompt);
    expect(rejects(next)).not.toEqual(rejects(a));
  });

  it('tokenizes prompt and target apart, as keys are: targets are the first tokens of the corpus keys', () => {
    const recipe = new InternalizeRecipe(card, passages);
    const byId = new Map(passages.map((p) => [p.id, p]));
    let checked = 0;
    for (const e of recipe.epoch(0).filter((x) => x.task === 'indexing')) {
      const tokens = tokenizeExample(tokenizer, e, 256)!;
      expect(tokens.ids.slice(0, tokens.targetStart)).toEqual(tokenizer.encode(e.prompt));
      const p = byId.get(e.passageId)!;
      const key = Array.from(corpusKey(tokenizer, card.templates, p.title, p.text).tokens);
      // Cut after a word, the target's tokens are the key's own (byte-level BPE splits before a space).
      expect(tokens.ids.slice(tokens.targetStart)).toEqual(key.slice(0, tokens.ids.length - tokens.targetStart));
      checked++;
    }
    expect(checked).toBe(passages.length);
    expect(
      tokenizeExample(tokenizer, { task: 'indexing', passageId: 'x', prompt: 'a '.repeat(300), target: ' b' }, 256),
    ).toBeUndefined();
  });

  it('packs examples into length-bucketed batches of at most the token budget, the same on every run', () => {
    const random = mulberry32(3);
    const lengths = Array.from({ length: 500 }, () => 10 + Math.floor(random() * 90));
    const batches = planBatches(lengths, 1024, mulberry32(9));
    expect(batches.flat().sort((x, y) => x - y)).toEqual(lengths.map((_, i) => i));
    for (const b of batches) expect(Math.max(...b.map((i) => lengths[i]!)) * b.length).toBeLessThanOrEqual(1024);
    expect(planBatches(lengths, 1024, mulberry32(9))).toEqual(batches);
    const batch = collate(
      [
        { ids: [1, 2, 3, 4], targetStart: 2 },
        { ids: [5, 6], targetStart: 1 },
      ],
      0,
    );
    expect(Array.from(batch.ids)).toEqual([1, 2, 3, 4, 5, 6, 0, 0]);
    expect(Array.from(batch.targets)).toEqual([-1, 3, 4, -1, 6, -1, -1, -1]);
    expect(batch.targetCount).toBe(3);
  });
});
