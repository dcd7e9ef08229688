// The transformers.js adapter against the model itself: batched, cached, forked passes give the log-probabilities
// of one plain forward pass over the whole sequence; `score` is one pass; every cache tensor is disposed exactly
// once — after beam searches, an aborted search and a whole run of searches.
import { beforeAll, describe, expect, it } from 'vitest';
import { constrainedBeamSearch, DEFAULT_BEAM_SEARCH } from '../src/core/beam-search';
import { CorpusIndex } from '../src/core/corpus-index';
import { corpusKeys } from '../src/core/corpus-keys';
import { row } from '../src/core/language-model';
import { retrievalPrompt } from '../src/core/model-card';
import { continuationLogProbs } from '../src/engines/transformers/runtime';
import { pickDtype } from '../src/engines/transformers/pick-dtype';
import type { TransformersLM } from '../src/engines/transformers/transformers-lm';
import { cranfieldPassages } from '../src/ingest/cranfield';
import { loadDemo, readDemo } from './demo-model';

describe('TransformersLM (Node CPU, fixture model)', () => {
  let lm: TransformersLM;
  let prompt: number[];
  beforeAll(async () => {
    const demo = await loadDemo();
    lm = demo.lm;
    prompt = lm.tokenizer.encode(retrievalPrompt(demo.card, 'what similarity laws must be obeyed'));
  });

  /** log P of `next` after `tokens` from one uncached forward pass. */
  const plain = async (tokens: number[], next: number) => (await continuationLogProbs(lm.causal, tokens, [next]))[0]!;

  it('extends forked beams in one pass with the log-probabilities of an uncached forward', async () => {
    const first = await lm.prefill(prompt);
    const root = first.handles[0]!;
    expect(row(first, 0)[123]).toBeCloseTo(await plain(prompt, 123), 4);
    // Fork the prompt into three beams (a gather), then continue all three in order (the no-copy path), then drop one.
    const a = await lm.extend([root, root, root], [10, 20, 30]);
    const b = await lm.extend(a.handles, [11, 21, 31]);
    const c = await lm.extend([b.handles[2]!, b.handles[0]!], [40, 41]);
    expect(a.vocabSize).toBe(lm.tokenizer.vocabSize);
    for (const [batch, i, seq] of [
      [a, 1, [20]],
      [b, 2, [30, 31]],
      [c, 0, [30, 31, 40]],
      [c, 1, [10, 11, 41]],
    ] as const) {
      const probe = 123;
      expect(row(batch, i)[probe]).toBeCloseTo(await plain([...prompt, ...seq], probe), 4);
    }
    for (const h of [root, ...a.handles, ...b.handles, ...c.handles]) lm.release(h);
    expect(lm.stats.liveTensors).toBe(0);
    expect(lm.stats.liveHandles).toBe(0);
    expect(() => lm.release(root)).toThrow(/after release/);
  });

  it('scores continuations of different lengths, and alternatives after them, in one pass', async () => {
    const first = await lm.prefill(prompt);
    const root = first.handles[0]!;
    const continuations = [[5, 6, 7, 8], [9], [300, 301]];
    const before = lm.stats.forwardPasses;
    const scores = await lm.score(root, continuations, { alternatives: [42, 43] });
    expect(lm.stats.forwardPasses - before).toBe(1);
    for (const [i, c] of continuations.entries()) {
      const expected = await continuationLogProbs(lm.causal, prompt, [...c]);
      for (let t = 0; t < c.length; t++) expect(scores[i]![t]).toBeCloseTo(expected[t]!, 4);
      for (const [k, alt] of [42, 43].entries()) {
        expect(scores[i]![c.length + k]).toBeCloseTo(await plain([...prompt, ...c], alt), 4);
      }
    }
    const tail = await lm.score(root, continuations, { tail: 1, alternatives: [42] });
    tail.forEach((row, i) => {
      const c = continuations[i]!;
      expect(Array.from(row.subarray(0, c.length - 1)).every(Number.isNaN)).toBe(true);
      expect(row[c.length - 1]).toBeCloseTo(scores[i]![c.length - 1]!, 5);
      expect(row[c.length]).toBeCloseTo(scores[i]![c.length]!, 5);
    });
    lm.release(root);
    expect(lm.stats.liveTensors).toBe(0);
  });

  it('leaks no cache tensor over 100 searches, nor when a search is aborted', async () => {
    const passages = cranfieldPassages(readDemo('cran.all.1400')).slice(0, 300);
    const demo = await loadDemo();
    const keys = corpusKeys(lm.tokenizer, demo.card.templates, passages);
    const index = CorpusIndex.build(keys, { endToken: lm.tokenizer.eosTokenId });
    for (let q = 0; q < 100; q++) {
      const tokens = lm.tokenizer.encode(retrievalPrompt(demo.card, `query number ${q} about flow`));
      const result = await constrainedBeamSearch(lm, index, tokens, {
        ...DEFAULT_BEAM_SEARCH,
        titleBeams: 2,
        contentBeams: 2,
      });
      expect(result.candidates.length).toBeGreaterThan(0);
      expect(lm.stats.liveTensors).toBe(0);
    }
    const controller = new AbortController();
    const search = constrainedBeamSearch(lm, index, prompt, { ...DEFAULT_BEAM_SEARCH, signal: controller.signal });
    controller.abort();
    await expect(search).rejects.toThrow();
    expect(lm.stats.liveTensors).toBe(0);
    expect(lm.stats.liveHandles).toBe(0);
  });
});

describe('pickDtype', () => {
  const all = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'] as const;
  it('takes half precision on WebGPU only with shader-f16, q8 first on wasm and CPU', () => {
    expect(pickDtype(all, 'webgpu', true)).toBe('q4f16');
    expect(pickDtype(['fp16', 'fp32'], 'webgpu', true)).toBe('fp16');
    expect(pickDtype(all, 'webgpu', false)).toBe('q4');
    expect(pickDtype(['fp16', 'fp32'], 'webgpu', false)).toBe('fp32');
    expect(pickDtype(all, 'wasm')).toBe('q8');
    expect(pickDtype(['q4', 'fp32'], 'cpu')).toBe('q4');
    expect(() => pickDtype(['q4f16'], 'wasm')).toThrow(/no weight format/);
  });
});
