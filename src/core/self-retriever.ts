// SelfRetriever: one query, end to end, as in the Self-Retrieval paper — the model generates passages under the corpus
// constraint (title stage → first content tokens per title → greedy completion to unique leaves), judges them in one
// batched self-assessment, and the two signals are fused into the ranking; the answer is written from the top passages.
//
// Modes:
// - `self`: the paper's procedure (λ = 0);
// - `hybrid`: the same decode with a per-query BM25 prior over passages steering the beams (beam-search.ts); the
//   default for any model whose training did not include the user's wording — the LLM still generates and judges
//   every result;
// - `lexical`: BM25 alone — the baseline, and the fallback when no model can run.
//
// Streams events through `onEvent`: each candidate as its leaf is reached, self-assessment's progress, then the
// ranked list. Cancellable at any point by the signal; every cached sequence is released either way.
import { generateAnswer, formatSources, type Answer } from './answer';
import { constrainedBeamSearch, type BeamPrior, type Candidate } from './beam-search';
import { CodedError } from './errors';
import { fuse } from './fusion';
import type { LanguageModel } from './language-model';
import type { LexicalHit } from './lexical-index';
import type { ModelCard } from './model-card';
import type { PrefixIndex } from './prefix-index';
import type { PromptPassage, PromptProfile } from './prompt-profile';
import { yieldToEventLoop } from './yield';

export type RetrievalMode = 'self' | 'hybrid' | 'lexical';
export const RETRIEVAL_MODES: readonly RetrievalMode[] = ['self', 'hybrid', 'lexical'];

/** BM25 over the corpus's entries: a `LexicalIndex` in memory, or one read lazily (a sharded bundle's chunks). */
export interface LexicalSearch {
  query(text: string, limit: number): readonly LexicalHit[] | Promise<readonly LexicalHit[]>;
}

/** What the retriever searches: the corpus index, the lexical index over the same entries, and the passages —
 * in memory, or fetched when asked (a sharded bundle): the retriever awaits both. */
export interface SearchCorpus<S> {
  readonly index: PrefixIndex<S>;
  readonly lexical: LexicalSearch;
  /** The passage behind an index entry. */
  passage(entry: number): PromptPassage | Promise<PromptPassage>;
}

/** A loaded model with its card and prompt profile. */
export interface RetrievalModel {
  readonly lm: LanguageModel;
  readonly card: ModelCard;
  readonly profile: PromptProfile;
}

export interface SearchOptions {
  readonly mode: RetrievalMode;
  /** Results returned. */
  readonly k: number;
  readonly titleBeams: number;
  readonly contentBeams: number;
  /** Most batched forward passes of the decode. */
  readonly maxSteps: number;
  /** Fusion temperatures (the paper: 0.4 and 0.4). */
  readonly tau: number;
  readonly delta: number;
  /** Hybrid mode: weight of the log prior mass in beam scores. */
  readonly lambda: number;
  /** Hybrid mode: the prior is softmax(s / priorTemperature) over passages, s = BM25 / the query's best BM25. */
  readonly priorTemperature: number;
  /** Run self-assessment (when the model card says the model can). */
  readonly assess: boolean;
  /** Candidates per self-assessment pass. */
  readonly assessBatch: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: SearchEvent) => void;
}

/**
 * Defaults. λ and the prior temperature were tuned with the demo model on Cranfield's tuning queries 101–150 only
 * (`tools/tune-hybrid.sh`; README "Evaluation"), never on the training or test queries; 10 title beams so that
 * k = 10 results can exist on a corpus with one passage per title.
 */
export const DEFAULT_SEARCH: Omit<SearchOptions, 'signal' | 'onEvent'> = {
  mode: 'hybrid',
  k: 10,
  titleBeams: 10,
  contentBeams: 10,
  maxSteps: 256,
  tau: 0.4,
  delta: 0.4,
  lambda: 1,
  priorTemperature: 0.05,
  assess: true,
  assessBatch: 16,
};

