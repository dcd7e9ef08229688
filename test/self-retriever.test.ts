// SelfRetriever over a toy model and a random corpus: results are corpus entries with every score; the modes do
// what they say (lexical = BM25 order, hybrid with a dominant prior follows BM25, self ignores it); candidates
// stream before the ranking; cancelling at any point releases every handle; bad input is a coded error.
import { describe, expect, it } from 'vitest';
import { CorpusIndex } from '../src/core/corpus-index';
import { corpusKeys } from '../src/core/corpus-keys';
import { fuse } from '../src/core/fusion';
import { LexicalIndex } from '../src/core/lexical-index';
import { promptProfile } from '../src/core/prompt-profile';
import { LiveIndex } from '../src/core/live-index';
import type { PrefixIndex } from '../src/core/prefix-index';
import { SelfRetriever, type SearchEvent } from '../src/core/self-retriever';
import { TOY_CARD, ToyModel } from './toy-model';

const WORDS = ['wing', 'flow', 'heat', 'shock', 'plate', 'boundary', 'layer', 'cone', 'jet', 'panel', 'mach', 'drag'];

function passages(n: number, seed = 7) {
  let s = seed;
  const rand = () => ((s = Math.imul(s ^ (s >>> 15), 2246822507) + 12345) >>> 0) / 2 ** 32;
  const pick = (k: number) => Array.from({ length: k }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
  return Array.from({ length: n }, (_, i) => ({ title: `${pick(2)} ${i % 7}`, text: `${pick(12)} number ${i}` }));
}

const card = TOY_CARD;

function setup(n = 60, live = false) {
  const lm = new ToyModel(128, 3);
  const docs = passages(n);
  const keys = corpusKeys(lm.tokenizer, card.templates, docs);
  const main = CorpusIndex.build(keys, { endToken: lm.tokenizer.eosTokenId });
  // Both index kinds behind one type: the retriever is generic over the index's state.
  const index = (
    live ? new LiveIndex(main, { endToken: lm.tokenizer.eosTokenId, keyOf: (e) => keys[e]! }) : main
  ) as PrefixIndex<unknown>;
  const lexical = LexicalIndex.empty();
  lexical.add(docs.map((d, entry) => ({ entry, ...d })));
  const corpus = { index, lexical, passage: (entry: number) => docs[entry]! };
  const retriever = new SelfRetriever<unknown>(corpus, { lm, card, profile: promptProfile(card, lm.tokenizer) });
  return { lm, docs, retriever };
}

describe('SelfRetriever', () => {
  it('returns corpus entries with every score, and releases every handle', async () => {
    for (const live of [false, true]) {
      const { lm, docs, retriever } = setup(60, live);
      for (const mode of ['self', 'hybrid'] as const) {
        const result = await retriever.search('heat flow over a cone', { mode, k: 5, titleBeams: 5, contentBeams: 3 });
        expect(result.results.length).toBeGreaterThan(0);
        expect(result.results.length).toBeLessThanOrEqual(5);
        expect(new Set(result.results.map((r) => r.entry)).size).toBe(result.results.length);
        for (const [i, r] of result.results.entries()) {
          expect(r.rank).toBe(i + 1);
          expect(docs[r.entry]).toBeDefined();
          expect(r.scores.assessment).toBeGreaterThanOrEqual(0);
          expect(r.scores.assessment).toBeLessThanOrEqual(1);
          expect(r.scores.path).toBeLessThan(0);
          expect(r.scores.title).toBeGreaterThan(0);
          expect(r.scores.prior === null).toBe(mode === 'self');
        }
        const fused = result.results.map((r) => r.scores.fused);
        expect(fused).toEqual([...fused].sort((a, b) => b - a));
        expect(result.stats.forwardPasses).toBeGreaterThan(0);
        expect(result.stats.assessed).toBe(result.stats.candidates);
        expect(lm.live.size).toBe(0);
      }
    }
  });

  it('lexical mode is BM25 and needs no model', async () => {
    const { docs } = setup();
    const lexical = LexicalIndex.empty();
    lexical.add(docs.map((d, entry) => ({ entry, ...d })));
    const retriever = new SelfRetriever({
      index: CorpusIndex.build([], { endToken: 0 }),
      lexical,
      passage: (e) => docs[e]!,
    });
    const result = await retriever.search('shock layer', { k: 4 });
    expect(result.mode).toBe('lexical');
    expect(result.results.map((r) => r.entry)).toEqual(lexical.query('shock layer', 4).map((h) => h.entry));
    await expect(retriever.search('shock', { mode: 'self' })).rejects.toMatchObject({ code: 'NO_MODEL' });
  });

  it('a dominant prior makes the hybrid decode find BM25’s best passage; λ = 0 ignores the prior', async () => {
    const { retriever, lm } = setup(80);
    const query = 'boundary layer plate drag';
    const best = (await retriever.corpus.lexical.query(query, 1))[0]!.entry;
    const hybrid = await retriever.search(query, { mode: 'hybrid', lambda: 50, priorTemperature: 0.05, k: 3 });
    expect(hybrid.results[0]!.entry).toBe(best);
    const self = await retriever.search(query, { mode: 'self', k: 3 });
    const selfAgain = await retriever.search(query, { mode: 'hybrid', lambda: 0, k: 3 });
    expect(selfAgain.results.map((r) => r.entry)).toEqual(self.results.map((r) => r.entry));
    expect(lm.live.size).toBe(0);
  });

  it('streams each candidate, then how many are judged, before the ranking', async () => {
    const { retriever } = setup();
    const events: SearchEvent[] = [];
    const result = await retriever.search('jet panel', { onEvent: (e) => events.push(e), assessBatch: 2 });
    const candidates = events.filter((e) => e.type === 'candidate');
    expect(candidates.length).toBe(result.stats.candidates);
    expect(events.at(-1)).toEqual({ type: 'ranked', result });
    const judged = events.flatMap((e) => (e.type === 'judged' ? [e] : []));
    const firstJudged = events.findIndex((e) => e.type === 'judged');
    expect(events.slice(0, firstJudged).every((e) => e.type === 'candidate')).toBe(true);
    expect(result.stats.assessed).toBeGreaterThan(2);
    expect(judged.length).toBe(Math.ceil(result.stats.assessed / 2));
    expect(judged.at(-1)).toEqual({ type: 'judged', judged: result.stats.assessed, of: result.stats.assessed });
    expect(judged.map((e) => e.judged)).toEqual([...judged.map((e) => e.judged)].sort((a, b) => a - b));
  });

  it('cancels at any point — before, while decoding, while assessing — and leaks nothing', async () => {
    const { retriever, lm } = setup();
    for (let after = 0; after < 12; after++) {
      const controller = new AbortController();
      let events = 0;
      const search = retriever.search('mach cone heat', {
        signal: controller.signal,
        onEvent: () => {
          if (++events > after) controller.abort();
        },
      });
      if (after === 0) controller.abort();
      await search.then(
        () => undefined,
        (error: unknown) => expect((error as Error).name).toBe('AbortError'),
      );
      expect(lm.live.size).toBe(0);
    }
  });

  it('refuses an empty query and bad options with a code', async () => {
    const { retriever } = setup();
    await expect(retriever.search('   ')).rejects.toMatchObject({ code: 'EMPTY_QUERY' });
    await expect(retriever.search('x', { k: 0 })).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
    await expect(retriever.search('x', { tau: 0 })).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
    await expect(retriever.search('x', { lambda: -1 })).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
  });

  it('says plainly that no answer model is loaded, and answers when forced', async () => {
    const { retriever, lm } = setup();
    const result = await retriever.search('wing drag', { k: 3 });
    const refused = await retriever.answer('wing drag', result.results);
    expect(refused.available).toBe(false);
    if (!refused.available) expect(refused.reason).toContain('No answer model is loaded');
    const tokens: string[] = [];
    const forced = await retriever.answer('wing drag', result.results, {
      force: true,
      maxTokens: 6,
      onToken: (t) => tokens.push(t),
    });
    expect(forced.available).toBe(true);
    if (forced.available) {
      expect(tokens.join('')).toBe(forced.answer.text);
      for (const c of forced.answer.citations)
        expect(result.results.slice(0, 3).map((r) => r.entry)).toContain(c.entry);
    }
    expect(lm.live.size).toBe(0);
  });
});

describe('fuse', () => {
  it('is the paper’s product of a title softmax and a within-title softmax', () => {
    const out = fuse(
      [
        { title: 'a', titleLogScore: -1, assessment: 0.9 },
        { title: 'a', titleLogScore: -1, assessment: 0.1 },
        { title: 'b', titleLogScore: -2, assessment: 0.5 },
      ],
      { tau: 0.4, delta: 0.4 },
    );
    const ta = 1 / (1 + Math.exp(-1 / 0.4));
    expect(out[0]!.title).toBeCloseTo(ta, 10);
    expect(out[2]!.title).toBeCloseTo(1 - ta, 10);
    expect(out[0]!.withinTitle).toBeCloseTo(1 / (1 + Math.exp(-0.8 / 0.4)), 10);
    expect(out[2]!.withinTitle).toBe(1);
    expect(out.reduce((s, f) => s + f.fused, 0)).toBeCloseTo(1, 10);
    expect(() => fuse([], { tau: 0, delta: 1 })).toThrow(RangeError);
  });

  it('splits a title’s share equally when nothing was assessed', () => {
    const out = fuse(
      [
        { title: 'a', titleLogScore: -1, assessment: null },
        { title: 'a', titleLogScore: -1, assessment: null },
      ],
      { tau: 0.4, delta: 0.4 },
    );
    expect(out.map((f) => f.fused)).toEqual([0.5, 0.5]);
  });
});
