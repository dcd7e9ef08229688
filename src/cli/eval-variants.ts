// The evaluation table of the pipeline issue, one run per variant over the same queries: BM25, the paper's
// procedure (self mode), hybrid, the two ablations (no self-assessment; no titles) and BM25's top 20 reranked by
// the model's path score — each with a paired bootstrap of its MRR@5 against BM25 on the same queries.
import { CorpusIndex, type IndexState } from '../core/corpus-index';
import { corpusKeys } from '../core/corpus-keys';
import type { EvalQuery } from '../core/eval-data';
import type { LoadedLibrary } from '../core/library-bundle';
import { pairedBootstrap, type Qrels, type RankingMetrics } from '../core/metrics';
import { SelfRetriever, type SearchOptions } from '../core/self-retriever';
import { evaluate, type EvalReport, type Ranking } from './evaluate';

/** A ranker over index entries (mapped to judged ids by the caller). */
type EntryRanker = (query: string) => Promise<Omit<Ranking, 'ids'> & { readonly entries: readonly number[] }>;

export interface VariantReport extends EvalReport {
  readonly variant: string;
  /** MRR@5 minus BM25's on the same queries, with a 95% bootstrap interval. */
  readonly mrr5VsLexical: { readonly meanDiff: number; readonly low: number; readonly high: number };
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/** BM25's top `depth`, reordered by BM25 / best + weight · mean log P_model(title + first words of the passage). */
function rerankedLexical<S>(retriever: SelfRetriever<S>, depth = 20, weight = 0.5, words = 10): EntryRanker {
  const model = retriever.model!;
  const { lm, card, profile } = model;
  return async (query) => {
    const hits = await retriever.corpus.lexical.query(query, depth);
    if (hits.length === 0) return { entries: [], forwardPasses: 0, generatedTokens: 0 };
    const passes = lm.forwardPasses;
    const passages = await Promise.all(hits.map(async (h) => retriever.corpus.passage(h.entry)));
    const keys = corpusKeys(
      lm.tokenizer,
      card.templates,
      passages.map((p) => ({ title: p.title, text: p.text.split(' ').slice(0, words).join(' ') })),
    );
    const first = await lm.prefill(profile.retrieval(query));
    const handle = first.handles[0]!;
    let scores: Float32Array[];
    try {
      scores = await lm.score(
        handle,
        keys.map((k) => Array.from(k.tokens)),
      );
    } finally {
      lm.release(handle);
    }
    const best = hits[0]!.score;
    const ranked = hits
      .map((h, i) => ({
        entry: h.entry,
        s: h.score / best + (weight * scores[i]!.reduce((a, b) => a + b, 0)) / scores[i]!.length,
      }))
      .sort((a, b) => b.s - a.s);
    return { entries: ranked.map((r) => r.entry), forwardPasses: lm.forwardPasses - passes, generatedTokens: 0 };
  };
}

/** The same model over an index of keys without titles: the separator and the passage, the title stage skipped. */
function withoutTitles<S>(
  retriever: SelfRetriever<S>,
  library: Pick<LoadedLibrary, 'passages'>,
): SelfRetriever<IndexState> {
  const { lm, card } = retriever.model!;
  const keys = corpusKeys(lm.tokenizer, { ...card.templates, title: '' }, library.passages);
  const index = CorpusIndex.build(keys, { endToken: lm.tokenizer.eosTokenId });
  return new SelfRetriever<IndexState>({ ...retriever.corpus, index }, retriever.model);
}

export async function evalVariants<S>(
  retriever: SelfRetriever<S>,
  library: Pick<LoadedLibrary, 'passages'>,
  queries: readonly EvalQuery[],
  qrels: Qrels,
  docId: (entry: number) => string,
  options: Partial<SearchOptions>,
): Promise<VariantReport[]> {
  const search =
    (r: SelfRetriever<unknown>, o: Partial<SearchOptions>): EntryRanker =>
    async (q) => {
      const result = await r.search(q, { ...options, ...o });
      return {
        entries: result.results.map((p) => p.entry),
        forwardPasses: result.stats.forwardPasses,
        generatedTokens: result.stats.generatedTokens,
      };
    };
  const any = retriever as SelfRetriever<unknown>;
  const variants: [string, EntryRanker][] = [['lexical', search(any, { mode: 'lexical' })]];
  if (retriever.model) {
    variants.push(
      ['self', search(any, { mode: 'self' })],
      ['hybrid', search(any, { mode: 'hybrid' })],
      ['self-no-assessment', search(any, { mode: 'self', assess: false })],
      ['self-no-titles', search(withoutTitles(retriever, library) as SelfRetriever<unknown>, { mode: 'self' })],
      ['lexical-top20-reranked-by-path', rerankedLexical(retriever)],
      ['paper-procedure', search(any, { mode: 'self', titleBeams: 5, contentBeams: 10, k: 10 })],
    );
  }
  const reports: VariantReport[] = [];
  let lexical: RankingMetrics[] = [];
  for (const [variant, ranker] of variants) {
    const { report, perQuery } = await evaluate(
      variant,
      async (q) => {
        const r = await ranker(q);
        return { ...r, ids: r.entries.map(docId) };
      },
      queries,
      qrels,
    );
    if (variant === 'lexical') lexical = perQuery;
    const b = pairedBootstrap(
      perQuery.map((m) => m['MRR@5']),
      lexical.map((m) => m['MRR@5']),
    );
    reports.push({
      variant,
      ...report,
      mrr5VsLexical: { meanDiff: round(b.meanDiff), low: round(b.low), high: round(b.high) },
    });
  }
  return reports;
}