export interface PassageScores {
  /** Share of the candidate's title in the title softmax (null in lexical mode). */
  readonly title: number | null;
  /** Mean log P per generated token of the decoded path (null in lexical mode). */
  readonly path: number | null;
  /** Self-assessment in [0, 1] (null when not assessed). */
  readonly assessment: number | null;
  /** The ranking score: the fusion (model modes) or BM25 (lexical mode). */
  readonly fused: number;
  /** Hybrid mode: the passage's prior probability P_lex. */
  readonly prior: number | null;
  /** BM25 score of the passage for the query (0 when it shares no term). */
  readonly lexical: number;
}

export interface RankedPassage {
  readonly entry: number;
  /** 1-based. */
  readonly rank: number;
  readonly scores: PassageScores;
}

export interface SearchStats {
  readonly forwardPasses: number;
  readonly generatedTokens: number;
  readonly candidates: number;
  readonly assessed: number;
  /** Beams dropped when the step budget ran out. */
  readonly truncated: number;
  readonly millis: number;
}

export interface SearchResult {
  readonly query: string;
  readonly mode: RetrievalMode;
  readonly results: RankedPassage[];
  readonly stats: SearchStats;
}

export type SearchEvent =
  | { readonly type: 'candidate'; readonly entry: number; readonly path: number }
  /** Self-assessment progress: `judged` of the `of` candidates judged so far. */
  | { readonly type: 'judged'; readonly judged: number; readonly of: number }
  | { readonly type: 'ranked'; readonly result: SearchResult };

export type AnswerOutcome =
  { readonly available: true; readonly answer: Answer } | { readonly available: false; readonly reason: string };

export interface AnswerRequest {
  /** Top passages given to the model. */
  readonly sources: number;
  readonly maxTokens: number;
  /** Passage words shown per source. */
  readonly sourceWords: number;
  /** Run the answer path even with a model that cannot answer (tests drive the path with the demo model). */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  readonly onToken?: (text: string) => void;
}

export const DEFAULT_ANSWER: Omit<AnswerRequest, 'signal' | 'onToken'> = {
  sources: 3,
  maxTokens: 160,
  sourceWords: 120,
};

export class RetrievalError extends CodedError<'EMPTY_QUERY' | 'NO_MODEL' | 'BAD_OPTIONS'> {}

/**
 * The lexical prior P_lex = softmax(s / T) over all passages, s = BM25 / (the query's best BM25) in [0, 1]: BM25's
 * scale grows with the query's length (MiniSearch also rewards matching more terms), so scores are made relative
 * to the best one and T means the same for every query. A passage without a query term has s = 0.
 */
function lexicalPrior<S>(
  corpus: SearchCorpus<S>,
  bm25: ReadonlyMap<number, number>,
  temperature: number,
): { mass: (state: S) => number; logZ: number } {
  let max = 0;
  for (const s of bm25.values()) max = Math.max(max, s);
  const scale = max > 0 ? 1 / max : 0;
  // Weights are exp((s − 1) / T) ≤ 1, floored so they stay positive float64 (a log mass is never −∞); every
  // passage without a query term has the same one.
  const weight = (s: number) => Math.exp(Math.max(-700, (s * scale - 1) / temperature));
  const weights = new Map<number, number>();
  for (const [entry, s] of bm25) weights.set(entry, weight(s));
  const mass = corpus.index.massOf(weights, weight(0));
  return { mass, logZ: Math.log(mass(corpus.index.root())) };
}

