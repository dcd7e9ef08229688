// Constrained beam search over random corpora and a toy model: results are always corpus keys, wide beams find
// every key, handles never leak (finished, aborted or out of budget), and the forward-pass count is the batching.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constrainedBeamSearch, DEFAULT_BEAM_SEARCH } from '../src/core/beam-search';
import { CorpusIndex } from '../src/core/corpus-index';
import { LiveIndex } from '../src/core/live-index';
import { ToyModel } from './toy-model';

const VOCAB = 8;
const END = VOCAB - 1;
const corpus = fc.array(
  fc.record({
    tokens: fc.array(fc.integer({ min: 0, max: END - 1 }), { minLength: 1, maxLength: 8 }),
    titleLength: fc.integer({ min: 0, max: 3 }),
  }),
  { minLength: 1, maxLength: 30 },
);
const distinctKeys = (keys: { tokens: number[] }[]) => new Set(keys.map((k) => JSON.stringify(k.tokens))).size;

describe('constrainedBeamSearch', () => {
  it('returns only corpus keys, each once, and releases every handle', async () => {
    await fc.assert(
      fc.asyncProperty(
        corpus,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(),
        async (keys, T, P, seed) => {
          const index = CorpusIndex.build(keys, { endToken: END });
          const lm = new ToyModel(VOCAB, seed);
          const result = await constrainedBeamSearch(lm, index, [1, 2], {
            titleBeams: T,
            contentBeams: P,
            maxSteps: 100,
          });
          expect(lm.live.size).toBe(0);
          expect(result.forwardPasses).toBe(lm.forwardPasses); // the reported count is every batched pass made
          expect(result.candidates.length).toBeGreaterThan(0);
          const seen = new Set<number>();
          for (const c of result.candidates) {
            for (const entry of c.entries) {
              const key = keys[entry]!.tokens;
              // The generated prefix is the key's own prefix (reading past its end as END).
              expect(c.tokens).toEqual(c.tokens.map((_, d) => key[d] ?? END));
              expect(seen.has(entry)).toBe(false);
              seen.add(entry);
            }
            expect(c.score).toBeCloseTo(c.logProb / c.tokens.length, 5);
            const lp = c.tokens.reduce((sum, t, d) => sum + lm.logProbs([1, 2, ...c.tokens.slice(0, d)])[t]!, 0);
            expect(c.logProb).toBeCloseTo(lp, 4);
          }
          const scores = result.candidates.map((c) => c.score);
          expect(scores).toEqual([...scores].sort((a, b) => b - a));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('finds every key when the title beams are wider than the corpus and titles span whole keys', async () => {
    await fc.assert(
      fc.asyncProperty(corpus, async (keys) => {
        const index = CorpusIndex.build(
          keys.map((k) => ({ ...k, titleLength: k.tokens.length + 1 })),
          { endToken: END },
        );
        const lm = new ToyModel(VOCAB);
        const result = await constrainedBeamSearch(lm, index, [3], { titleBeams: 64, contentBeams: 64, maxSteps: 100 });
        expect(result.candidates.length).toBe(distinctKeys(keys));
        expect(result.candidates.reduce((n, c) => n + c.entries.length, 0)).toBe(keys.length);
      }),
    );
  });

  it('yields fewer beams than asked, never junk, when the corpus has fewer keys', async () => {
    const index = CorpusIndex.build(
      [
        { tokens: [1, 2, 3], titleLength: 1 },
        { tokens: [1, 4, 5], titleLength: 1 },
      ],
      { endToken: END },
    );
    const result = await constrainedBeamSearch(new ToyModel(VOCAB), index, [0], DEFAULT_BEAM_SEARCH);
    expect(result.candidates.map((c) => [...c.entries]).sort()).toEqual([[0], [1]]);
    // Prefill, then [1] (shared title), then the branch is resolved by unique leaves: no further forward pass.
    expect(result.forwardPasses).toBe(2);
  });

  it('stops at the step budget, counting the dropped beams, and leaks nothing', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => ({
      tokens: [1, 2, 3, 4, 5, i % 7, (i * 3) % 7],
      titleLength: 2,
    }));
    const lm = new ToyModel(VOCAB);
    const result = await constrainedBeamSearch(lm, CorpusIndex.build(keys, { endToken: END }), [0], {
      titleBeams: 3,
      contentBeams: 3,
      maxSteps: 2,
    });
    expect(result.forwardPasses).toBe(2);
    expect(result.truncated).toBeGreaterThan(0);
    expect(lm.live.size).toBe(0);
  });

  it('can be cancelled, releasing its handles', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => ({ tokens: [i % 5, (i * 7) % 6, i % 4, 1, 2], titleLength: 2 }));
    const lm = new ToyModel(VOCAB);
    const controller = new AbortController();
    const extend = lm.extend.bind(lm);
    lm.extend = (parents, tokens) => {
      controller.abort();
      return extend(parents, tokens);
    };
    await expect(
      constrainedBeamSearch(lm, CorpusIndex.build(keys, { endToken: END }), [0], {
        titleBeams: 3,
        contentBeams: 3,
        maxSteps: 50,
        signal: controller.signal,
      }),
    ).rejects.toThrow();
    expect(lm.live.size).toBe(0);
  });
});

describe('constrainedBeamSearch over a LiveIndex', () => {
  it('finds exactly the live keys after additions and removals', async () => {
    await fc.assert(
      fc.asyncProperty(corpus, corpus, fc.array(fc.nat(), { maxLength: 10 }), async (initial, added, removals) => {
        const all = [...initial, ...added].map((k) => ({ ...k, titleLength: k.tokens.length + 1 }));
        const live = new LiveIndex(CorpusIndex.build(all.slice(0, initial.length), { endToken: END }), {
          endToken: END,
          keyOf: (entry) => all[entry]!,
          compactShare: 1e9,
        });
        added.forEach((_, i) => live.add(initial.length + i, all[initial.length + i]!));
        const alive = new Set(all.map((_, i) => i));
        for (const r of removals) {
          const victim = [...alive][r % alive.size]!;
          if (alive.size > 1 && live.remove(victim)) alive.delete(victim);
        }
        const lm = new ToyModel(VOCAB);
        const result = await constrainedBeamSearch(lm, live, [3], { titleBeams: 128, contentBeams: 8, maxSteps: 100 });
        expect(lm.live.size).toBe(0);
        expect(result.candidates.flatMap((c) => [...c.entries]).sort((a, b) => a - b)).toEqual([...alive]);
      }),
      { numRuns: 100 },
    );
  });
});
