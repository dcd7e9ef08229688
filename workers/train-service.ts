// The training service: internalizes the user's library into a model (src/train/internalize.ts) in the training
// worker, never on the page's thread. Served with Comlink on any endpoint (workers/train-protocol.ts is its API):
// `train.worker.ts` serves it on the worker's scope with OPFS, IndexedDB and the model cache; Node tests serve it on
// one end of a MessageChannel with files in memory, with the same code.
//
// A run is kept in a few files so that nothing is lost to a reload, a closed tab or a killed worker:
// `job.json` (what is being trained, and whether the user paused it), `passages.json` (the passages as they were
// when it started: later changes wait for the next run), `checkpoint.srtc` (weights, optimizer state and position,
// every few steps and at a pause). A job that is there and not paused was interrupted: it resumes when the worker
// starts. When it finishes, the trained model goes into the model cache and `model.json` says which it is and what
// it was trained on, before the job's files are removed. Only one tab trains at a time (Web Lock
// `self-retrieval-training`).
import * as Comlink from 'comlink';
import { CodedError } from '../src/core/errors';
import type { RecipePassage } from '../src/core/internalize-recipe';
import { CARRIED_MODEL_FILES, internalizedCard, TRAINABLE_WEIGHTS } from '../src/core/internalized-model';
import type { Tokenizer } from '../src/core/language-model';
import { llamaShape, llamaWeightsFromOnnx, type LlamaShape } from '../src/core/llama-weights';
import { parseModelCard, type ModelCard } from '../src/core/model-card';
import { storedModelId } from '../src/engines/transformers/store-id';
import type { InternalizeInput, InternalizeOptions, InternalizeStatus } from '../src/train/internalize';
import type { DeviceRequest } from './device';
import type {
  InternalizedModel,
  ModelRef,
  TrainDevice,
  TrainEstimate,
  TrainProgress,
  TrainRequest,
  TrainView,
  TrainWorkerApi,
  TrainWorkerErrorCode,
} from './train-protocol';

export class TrainError extends CodedError<TrainWorkerErrorCode> {}

const TRAINING_LOCK = 'self-retrieval-training';
const JOB = 'job.json';
const PASSAGES = 'passages.json';
const CHECKPOINT = 'checkpoint.srtc';
const MODEL = 'model.json';

/** The training folder's files (OPFS in a browser): each written whole, or not at all. */
export interface TrainFiles {
  read(name: string): Promise<Uint8Array | undefined>;
  write(name: string, bytes: Uint8Array): Promise<void>;
  remove(name: string): Promise<void>;
}

/** A model as training needs it: its files, card, shape and tokenizer. */
interface TrainableModel {
  /** The id transformers.js knows it by. */
  readonly id: string;
  readonly card: ModelCard;
  /** Its model-card.json as written (every field), which the trained model's card is derived from. */
  readonly cardJson: Readonly<Record<string, unknown>>;
  /** The files a trained model carries over (config, tokenizer), by path. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly onnx: Uint8Array;
  readonly tokenizer: Tokenizer;
}

export interface TrainServiceOptions {
  readonly files: TrainFiles;
  /** The library's passages now, and its generation. */
  readonly libraryPassages: () => Promise<{ readonly generation: number; readonly passages: RecipePassage[] }>;
  /** A file of a model (`config.json`, `onnx/model.onnx`…), or undefined when it has none. */
  readonly modelFile: (ref: ModelRef, path: string) => Promise<Uint8Array | undefined>;
  /** A model's tokenizer, as the search engine loads it. */
  readonly tokenizer: (ref: ModelRef) => Promise<Tokenizer>;
  /** Puts a trained model folder (`files` by path) into the model cache as `name`; returns its key. */
  readonly storeModel: (name: string, files: ReadonlyMap<string, Uint8Array>) => Promise<string>;
  readonly removeModel: (key: string) => Promise<void>;
  /** Selects the training backend for the request (WebGPU falls back to wasm); the device it got. */
  readonly useDevice: (request: DeviceRequest) => Promise<TrainDevice>;
  readonly locks: Pick<LockManager, 'request'>;
  /** Changes to the training options (tests make short runs). */
  readonly internalize?: Partial<InternalizeOptions>;
}

interface Job {
  readonly base: ModelRef;
  /** The weights it starts from: the base, or the library's internalized model of the same base. */
  readonly from: ModelRef;
  readonly device: DeviceRequest;
  readonly generation: number;
  readonly paused: boolean;
  readonly startedAt: string;
}

