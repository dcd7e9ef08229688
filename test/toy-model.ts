// A deterministic toy LanguageModel for core tests (next-token log-probabilities are a fixed pseudo-random function
// of the whole sequence; it counts live handles so tests can prove every handle is released exactly once), and a
// card of short templates for it.
import type {
  LanguageModel,
  NextTokenBatch,
  ScoreOptions,
  SequenceHandle,
  Tokenizer,
} from '../src/core/language-model';
import type { ModelCard } from '../src/core/model-card';

interface ToyHandle extends SequenceHandle {
  readonly tokens: readonly number[];
}

function hash(tokens: readonly number[], salt: number): number {
  let h = 2166136261 ^ salt;
  for (const t of tokens) h = Math.imul(h ^ t, 16777619);
  return h >>> 0;
}

export class ToyModel implements LanguageModel {
  readonly live = new Set<ToyHandle>();
  forwardPasses = 0;
  readonly tokenizer: Tokenizer;

  constructor(
    readonly vocabSize: number,
    private readonly seed = 1,
  ) {
    this.tokenizer = {
      encode: (text) => Array.from(text, (c) => c.charCodeAt(0) % vocabSize),
      decode: (ids) => ids.join(' '),
      eosTokenId: vocabSize - 1,
      vocabSize,
    };
  }

  /** log-softmax of pseudo-random logits for the sequence. */
  logProbs(tokens: readonly number[]): Float32Array {
    const out = new Float32Array(this.vocabSize);
    let max = -Infinity;
    for (let v = 0; v < this.vocabSize; v++) {
      out[v] = (hash([...tokens, v], this.seed) % 1000) / 100;
      max = Math.max(max, out[v]!);
    }
    let sum = 0;
    for (let v = 0; v < this.vocabSize; v++) sum += Math.exp(out[v]! - max);
    const logZ = max + Math.log(sum);
    for (let v = 0; v < this.vocabSize; v++) out[v]! -= logZ;
    return out;
  }

  private batch(sequences: (readonly number[])[]): NextTokenBatch {
    this.forwardPasses++;
    const logProbs = new Float32Array(sequences.length * this.vocabSize);
    const handles = sequences.map((tokens, i) => {
      logProbs.set(this.logProbs(tokens), i * this.vocabSize);
      const handle: ToyHandle = { tokens, length: tokens.length };
      this.live.add(handle);
      return handle;
    });
    return { handles, logProbs, vocabSize: this.vocabSize };
  }

  prefill(tokens: readonly number[]): Promise<NextTokenBatch> {
    return Promise.resolve(this.batch([tokens]));
  }

  extend(parents: readonly SequenceHandle[], tokens: readonly number[]): Promise<NextTokenBatch> {
    return Promise.resolve(this.batch(parents.map((p, i) => [...this.own(p).tokens, tokens[i]!])));
  }

  score(
    parent: SequenceHandle,
    continuations: readonly (readonly number[])[],
    options: ScoreOptions = {},
  ): Promise<Float32Array[]> {
    const base = this.own(parent).tokens;
    this.forwardPasses++;
    return Promise.resolve(
      continuations.map((c) => {
        const last = this.logProbs([...base, ...c]);
        const first = Math.max(0, c.length - (options.tail ?? c.length));
        return Float32Array.from([...c, ...(options.alternatives ?? [])], (t, i) =>
          i >= c.length ? last[t]! : i < first ? NaN : this.logProbs([...base, ...c.slice(0, i)])[t]!,
        );
      }),
    );
  }

  release(handle: SequenceHandle): void {
    if (!this.live.delete(this.own(handle))) throw new Error('handle released twice');
  }

  private own(handle: SequenceHandle): ToyHandle {
    if (!this.live.has(handle as ToyHandle)) throw new Error('unknown or released handle');
    return handle as ToyHandle;
  }
}

/** A card in the paper's prompt format with short templates, for core tests over the toy model. */
export const TOY_CARD: ModelCard = {
  id: 'toy',
  name: 'Toy',
  parameters: 1,
  dtype: 'fp32',
  promptProfile: 'self-retrieval',
  templates: {
    retrieval: 'Q: {query} T:',
    title: ' {title}',
    separator: ' C:',
    content: ' {passage}',
    assessment: 'Q: {query} T: {title} C: {passage} A:',
    accept: ' yes',
    reject: ' no',
  },
  assessmentPassageWords: 8,
  capabilities: { answers: false, selfAssessment: true, corpusTrained: false },
};
