// Internalization: the base model trained on a library's passages with the Self-Retrieval recipe
// (src/core/internalize-recipe.ts), on whichever TensorFlow.js backend is selected, ending in a copy of the base
// model's ONNX file with the trained weights, which the search engine loads like any other model. The same code runs
// in the training worker (OPFS checkpoints) and in the CLI (checkpoint files). It checkpoints every few steps and
// when stopped; given a checkpoint of the same run it resumes on the batch where that one stopped.
import { contentHash } from '../core/content-hash';
import {
  DEFAULT_RECIPE,
  InternalizeRecipe,
  planBatches,
  tokenizeExample,
  type RecipeOptions,
  type RecipePassage,
} from '../core/internalize-recipe';
import type { Tokenizer } from '../core/language-model';
import { llamaParameters, llamaWeightsFromOnnx, onnxWithLlamaWeights, type LlamaShape } from '../core/llama-weights';
import type { ModelCard } from '../core/model-card';
import { mulberry32 } from '../core/random';
import {
  continuesRun,
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainingCheckpoint,
  type TrainingProgress,
  type TrainingRun,
} from '../core/training-checkpoint';
import { collate, type TrainingExample } from '../core/training-batch';
import { yieldToEventLoop } from '../core/yield';
import { AdamW, DEFAULT_ADAMW } from './adamw';
import { LlamaGraph } from './llama';
import { backendMemoryBytes } from './tf';

export interface InternalizeInput {
  /** The base model: its id, shape (config.json), ONNX file, card (templates) and tokenizer. */
  readonly modelId: string;
  readonly shape: LlamaShape;
  readonly onnx: Uint8Array;
  readonly card: ModelCard;
  readonly tokenizer: Tokenizer;
  readonly passages: readonly RecipePassage[];
}

export interface InternalizeOptions {
  readonly epochs: number;
  /** Tokens per batch, padding included. */
  readonly maxTokens: number;
  /** A small library trains in smaller batches, down to MIN_BATCH_TOKENS, so that an epoch has at least this many
   * steps: six notes in 2,048-token batches get 12 updates in 5 epochs and learn little; in 512-token batches, 40
   * updates for the same tokens, and they are learned. */
  readonly minStepsPerEpoch: number;
  readonly recipe: RecipeOptions;
  /** Save a checkpoint after this many steps or this many seconds, whichever comes first (and whenever the run
   * stops): a slow device still loses at most that much work to a reload. */
  readonly checkpointEvery: number;
  readonly checkpointSeconds: number;
  readonly learningRate: number;
  readonly warmupSteps: number;
}

export const DEFAULT_INTERNALIZE: InternalizeOptions = {
  epochs: 5,
  maxTokens: 2048,
  minStepsPerEpoch: 8,
  recipe: DEFAULT_RECIPE,
  checkpointEvery: 20,
  checkpointSeconds: 30,
  learningRate: DEFAULT_ADAMW.learningRate,
  warmupSteps: 30,
};

/** The smallest batch budget a small library is given (see minStepsPerEpoch). */
export const MIN_BATCH_TOKENS = 512;

/** Where checkpoints go: OPFS in the browser, a file for the CLI, memory in tests. */
export interface CheckpointStore {
  load(): Promise<Uint8Array | undefined>;
  save(bytes: Uint8Array): Promise<void>;
}

export interface InternalizeStatus {
  readonly progress: TrainingProgress;
  readonly epochs: number;
  /** Steps the whole run takes, and tokens (estimated from the first epoch). */
  readonly totalSteps: number;
  readonly totalTokens: number;
  /** Tokens per second in this session, and the time left at that rate. */
  readonly tokensPerSecond: number;
  readonly etaMs: number;
  /** The step of the checkpoint this session resumed from, when it did. */
  readonly resumedFromStep: number | null;
  /** The most memory the backend has held in this session, in bytes (`backendMemoryBytes`, sampled after each step:
   * the WebAssembly heap and WebGPU's pooled buffers keep their high-water mark). */
  readonly peakMemoryBytes: number;
}

export interface InternalizeResult {
  /** The trained model's ONNX file (the base's, with new weights); undefined when the run was stopped first. */
  readonly onnx?: Uint8Array;
  readonly progress: TrainingProgress;
  readonly run: TrainingRun;
  readonly resumedFrom?: TrainingProgress;
  /** Why a checkpoint that was there was not resumed (damaged, or of another run): the run started afresh. */
  readonly ignoredCheckpoint?: string;
}

