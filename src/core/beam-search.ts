// Constrained beam search over a prefix index (CorpusIndex or LiveIndex) — the Self-Retrieval paper's retrieval
// procedure:
//   1. title stage: beam search with `titleBeams` beams until each beam's title part is complete;
//   2. first content token: from each title, the forced tokens (the separator) are read greedily, and at the first
//      branching the `contentBeams` most likely children are kept;
//   3. completion: each beam continues greedily (arg-max over the allowed tokens) until its prefix is unique —
//      the passage is then looked up in the index, the model never writes it out.
// Every step is one batched forward pass for all live beams. A beam stops the moment its state is a leaf, with no
// forward pass for it. Only allowed tokens are ever read from a row, so results are always corpus keys, and a
// corpus with fewer continuations than beams yields fewer beams, never junk.
// Hybrid mode (`prior`): every choice above ranks steps by log P_model(path) + λ · log(prior mass of the state
// reached) instead of the model alone; the model still generates and scores every token.
import { row, type LanguageModel, type NextTokenBatch, type SequenceHandle } from './language-model';
import type { PrefixIndex, TokenIds } from './prefix-index';
import { yieldToEventLoop } from './yield';

export interface BeamSearchOptions<S = unknown> {
  /** Beams in the title stage (the paper: 5). */
  readonly titleBeams: number;
  /** Beams kept per title at its first content branching (the paper: 10). */
  readonly contentBeams: number;
  /** Most batched forward passes one search may run; beams still open then are dropped and counted. */
  readonly maxSteps: number;
  readonly signal?: AbortSignal;
  /** Hybrid mode: a beam's score becomes log P_model(path) + weight · log(prior mass of its state). */
  readonly prior?: BeamPrior<S>;
  /** Called with each candidate the moment its leaf is reached (for streaming). */
  readonly onCandidate?: (candidate: Candidate<S>) => void;
}

/** A per-query prior over passages, as the mass below an index state (PrefixIndex.massOf). */
export interface BeamPrior<S> {
  readonly mass: (state: S) => number;
  /** λ: 0 is the pure model (the paper). */
  readonly weight: number;
}

export const DEFAULT_BEAM_SEARCH: Pick<BeamSearchOptions, 'titleBeams' | 'contentBeams' | 'maxSteps'> = {
  titleBeams: 5,
  contentBeams: 10,
  maxSteps: 256,
};

/** One retrieved key: an exact corpus key, reached by the model under the constraint. */
export interface Candidate<S> {
  /** The leaf state (for a CorpusIndex, `lo`..`hi` is the candidate's range of index positions). */
  readonly state: S;
  /** Index entries of the key (several when identical keys share it). */
  readonly entries: Uint32Array;
  /** Tokens the model generated: the key's unique prefix. */
  readonly tokens: readonly number[];
  /** Sum of log P over the generated tokens. */
  readonly logProb: number;
  /** Sum of log P over the title part (all of `tokens` when the key became unique within its title). */
  readonly titleLogProb: number;
  /** Tokens of `tokens` that belong to the title part. */
  readonly titleTokens: number;
  /** Length-normalised path score: logProb / tokens.length. */
  readonly score: number;
  /** log of the prior mass at the leaf and where the title part ended (0 without a prior). */
  readonly priorLogMass: number;
  readonly titlePriorLogMass: number;
}

export interface BeamSearchResult<S> {
  /** Best first (by length-normalised score). */
  readonly candidates: Candidate<S>[];
  readonly forwardPasses: number;
  readonly generatedTokens: number;
  /** Beams dropped because the step budget ran out. */
  readonly truncated: number;
}

type Phase = 'title' | 'first-content' | 'greedy';

interface Beam<S> {
  readonly state: S;
  readonly handle: SequenceHandle;
  readonly next: Float32Array;
  readonly tokens: readonly number[];
  readonly logProb: number;
  readonly titleLogProb: number;
  readonly titleTokens: number;
  readonly priorLogMass: number;
  readonly titlePriorLogMass: number;
  readonly phase: Phase;
}

interface Expansion<S> {
  readonly parent: Beam<S>;
  readonly token: number;
  readonly state: S;
  readonly priorLogMass: number;
  readonly phase: Phase;
}

/** The k allowed tokens with the highest values (ties: lower id first). k = 1 is a linear scan. */
function topK(values: Float32Array, allowed: TokenIds, k: number): number[] {
  if (k === 1) {
    let best = allowed[0]!;
    for (let i = 1; i < allowed.length; i++) if (values[allowed[i]!]! > values[best]!) best = allowed[i]!;
    return [best];
  }
  return Array.from(allowed)
    .sort((a, b) => values[b]! - values[a]! || a - b)
    .slice(0, k);
}

/** A beam's allowed next steps with their child states and the log-prior there (0 without a prior). */
function children<S>(index: PrefixIndex<S>, beam: Beam<S>, prior: BeamPrior<S> | undefined) {
  return Array.from(index.allowed(beam.state), (token) => {
    const state = index.advance(beam.state, token)!;
    const priorLogMass = prior ? Math.log(prior.mass(state)) : 0;
    const model = beam.next[token]!;
    return { token, state, priorLogMass, rank: model + (prior ? prior.weight * priorLogMass : 0) };
  });
}

/** The `k` best of a beam's next steps: by the model alone (no prior: no child state needed to rank), or by
 * model + λ · log prior. */
