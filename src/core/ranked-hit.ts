// A search hit as it crosses every boundary — worker protocols, the widget's events, the CLI's JSON: the passage
// itself with its rank and scores. Streamed candidates (found by the decode, not yet ranked) have a type of their
// own, without scores, so no view ever shows a made-up one. Pure data.
import type { Passage } from './passage';
import type { PassageScores, RankedPassage } from './self-retriever';

export interface RankedHit {
  /** 1-based. */
  readonly rank: number;
  readonly passage: Passage;
  readonly scores: PassageScores;
}

/** A passage the constrained decode has just reached, before self-assessment and fusion rank it. */
export interface CandidateHit {
  readonly passage: Passage;
  /** Mean log P per generated token of the decoded path. */
  readonly path: number;
}

/** A ranked passage of the retriever, with the passage behind its entry. */
export function rankedHit(ranked: Pick<RankedPassage, 'rank' | 'scores'>, passage: Passage): RankedHit {
  return { rank: ranked.rank, passage, scores: ranked.scores };
}

/** The scores of a keyword (BM25) hit: the score is both the ranking and the lexical one; the model's are absent. */
export function lexicalScores(bm25: number): PassageScores {
  return { title: null, path: null, assessment: null, fused: bm25, prior: null, lexical: bm25 };
}