/** A fingerprint of the passages trained on: their ids and text, in id order. */
async function corpusFingerprint(passages: readonly RecipePassage[]): Promise<string> {
  const sorted = [...passages].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const text = sorted.map((p) => `${p.id}\u0000${p.title}\u0000${p.text}`).join('\u0001');
  return contentHash(new TextEncoder().encode(text));
}

/** Examples and batches of one epoch: deterministic in (passages, recipe, epoch). */
function epochPlan(
  recipe: InternalizeRecipe,
  tokenizer: Tokenizer,
  shape: LlamaShape,
  options: InternalizeOptions,
  epoch: number,
): { examples: TrainingExample[]; batches: number[][]; tokens: number } {
  const examples: TrainingExample[] = [];
  for (const example of recipe.epoch(epoch)) {
    const tokens = tokenizeExample(tokenizer, example, shape.maxPositions);
    if (tokens) examples.push(tokens);
  }
  const lengths = examples.map((e) => e.ids.length);
  const total = lengths.reduce((sum, n) => sum + n, 0);
  const budget = Math.min(options.maxTokens, Math.max(MIN_BATCH_TOKENS, Math.ceil(total / options.minStepsPerEpoch)));
  const batches = planBatches(lengths, budget, mulberry32(options.recipe.seed * 7919 + epoch));
  const tokens = batches.reduce((n, b) => n + b.length * Math.max(...b.map((i) => lengths[i]!)), 0);
  return { examples, batches, tokens };
}

export interface InternalizeEstimate {
  readonly steps: number;
  /** Tokens the whole run trains on, padding included. */
  readonly tokens: number;
  /** Measured on this backend: one step of the first epoch's first batch, after a step that warms it up (kernels
   * compile, buffers are allocated), scaled by tokens. */
  readonly secondsPerToken: number;
}

/** Plans the run and times a training step on the current backend, without training anything that is kept. */
export async function estimateInternalize(
  input: InternalizeInput,
  options: InternalizeOptions = DEFAULT_INTERNALIZE,
): Promise<InternalizeEstimate> {
  const recipe = new InternalizeRecipe(input.card, input.passages, options.recipe);
  const plan = epochPlan(recipe, input.tokenizer, input.shape, options, 0);
  const graph = new LlamaGraph(input.shape, llamaWeightsFromOnnx(input.onnx, input.shape));
  const optimizer = new AdamW([...graph.params.values()], { ...DEFAULT_ADAMW, totalSteps: 2 });
  try {
    const first = plan.batches[0];
    if (!first) return { steps: 0, tokens: 0, secondsPerToken: 0 };
    const batch = collate(
      first.map((i) => plan.examples[i]!),
      input.tokenizer.eosTokenId,
    );
    await optimizer.minimize(() => graph.loss(batch));
    const started = performance.now();
    await optimizer.minimize(() => graph.loss(batch));
    return {
      steps: plan.batches.length * options.epochs,
      tokens: plan.tokens * options.epochs,
      secondsPerToken: (performance.now() - started) / 1000 / batch.ids.length,
    };
  } finally {
    optimizer.dispose();
    graph.dispose();
  }
}