function checkOptions(o: SearchOptions): void {
  const positive = { k: o.k, titleBeams: o.titleBeams, contentBeams: o.contentBeams, maxSteps: o.maxSteps };
  for (const [name, v] of Object.entries(positive)) {
    if (!Number.isInteger(v) || v < 1) throw new RetrievalError('BAD_OPTIONS', `${name} must be a positive integer`);
  }
  for (const [name, v] of Object.entries({ tau: o.tau, delta: o.delta, priorTemperature: o.priorTemperature })) {
    if (!(v > 0)) throw new RetrievalError('BAD_OPTIONS', `${name} must be positive`);
  }
  if (!(o.lambda >= 0)) throw new RetrievalError('BAD_OPTIONS', 'lambda must be 0 or more');
}

export class SelfRetriever<S> {
  constructor(
    readonly corpus: SearchCorpus<S>,
    readonly model?: RetrievalModel,
  ) {}

  async search(query: string, options: Partial<SearchOptions> = {}): Promise<SearchResult> {
    const o: SearchOptions = { ...DEFAULT_SEARCH, ...(this.model ? {} : { mode: 'lexical' }), ...options };
    checkOptions(o);
    const text = query.trim();
    if (!text) throw new RetrievalError('EMPTY_QUERY', 'the query is empty');
    o.signal?.throwIfAborted();
    const started = performance.now();
    const bm25 = new Map((await this.corpus.lexical.query(text, Infinity)).map((h) => [h.entry, h.score]));
    const result =
      o.mode === 'lexical'
        ? this.lexical(text, bm25, o)
        : await this.generate(text, bm25, o, this.requireModel(o.mode));
    const done = { ...result, stats: { ...result.stats, millis: performance.now() - started } };
    o.onEvent?.({ type: 'ranked', result: done });
    return done;
  }

  /** Writes an answer from the top passages of a search, citing them as [1], [2]… mapped to their entries. */
  async answer(
    query: string,
    ranked: readonly RankedPassage[],
    request: Partial<AnswerRequest> = {},
  ): Promise<AnswerOutcome> {
    const r = { ...DEFAULT_ANSWER, ...request };
    const model = this.model;
    if (!model)
      return { available: false, reason: 'No answer model is loaded: only keyword search (BM25) is running.' };
    if (!model.card.capabilities.answers && !r.force) {
      return {
        available: false,
        reason: `No answer model is loaded: ${model.card.name} finds passages but cannot write answers.`,
      };
    }
    const sources = await Promise.all(
      ranked.slice(0, r.sources).map(async (p) => ({ entry: p.entry, ...(await this.corpus.passage(p.entry)) })),
    );
    const prompt = model.profile.answer(query.trim(), formatSources(sources, r.sourceWords));
    let answer: Answer | undefined;
    for await (const event of generateAnswer(model.lm, prompt, sources, {
      maxTokens: r.maxTokens,
      stopTexts: ['\nQuestion:'],
      ...(r.signal ? { signal: r.signal } : {}),
    })) {
      if (event.type === 'token') r.onToken?.(event.text);
      else answer = event.answer;
    }
    return { available: true, answer: answer! };
  }

  private requireModel(mode: RetrievalMode): RetrievalModel {
    if (!this.model) throw new RetrievalError('NO_MODEL', `${mode} mode needs a model; none is loaded`);
    return this.model;
  }

  private lexical(query: string, bm25: ReadonlyMap<number, number>, o: SearchOptions): SearchResult {
    const results = [...bm25].slice(0, o.k).map(([entry, score], i) => ({
      entry,
      rank: i + 1,
      scores: { title: null, path: null, assessment: null, fused: score, prior: null, lexical: score },
    }));
    const stats = {
      forwardPasses: 0,
      generatedTokens: 0,
      candidates: results.length,
      assessed: 0,
      truncated: 0,
      millis: 0,
    };
    return { query, mode: 'lexical', results, stats };
  }