interface ModelRecord extends InternalizedModel {
  readonly trainedIds: readonly string[];
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const sameRef = (a: ModelRef, b: ModelRef) =>
  a.kind === b.kind && (a.kind === 'builtin' ? a.id === (b as typeof a).id : a.key === (b as typeof a).key);

/** TensorFlow.js and the training code, loaded on first use: a worker that only reports the library's state (every
 * page load) never parses them. */
async function trainer() {
  const module = await import('../src/train/internalize');
  return {
    ...module,
    settings: (changes: Partial<InternalizeOptions> = {}) => ({ ...module.DEFAULT_INTERNALIZE, ...changes }),
  };
}

export function serveTraining(endpoint: Comlink.Endpoint, options: TrainServiceOptions): void {
  const { files } = options;
  const listeners = new Set<(view: TrainView) => void>();
  let progress: TrainProgress | null = null;
  let error: TrainView['error'] = null;
  let coverage: TrainView['coverage'] = null;
  /** The run in this worker, while there is one. */
  let running: { controller: AbortController; done: Promise<void> } | undefined;
  let elsewhere = false;
  /** Estimates and runs use the one backend: never two at once. */
  let estimating = false;

  async function readModel(ref: ModelRef): Promise<TrainableModel> {
    const [cardBytes, onnx, tokenizer, ...carried] = await Promise.all([
      options.modelFile(ref, 'model-card.json'),
      options.modelFile(ref, TRAINABLE_WEIGHTS),
      options.tokenizer(ref),
      ...CARRIED_MODEL_FILES.map((path) => options.modelFile(ref, path)),
    ]);
    const name = ref.kind === 'builtin' ? ref.id : ref.key;
    if (!cardBytes || !onnx || !carried[0]) {
      throw new TrainError(
        'MODEL_NOT_TRAINABLE',
        `${name} cannot be trained in the page: it needs a model card, config.json and fp32 weights (${TRAINABLE_WEIGHTS})`,
      );
    }
    const cardJson = JSON.parse(new TextDecoder().decode(cardBytes)) as Record<string, unknown>;
    const files = new Map<string, Uint8Array>();
    CARRIED_MODEL_FILES.forEach((path, i) => carried[i] && files.set(path, carried[i]));
    return {
      id: ref.kind === 'builtin' ? ref.id : storedModelId(ref.key),
      card: parseModelCard(cardJson),
      cardJson,
      files,
      onnx,
      tokenizer,
    };
  }

  async function readJson<T>(name: string): Promise<T | undefined> {
    const bytes = await files.read(name);
    return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as T) : undefined;
  }

  async function view(): Promise<TrainView> {
    const [job, model] = await Promise.all([readJson<Job>(JOB), readJson<ModelRecord>(MODEL)]);
    const phase: TrainView['phase'] = running
      ? 'running'
      : elsewhere
        ? 'elsewhere'
        : !job
          ? 'idle'
          : job.paused
            ? 'paused'
            : 'interrupted';
    const info: InternalizedModel | null = model
      ? {
          key: model.key,
          name: model.name,
          base: model.base,
          passages: model.passages,
          generation: model.generation,
          trainedAt: model.trainedAt,
        }
      : null;
    return { phase, progress: phase === 'idle' ? null : progress, model: info, coverage, error };
  }

  async function publish(): Promise<TrainView> {
    const current = await view();
    for (const listener of listeners) void listener(current);
    return current;
  }

  async function recount(): Promise<void> {
    const model = await readJson<ModelRecord>(MODEL);
    if (!model) {
      coverage = null;
      return;
    }
    const { passages } = await options.libraryPassages();
    const trained = new Set(model.trainedIds);
    const now = new Set(passages.map((p) => p.id));
    let covered = 0;
    for (const id of now) if (trained.has(id)) covered++;
    coverage = { trained: covered, total: now.size, removed: trained.size - covered };
  }

  function inputOf(model: TrainableModel, passages: RecipePassage[]): InternalizeInput {
    let shape: LlamaShape;
    try {
      shape = llamaShape(JSON.parse(new TextDecoder().decode(model.files.get('config.json'))) as unknown);
      llamaWeightsFromOnnx(model.onnx, shape);
    } catch (cause) {
      throw new TrainError(
        'MODEL_NOT_TRAINABLE',
        `${model.card.name} cannot be trained in the page: ${(cause as Error).message}`,
      );
    }
    return { modelId: model.id, shape, onnx: model.onnx, card: model.card, tokenizer: model.tokenizer, passages };
  }