function bestSteps<S>(
  index: PrefixIndex<S>,
  beam: Beam<S>,
  k: number,
  prior: BeamPrior<S> | undefined,
): { token: number; state: S; priorLogMass: number }[] {
  if (!prior) {
    return topK(beam.next, index.allowed(beam.state), k).map((token) => ({
      token,
      state: index.advance(beam.state, token)!,
      priorLogMass: 0,
    }));
  }
  return children(index, beam, prior)
    .sort((a, b) => b.rank - a.rank || a.token - b.token)
    .slice(0, k);
}

export async function constrainedBeamSearch<S>(
  lm: LanguageModel,
  index: PrefixIndex<S>,
  prompt: readonly number[],
  options: BeamSearchOptions<S>,
): Promise<BeamSearchResult<S>> {
  const prior = options.prior && options.prior.weight !== 0 ? options.prior : undefined;
  const candidates: Candidate<S>[] = [];
  const owned = new Set<SequenceHandle>();
  let forwardPasses = 0;
  let generatedTokens = 0;
  const take = (batch: NextTokenBatch) => {
    forwardPasses++;
    batch.handles.forEach((h) => owned.add(h));
    return batch;
  };
  const release = (handle: SequenceHandle) => {
    if (owned.delete(handle)) lm.release(handle);
  };

  try {
    options.signal?.throwIfAborted();
    if (index.size === 0) return { candidates, forwardPasses, generatedTokens, truncated: 0 };
    const first = take(await lm.prefill(prompt));
    const rootState = index.root();
    const root: Beam<S> = {
      state: rootState,
      handle: first.handles[0]!,
      next: row(first, 0),
      tokens: [],
      logProb: 0,
      titleLogProb: 0,
      titleTokens: 0,
      priorLogMass: 0,
      titlePriorLogMass: 0,
      phase: index.titleComplete(rootState) ? 'first-content' : 'title',
    };
    let live: Beam<S>[] = [root];
    let titled = root.phase === 'title' ? 0 : 1;

    while (live.length > 0) {
      // With a signal, let a cancel message in between steps (yield.ts), then honour it.
      if (options.signal) await yieldToEventLoop();
      options.signal?.throwIfAborted();
      const expansions: Expansion<S>[] = [];
      // Title stage: the best (titleBeams - titles found) expansions over all title beams.
      const titleBeams = live.filter((b) => b.phase === 'title');
      const titleOptions = titleBeams.flatMap((parent) =>
        children(index, parent, prior).map((c) => ({ ...c, parent, rank: parent.logProb + c.rank })),
      );
      // rank = log P_model(path) + λ · log mass(child): the mass of the state reached, not a sum along the path.
      titleOptions.sort((x, y) => y.rank - x.rank || x.token - y.token);
      for (const o of titleOptions.slice(0, Math.max(0, options.titleBeams - titled))) {
        expansions.push({ ...o, phase: 'title' });
      }
      for (const parent of live) {
        if (parent.phase === 'title') continue;
        const branching = parent.phase === 'first-content' && index.allowed(parent.state).length > 1;
        for (const step of bestSteps(index, parent, branching ? options.contentBeams : 1, prior)) {
          expansions.push({ parent, ...step, phase: branching ? 'greedy' : parent.phase });
        }
      }

      // Advance every expansion in the index; leaves are finished without a forward pass.
      const open: Omit<Beam<S>, 'handle' | 'next'>[] = [];
      const openParents: SequenceHandle[] = [];
      const openTokens: number[] = [];
      for (const e of expansions) {
        const state = e.state;
        generatedTokens++;
        const tokens = [...e.parent.tokens, e.token];
        const logProb = e.parent.logProb + e.parent.next[e.token]!;
        const inTitle = e.phase === 'title';
        const path = {
          state,
          tokens,
          logProb,
          titleLogProb: inTitle ? logProb : e.parent.titleLogProb,
          titleTokens: inTitle ? tokens.length : e.parent.titleTokens,
          priorLogMass: e.priorLogMass,
          titlePriorLogMass: inTitle ? e.priorLogMass : e.parent.titlePriorLogMass,
        };
        if (index.isLeaf(state)) {
          if (inTitle) titled++;
          const candidate = { ...path, entries: index.entries(state), score: logProb / tokens.length };
          candidates.push(candidate);
          options.onCandidate?.(candidate);
          continue;
        }
        let phase = e.phase;
        if (phase === 'title' && index.titleComplete(state)) {
          phase = 'first-content';
          titled++;
        }
        open.push({ ...path, phase });
        openParents.push(e.parent.handle);
        openTokens.push(e.token);
      }

      const parents = live;
      live = [];
      if (open.length > 0) {
        if (forwardPasses >= options.maxSteps) {
          parents.forEach((p) => release(p.handle));
          return finish(candidates, forwardPasses, generatedTokens, open.length);
        }
        const batch = take(await lm.extend(openParents, openTokens));
        live = open.map((beam, i) => ({ ...beam, handle: batch.handles[i]!, next: row(batch, i) }));
      }
      parents.forEach((p) => release(p.handle));
    }
    return finish(candidates, forwardPasses, generatedTokens, 0);
  } finally {
    for (const handle of owned) lm.release(handle);
    owned.clear();
  }
}

function finish<S>(
  candidates: Candidate<S>[],
  forwardPasses: number,
  generatedTokens: number,
  truncated: number,
): BeamSearchResult<S> {
  candidates.sort((a, b) => b.score - a.score || a.entries[0]! - b.entries[0]!);
  return { candidates, forwardPasses, generatedTokens, truncated };
}
