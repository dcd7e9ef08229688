// Evaluation of a ranker over queries with graded judgements: the JSON report of `self-retrieval eval` (README
// "Evaluation"). A ranker is any query → ranked document ids function, so the modes, the ablations and the
// baselines are measured by the same loop.
import type { EvalQuery } from '../core/eval-data';
import { meanMetrics, percentile, rankingMetrics, type Qrels, type RankingMetrics } from '../core/metrics';
import { Progress } from './progress';

export interface Ranking {
  /** Document ids (as the judgements name them), best first. */
  readonly ids: readonly string[];
  readonly forwardPasses: number;
  readonly generatedTokens: number;
}

export type Ranker = (query: string) => Promise<Ranking>;

export interface EvalReport {
  readonly mode: string;
  readonly queries: number;
  readonly metrics: RankingMetrics;
  readonly latencyMs: { readonly p50: number; readonly p95: number };
  readonly forwardPassesPerQuery: number;
  readonly generatedTokensPerQuery: number;
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

export async function evaluate(
  mode: string,
  ranker: Ranker,
  queries: readonly EvalQuery[],
  qrels: Qrels,
): Promise<{ report: EvalReport; perQuery: RankingMetrics[] }> {
  const perQuery: RankingMetrics[] = [];
  const latency: number[] = [];
  let passes = 0;
  let tokens = 0;
  const progress = new Progress(`eval ${mode}`, queries.length);
  for (const q of queries) {
    const started = performance.now();
    const ranking = await ranker(q.text);
    latency.push(performance.now() - started);
    passes += ranking.forwardPasses;
    tokens += ranking.generatedTokens;
    perQuery.push(rankingMetrics(ranking.ids, qrels.get(q.id) ?? new Map<string, number>()));
    progress.tick();
  }
  progress.done();
  const mean = meanMetrics(perQuery);
  const n = Math.max(1, queries.length);
  return {
    report: {
      mode,
      queries: queries.length,
      metrics: Object.fromEntries(
        (Object.keys(mean) as (keyof RankingMetrics)[]).map((k) => [k, round(mean[k])]),
      ) as unknown as RankingMetrics,
      latencyMs: { p50: round(percentile(latency, 50), 1), p95: round(percentile(latency, 95), 1) },
      forwardPassesPerQuery: round(passes / n, 2),
      generatedTokensPerQuery: round(tokens / n, 2),
    },
    perQuery,
  };
}