  private async generate(
    query: string,
    bm25: ReadonlyMap<number, number>,
    o: SearchOptions,
    model: RetrievalModel,
  ): Promise<SearchResult> {
    const { lm, profile, card } = model;
    const passesBefore = lm.forwardPasses;
    const hybrid = o.mode === 'hybrid' && o.lambda > 0;
    const prior = hybrid ? lexicalPrior(this.corpus, bm25, o.priorTemperature) : undefined;
    const beamPrior: BeamPrior<S> | undefined = prior ? { mass: prior.mass, weight: o.lambda } : undefined;
    const decoded = await constrainedBeamSearch(lm, this.corpus.index, profile.retrieval(query), {
      titleBeams: o.titleBeams,
      contentBeams: o.contentBeams,
      maxSteps: o.maxSteps,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(beamPrior ? { prior: beamPrior } : {}),
      onCandidate: (c) => c.entries.forEach((entry) => o.onEvent?.({ type: 'candidate', entry, path: c.score })),
    });
    // One result per entry (identical keys share a leaf).
    const found = decoded.candidates.flatMap((c) => Array.from(c.entries, (entry) => ({ entry, c })));
    const assessments =
      o.assess && card.capabilities.selfAssessment && found.length > 0
        ? await this.assess(
            model,
            query,
            found.map((f) => f.entry),
            o,
          )
        : undefined;
    const logZ = prior?.logZ ?? 0;
    // log P(t | q) — plus, in hybrid mode, λ · log P_lex(t): the beam's own score where the title ended.
    const titleLogScore = (c: Candidate<S>) => c.titleLogProb + (hybrid ? o.lambda * (c.titlePriorLogMass - logZ) : 0);
    const fused = fuse(
      found.map(({ c }, i) => ({
        title: c.tokens.slice(0, c.titleTokens).join(','),
        titleLogScore: titleLogScore(c),
        assessment: assessments?.[i] ?? null,
      })),
      o,
    );
    const ranked = found
      .map(({ entry, c }, i) => ({
        entry,
        scores: {
          title: fused[i]!.title,
          path: c.score,
          assessment: assessments?.[i] ?? null,
          fused: fused[i]!.fused,
          prior: prior ? Math.exp(c.priorLogMass - logZ) / c.entries.length : null,
          lexical: bm25.get(entry) ?? 0,
        },
      }))
      .sort(
        (a, b) =>
          b.scores.fused - a.scores.fused ||
          b.scores.path - a.scores.path ||
          b.scores.lexical - a.scores.lexical ||
          a.entry - b.entry,
      )
      .slice(0, o.k)
      .map((p, i) => ({ ...p, rank: i + 1 }));
    return {
      query,
      mode: o.mode,
      results: ranked,
      stats: {
        forwardPasses: lm.forwardPasses - passesBefore,
        generatedTokens: decoded.generatedTokens,
        candidates: found.length,
        assessed: assessments?.length ?? 0,
        truncated: decoded.truncated,
        millis: 0,
      },
    };
  }

  /** Self-assessment of candidates in batches: the prompts' shared prefix read once per batch, one pass each. */
  private async assess(
    model: RetrievalModel,
    query: string,
    entries: readonly number[],
    o: SearchOptions,
  ): Promise<number[]> {
    const out: number[] = [];
    for (let start = 0; start < entries.length; start += o.assessBatch) {
      if (o.signal) await yieldToEventLoop();
      o.signal?.throwIfAborted();
      const passages = await Promise.all(
        entries.slice(start, start + o.assessBatch).map(async (e) => this.corpus.passage(e)),
      );
      const batch = model.profile.assessment(query, passages);
      const first = await model.lm.prefill(batch.prefix);
      const parent = first.handles[0]!;
      try {
        o.signal?.throwIfAborted();
        const scores = await model.lm.score(parent, batch.continuations, {
          alternatives: batch.alternatives,
          tail: batch.tail,
        });
        scores.forEach((s, i) => out.push(batch.relevance(s, i)));
        o.onEvent?.({ type: 'judged', judged: out.length, of: entries.length });
      } finally {
        model.lm.release(parent);
      }
    }
    return out;
  }
}