export async function internalize(
  input: InternalizeInput,
  options: InternalizeOptions = DEFAULT_INTERNALIZE,
  io: {
    readonly checkpoints?: CheckpointStore;
    readonly onStatus?: (status: InternalizeStatus) => void;
    /** Hears each checkpoint once it is saved. */
    readonly onCheckpoint?: (progress: TrainingProgress) => void;
    /** Stops after the current step, with a checkpoint saved (pause); the caller discards it to cancel. */
    readonly signal?: AbortSignal;
  } = {},
): Promise<InternalizeResult> {
  const { shape, tokenizer } = input;
  const run: TrainingRun = {
    baseModel: input.modelId,
    baseSha256: await contentHash(input.onnx),
    passages: input.passages.length,
    corpusSha256: await corpusFingerprint(input.passages),
    plan: {
      epochs: options.epochs,
      maxTokens: options.maxTokens,
      minStepsPerEpoch: options.minStepsPerEpoch,
      learningRate: options.learningRate,
      warmupSteps: options.warmupSteps,
      ...options.recipe,
    },
  };
  const recipe = new InternalizeRecipe(input.card, input.passages, options.recipe);
  let plan = epochPlan(recipe, tokenizer, shape, options, 0);
  let planned = 0;
  const totalSteps = plan.batches.length * options.epochs;
  const totalTokens = plan.tokens * options.epochs;

  const saved = await io.checkpoints?.load();
  let resume: TrainingCheckpoint | undefined;
  let ignoredCheckpoint: string | undefined;
  if (saved) {
    try {
      const checkpoint = await decodeCheckpoint(saved);
      if (continuesRun(checkpoint, run)) resume = checkpoint;
      else ignoredCheckpoint = 'the checkpoint is of another run (other passages, base model or options)';
    } catch (error) {
      ignoredCheckpoint = (error as Error).message;
    }
  }
  const outcome = {
    run,
    ...(resume ? { resumedFrom: resume.progress } : {}),
    ...(ignoredCheckpoint ? { ignoredCheckpoint } : {}),
  };
  const names = llamaParameters(shape).map((p) => p.name);
  const weights = resume
    ? new Map(names.map((name, i) => [name, resume.weights[i]!]))
    : llamaWeightsFromOnnx(input.onnx, shape);
  const graph = new LlamaGraph(shape, weights);
  const optimizer = new AdamW([...graph.params.values()], {
    ...DEFAULT_ADAMW,
    learningRate: options.learningRate,
    // A small library trains for few steps: warm up over at most a tenth of them.
    warmupSteps: Math.max(1, Math.min(options.warmupSteps, Math.ceil(totalSteps / 10))),
    totalSteps,
  });
  let progress: TrainingProgress = resume?.progress ?? {
    epoch: 0,
    batch: 0,
    step: 0,
    tokens: 0,
    targetTokens: 0,
    seconds: 0,
    losses: {},
  };
  if (resume) optimizer.restore({ step: resume.progress.step, first: resume.first, second: resume.second });

  let savedAt = performance.now();
  const save = async () => {
    if (!io.checkpoints) return;
    const state = await optimizer.state();
    const current = await graph.weights();
    await io.checkpoints.save(
      await encodeCheckpoint({
        run,
        progress,
        weights: names.map((n) => current.get(n)!),
        first: state.first,
        second: state.second,
      }),
    );
    savedAt = performance.now();
    io.onCheckpoint?.(progress);
  };

  try {
    const started = performance.now();
    const tokensAtStart = progress.tokens;
    let peakMemoryBytes = 0;
    let sinceCheckpoint = 0;
    let loss = progress.losses['all'];
    while (progress.epoch < options.epochs) {
      if (planned !== progress.epoch) {
        plan = epochPlan(recipe, tokenizer, shape, options, progress.epoch);
        planned = progress.epoch;
      }
      for (let b = progress.batch; b < plan.batches.length; b++) {
        // A macrotask turn: the backends compute in promise callbacks, and a pause or cancel message must get in.
        await yieldToEventLoop();
        if (io.signal?.aborted) {
          await save();
          return { progress, ...outcome };
        }
        const stepStarted = performance.now();
        const batch = collate(
          plan.batches[b]!.map((i) => plan.examples[i]!),
          tokenizer.eosTokenId,
        );
        const value = await optimizer.minimize(() => graph.loss(batch));
        // An exponential mean over about the last 20 steps: what the progress shows.
        loss = loss === undefined ? value : loss * 0.95 + value * 0.05;
        progress = {
          epoch: progress.epoch,
          batch: b + 1,
          step: progress.step + 1,
          tokens: progress.tokens + batch.ids.length,
          targetTokens: progress.targetTokens + batch.targetCount,
          seconds: progress.seconds + (performance.now() - stepStarted) / 1000,
          losses: { all: loss },
        };
        const tokensPerSecond = (progress.tokens - tokensAtStart) / ((performance.now() - started) / 1000);
        peakMemoryBytes = Math.max(peakMemoryBytes, backendMemoryBytes());
        io.onStatus?.({
          progress,
          epochs: options.epochs,
          totalSteps,
          totalTokens,
          tokensPerSecond,
          etaMs: (Math.max(0, totalTokens - progress.tokens) / Math.max(tokensPerSecond, 1e-9)) * 1000,
          resumedFromStep: resume ? resume.progress.step : null,
          peakMemoryBytes,
        });
        if (
          ++sinceCheckpoint >= options.checkpointEvery ||
          performance.now() - savedAt >= options.checkpointSeconds * 1000
        ) {
          await save();
          sinceCheckpoint = 0;
        }
      }
      progress = { ...progress, epoch: progress.epoch + 1, batch: 0 };
    }
    await save();
    const trained = await graph.weights();
    return {
      onnx: onnxWithLlamaWeights(input.onnx, shape, trained),
      progress,
      ...outcome,
    };
  } finally {
    optimizer.dispose();
    graph.dispose();
  }
}