  /** What a run for `request` would train: from which weights, on which passages. */
  async function planFor(request: TrainRequest) {
    const [{ generation, passages }, model] = await Promise.all([
      options.libraryPassages(),
      readJson<ModelRecord>(MODEL),
    ]);
    if (passages.length === 0) {
      throw new TrainError('NOTHING_TO_TRAIN', 'The library has no passages yet: add documents first.');
    }
    // On top of the internalized model — unless it was deleted from the model cache since.
    const onTop =
      model !== undefined &&
      sameRef(model.base, request.base) &&
      (await options.modelFile({ kind: 'stored', key: model.key }, 'config.json')) !== undefined;
    if (onTop && model) {
      const trained = new Set(model.trainedIds);
      if (model.trainedIds.length === passages.length && passages.every((p) => trained.has(p.id))) {
        throw new TrainError('NOTHING_TO_TRAIN', 'The model already holds every passage of the library.');
      }
    }
    const from: ModelRef = onTop && model ? { kind: 'stored', key: model.key } : request.base;
    return { generation, passages, from, onTop };
  }

  function statusView(status: InternalizeStatus, device: TrainDevice, previous: TrainProgress | null): TrainProgress {
    return {
      step: status.progress.step,
      totalSteps: status.totalSteps,
      epoch: status.progress.epoch,
      epochs: status.epochs,
      tokens: status.progress.tokens,
      totalTokens: status.totalTokens,
      loss: status.progress.losses['all'] ?? null,
      tokensPerSecond: status.tokensPerSecond,
      etaMs: status.etaMs,
      checkpointStep: previous?.checkpointStep ?? null,
      resumedFromStep: status.resumedFromStep,
      device,
      peakMemoryBytes: status.peakMemoryBytes,
    };
  }

  /** Trains the job to its end, or until stopped; stores the model when it ends. */
  async function train(job: Job, signal: AbortSignal): Promise<void> {
    const passages = (await readJson<RecipePassage[]>(PASSAGES)) ?? [];
    const from = await readModel(job.from);
    const input = inputOf(from, passages);
    const device = await options.useDevice(job.device);
    progress = null;
    const { internalize, settings } = await trainer();
    const result = await internalize(input, settings(options.internalize), {
      checkpoints: { load: () => files.read(CHECKPOINT), save: (bytes) => files.write(CHECKPOINT, bytes) },
      signal,
      onStatus(status) {
        progress = statusView(status, device, progress);
        void publish();
      },
      onCheckpoint(at) {
        if (progress) progress = { ...progress, checkpointStep: at.step };
        void publish();
      },
    });
    if (!result.onnx) return; // paused or cancelled: the checkpoint holds the run

    const base = sameRef(job.from, job.base) ? from : await readModel(job.base);
    const trainedAt = new Date().toISOString();
    const name = `internalized-${job.generation}-${Date.now().toString(36)}`;
    const card = internalizedCard(base.cardJson, base.card, name, {
      passages: passages.length,
      generation: job.generation,
      steps: result.progress.step,
      tokens: result.progress.tokens,
      finalLoss: result.progress.losses['all'] ?? null,
      device,
      trainedAt,
    });
    const folder = new Map<string, Uint8Array>();
    for (const path of CARRIED_MODEL_FILES) {
      const bytes = from.files.get(path);
      if (bytes) folder.set(path, bytes);
    }
    folder.set(TRAINABLE_WEIGHTS, result.onnx);
    folder.set('model-card.json', encode(card));
    const key = await options.storeModel(name, folder);
    const previous = await readJson<ModelRecord>(MODEL);
    const record: ModelRecord = {
      key,
      name: String(card['name']),
      base: job.base,
      passages: passages.length,
      generation: job.generation,
      trainedAt,
      trainedIds: passages.map((p) => p.id),
    };
    // The model first, then the job goes: a crash in between leaves a job that ends at once when resumed.
    await files.write(MODEL, encode(record));
    await files.remove(JOB);
    await Promise.all([files.remove(CHECKPOINT), files.remove(PASSAGES)]);
    if (previous && previous.key !== key) await options.removeModel(previous.key).catch(() => undefined);
  }

