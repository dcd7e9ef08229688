// Benchmark section `search`: one query end to end with the demo model on Node's CPU backend, on Cranfield tuning
// queries, each figure beside a baseline from the same run:
// - per mode, the median milliseconds per query relative to lexical BM25 (the floor) and to self mode;
// - the KV cache: the same constrained decode with this adapter (batched passes over live beams, forked from the
//   prompt's cached state) relative to a model without a cache that re-reads every beam's whole sequence, one
//   beam per pass — what decoding costs without the adapter's cache and batching;
// - self-assessment's share of a self-mode query.
import { readFileSync } from 'node:fs';
import { constrainedBeamSearch, DEFAULT_BEAM_SEARCH } from '../../core/beam-search';
import type { LanguageModel, NextTokenBatch, SequenceHandle } from '../../core/language-model';
import { buildLibrary, libraryCorpus } from '../../core/library-bundle';
import { parseModelCard } from '../../core/model-card';
import { promptProfile } from '../../core/prompt-profile';
import { SelfRetriever, type SearchOptions } from '../../core/self-retriever';
import { loadKeyer } from '../../engines/transformers/keyer';
import { loadTransformersLM } from '../../engines/transformers/load';
import { forwardLast } from '../../engines/transformers/runtime';
import type { TransformersLM } from '../../engines/transformers/transformers-lm';
import { cranfieldLibrary } from '../../ingest/cranfield';
import { cranfieldEvalData } from '../cranfield-data';
import { median, round } from './stats';

const QUERIES = 20;

/** The baseline decoder: no cache, no batching — every beam's whole sequence is read again for every step. */
class UncachedLM implements LanguageModel {
  forwardPasses = 0;
  constructor(private readonly lm: TransformersLM) {}
  get tokenizer() {
    return this.lm.tokenizer;
  }
  private async batch(sequences: number[][]): Promise<NextTokenBatch> {
    const vocab = this.tokenizer.vocabSize;
    const logProbs = new Float32Array(sequences.length * vocab);
    for (const [i, tokens] of sequences.entries()) {
      const { logits } = await forwardLast(this.lm.causal, tokens);
      this.forwardPasses++;
      let max = -Infinity;
      for (const v of logits) max = Math.max(max, v);
      let sum = 0;
      for (const v of logits) sum += Math.exp(v - max);
      const logZ = max + Math.log(sum);
      for (let v = 0; v < vocab; v++) logProbs[i * vocab + v] = logits[v]! - logZ;
    }
    return { handles: sequences.map((tokens) => ({ length: tokens.length, tokens })), logProbs, vocabSize: vocab };
  }
  prefill(tokens: readonly number[]) {
    return this.batch([[...tokens]]);
  }
  extend(parents: readonly SequenceHandle[], tokens: readonly number[]) {
    return this.batch(parents.map((p, i) => [...(p as SequenceHandle & { tokens: number[] }).tokens, tokens[i]!]));
  }
  score(): Promise<Float32Array[]> {
    throw new Error('not used by the decode');
  }
  release(): void {}
}

export async function benchSearch(root: string) {
  const modelRoot = `${root}public/models/`;
  const card = parseModelCard(JSON.parse(readFileSync(`${modelRoot}cranfield-tiny/model-card.json`, 'utf8')));
  const lm = await loadTransformersLM({ modelRoot }, 'cranfield-tiny', { device: 'cpu', dtype: card.dtype });
  const source = readFileSync(`${root}public/demo/cranfield/cran.all.1400`, 'utf8');
  const library = buildLibrary(cranfieldLibrary(source, await loadKeyer('cranfield-tiny', card)));
  const retriever = new SelfRetriever(libraryCorpus(library), { lm, card, profile: promptProfile(card, lm.tokenizer) });
  const queries = cranfieldEvalData(`${root}public/demo/cranfield`, 'tune').queries.slice(0, QUERIES);

  const perQuery = async (options: Partial<SearchOptions>) => {
    await retriever.search(queries[0]!.text, options); // warm-up
    const times: number[] = [];
    for (const q of queries) {
      const started = performance.now();
      await retriever.search(q.text, options);
      times.push(performance.now() - started);
    }
    return median(times);
  };
  const lexical = await perQuery({ mode: 'lexical' });
  const self = await perQuery({ mode: 'self' });
  const hybrid = await perQuery({ mode: 'hybrid' });
  const selfNoAssess = await perQuery({ mode: 'self', assess: false });

  const decode = async (model: LanguageModel) => {
    const times: number[] = [];
    for (const q of queries.slice(0, 5)) {
      const started = performance.now();
      await constrainedBeamSearch(
        model,
        library.index,
        retriever.model!.profile.retrieval(q.text),
        DEFAULT_BEAM_SEARCH,
      );
      times.push(performance.now() - started);
    }
    return median(times);
  };
  const cached = await decode(lm);
  const uncached = await decode(new UncachedLM(lm));
  return {
    queries: queries.length,
    lexicalMillis: round(lexical, 2),
    selfOverLexical: round(self / lexical, 1),
    hybridOverLexical: round(hybrid / lexical, 1),
    hybridOverSelf: round(hybrid / self),
    assessmentShareOfSelf: round(1 - selfNoAssess / self),
    decodeMillis: round(cached, 1),
    /** The adapter's cached, batched decode relative to re-reading every beam from scratch (the baseline). */
    decodeCachedOverUncached: round(cached / uncached),
    liveTensorsAfter: lm.stats.liveTensors,
  };
}