  /**
   * Runs the job under the training lock: resolves once it runs; TRAINING_BUSY when another tab trains. With `wait`
   * (an interrupted job, resumed on open) it waits for the lock instead — the worker of the page just reloaded may
   * still hold it for a moment, or another tab is running the job — and then goes on only if the job is still
   * there and not paused.
   */
  function launch(job: Job, wait = false): Promise<void> {
    return new Promise((started, refused) => {
      if (wait) elsewhere = true;
      void options.locks.request(TRAINING_LOCK, { ifAvailable: !wait }, async (lock) => {
        if (!lock) {
          elsewhere = true;
          refused(new TrainError('TRAINING_BUSY', 'Another tab is training a model: wait for it, or pause it there.'));
          return;
        }
        elsewhere = false;
        if (wait) {
          const current = await readJson<Job>(JOB).catch(() => undefined);
          if (!current || current.paused) {
            started();
            await recount().catch(() => undefined);
            void publish();
            return;
          }
          job = current;
        }
        const controller = new AbortController();
        let finish!: () => void;
        running = { controller, done: new Promise((resolve) => (finish = resolve)) };
        error = null;
        started();
        void publish();
        try {
          await train(job, controller.signal);
        } catch (cause) {
          const coded = cause as { code?: string; message?: string };
          error = { code: coded.code ?? 'TRAINING_FAILED', message: coded.message ?? String(cause) };
          // Kept, paused: its checkpoint is still good, and the user chooses to go on or cancel.
          await files.write(JOB, encode({ ...job, paused: true })).catch(() => undefined);
        } finally {
          running = undefined;
          finish();
          await recount().catch(() => undefined);
          void publish();
        }
      });
    });
  }

  /** Stops this worker's run after its current step (with a checkpoint), and waits for it. */
  async function stop(): Promise<void> {
    const run = running;
    if (!run) return;
    run.controller.abort();
    await run.done;
  }

  const api: TrainWorkerApi = {
    hold(lockName) {
      return new Promise((resolve) => {
        void options.locks.request(lockName, () => {
          resolve();
          return new Promise<never>(() => undefined); // held until the worker ends
        });
      });
    },

    async open(listener) {
      listeners.add(listener);
      await recount().catch(() => undefined);
      const job = await readJson<Job>(JOB);
      // Interrupted by a reload or a dead worker: it goes on from its last checkpoint, once the lock is free.
      if (job && !job.paused && !running) void launch(job, true).catch(() => undefined);
      return view();
    },

    async estimate(request): Promise<TrainEstimate> {
      if (running || estimating) throw new TrainError('TRAINING_BUSY', 'A model is being trained in this tab.');
      estimating = true;
      try {
        const plan = await planFor(request);
        const input = inputOf(await readModel(plan.from), plan.passages);
        const device = await options.useDevice(request.device);
        const { estimateInternalize, settings } = await trainer();
        const measured = await estimateInternalize(input, settings(options.internalize));
        const seconds = measured.secondsPerToken * measured.tokens;
        return {
          passages: plan.passages.length,
          steps: measured.steps,
          tokens: measured.tokens,
          device,
          secondsPerStep: measured.steps ? seconds / measured.steps : 0,
          seconds,
          onTop: plan.onTop,
        };
      } finally {
        estimating = false;
      }
    },

    async start(request) {
      if (running || estimating) throw new TrainError('TRAINING_BUSY', 'A model is being trained in this tab.');
      const existing = await readJson<Job>(JOB);
      if (existing) {
        await files.write(JOB, encode({ ...existing, paused: false }));
        await launch({ ...existing, paused: false });
        return view();
      }
      const plan = await planFor(request);
      await files.remove(CHECKPOINT);
      await files.write(PASSAGES, encode(plan.passages.map(({ id, title, text }) => ({ id, title, text }))));
      const job: Job = {
        base: request.base,
        from: plan.from,
        device: request.device,
        generation: plan.generation,
        paused: false,
        startedAt: new Date().toISOString(),
      };
      await files.write(JOB, encode(job));
      await launch(job);
      return view();
    },

    async pause() {
      const job = await readJson<Job>(JOB);
      // Paused on disk first: a tab closed during the last step still counts as paused.
      if (job) await files.write(JOB, encode({ ...job, paused: true }));
      await stop();
      return publish();
    },

    async cancel() {
      await stop();
      await files.remove(JOB);
      await Promise.all([files.remove(CHECKPOINT), files.remove(PASSAGES)]);
      progress = null;
      error = null;
      return publish();
    },

    async refresh() {
      await recount();
      return publish();
    },
  };

  Comlink.expose(api, endpoint);
}
