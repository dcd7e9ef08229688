// One engine session behind every worker that searches (the app's model worker, the widget's worker): it owns the
// device choice, the model with its tokenizer and keyer (loaded once), the corpora it searches as uniform sources
// (`CorpusSource`: bundle-corpus.ts, sharded-corpus.ts, user-library.ts), the BM25 fallback while no model can
// answer, cancellation and answering. The workers are façades that add what is theirs (the model cache, the page's lock, fetching a bundle).
// No DOM, no `self`: Node tests drive it through the real worker modules.
import type { BundleSource } from '../src/core/library-bundle';
import type { Dtype, ModelCard } from '../src/core/model-card';
import type { Passage } from '../src/core/passage';
import type { PassageKeyer } from '../src/core/passage-keyer';
import { rankedHit, type CandidateHit, type RankedHit } from '../src/core/ranked-hit';
import type {
  RetrievalMode,
  RetrievalModel,
  SearchOptions,
  SearchResult,
  SearchStats,
  SelfRetriever,
} from '../src/core/self-retriever';
import { CodedError } from '../src/core/errors';
import type { Device } from '../src/engines/transformers/runtime';
import type { EngineStats, TransformersLM } from '../src/engines/transformers/transformers-lm';
import type { DeviceChoice, DeviceRequest } from './device';

/** A model the session has loaded: the runtime, the card, and the keyer made from the same tokenizer. */
export interface EngineModel {
  readonly modelId: string;
  readonly card: ModelCard;
  readonly lm: TransformersLM;
  readonly keyer: PassageKeyer;
  readonly model: RetrievalModel;
}

/** What a corpus gives one search. */
export interface SearchTarget {
  readonly retriever: SelfRetriever<unknown>;
  /** In memory, or fetched when asked (a sharded bundle). */
  readonly passage: (entry: number) => Passage | Promise<Passage>;
  /** The corpus is keyed for the loaded model: the model's modes are offered. */
  readonly keyed: boolean;
  /** Parts of the corpus this search could not read (a damaged shard), each a coded error; the rest ranked. */
  readonly problems?: () => readonly CodedError<string>[];
}

/** A document's parsed text, with its section starts and page starts. */
export type DocumentText = BundleSource;

/** A corpus the session searches: a bundle or the live library, the same to the session. */
export interface CorpusSource {
  /** A model was loaded (or dropped: undefined). A source keys its passages for it here (the load waits for it)
   * or on its next search. */
  useModel(model: EngineModel | undefined): void | Promise<void>;
  /** The retriever for one search. `idle`: no search runs, so the source may change its indexes in place. */
  target(idle: boolean): Promise<SearchTarget>;
  /** A document's parsed text, for "open in document"; null when the source does not have it. */
  documentText(path: string): Promise<DocumentText | null>;
}

/** Why keyword matches answer instead of the model: it is loading, none is loaded, its load failed, or the library
 * is not yet keyed for it. */
export type SearchFallback = 'model-loading' | 'no-model' | 'model-failed' | 'rekeying';

export type ModelPhase = 'none' | 'loading' | 'ready' | 'failed';

/** Search settings a caller may change; the rest are the retriever's defaults. */
export type SearchSettings = Partial<Omit<SearchOptions, 'signal' | 'onEvent'>>;

/** How a search's answer is written: `force` runs the answer path with a model that cannot answer (tests). */
export interface AnswerSettings {
  readonly force?: boolean;
  readonly maxTokens?: number;
}

export interface EngineSearchRequest<L extends string = string> {
  /** Chosen by the caller; `cancel(id)` stops this search (and its answer). */
  readonly id: string;
  readonly query: string;
  /** The source to search, by the name it was added under. */
  readonly library: L;
  readonly settings?: SearchSettings;
  /** Also answer from the ranked passages, in the same call. Only a model ranking is answered. */
  readonly answer?: true | AnswerSettings;
  /** While the model loads: keyword matches first, then wait for the model and search again (the app), or keyword
   * matches only (the widget, which searches as the user types). */
  readonly waitForModel?: boolean;
}

/** A coded error met by one search that did not stop it, e.g. a damaged shard of a sharded bundle. */
export interface SearchProblem {
  readonly code: string;
  readonly message: string;
}

/** An answer's citation marker [n] and the passage (one of the response's hits) it cites. */
export interface AnswerCitation {
  readonly marker: number;
  readonly passageId: string;
}

export type SearchAnswer =
  | { readonly available: true; readonly text: string; readonly citations: readonly AnswerCitation[] }
  | { readonly available: false; readonly reason: string };

export interface SearchResponse<L extends string = string> {
  readonly query: string;
  readonly mode: RetrievalMode;
  readonly library: L;
  /** Set when BM25 answered because the model could not. */
  readonly fallback?: SearchFallback;
  readonly hits: readonly RankedHit[];
  /** Parts of the corpus that could not be read for this search (their hits are missing; the rest ranked). */
  readonly problems?: readonly SearchProblem[];
  readonly stats: SearchStats;
  /** The answer, when one was asked for and the model ranked the hits. */
  readonly answer?: SearchAnswer;
  /** The engine's live cache tensors and handles once the search (and its answer) let go: 0 and 0. */
  readonly engine: EngineStats;
}

/**
 * Streamed while a search runs: candidates as the decode reaches them (no scores: they are not ranked yet), each
 * ranking (keyword matches first while the model loads, then the model's, which replace them), then the answer's
 * text as it is written.
 */
export type SearchProgress<L extends string = string> =
  | { readonly type: 'candidate'; readonly candidate: CandidateHit }
  /** The model has judged `judged` of the `of` candidates it found (self-assessment). */
  | { readonly type: 'judged'; readonly judged: number; readonly of: number }
  | { readonly type: 'ranked'; readonly response: SearchResponse<L> }
  | { readonly type: 'answering' }
  | { readonly type: 'answer-token'; readonly text: string };

/** What to load, decided once the device is chosen (weights differ per device). */
export interface LoadSpec {
  readonly device: DeviceRequest;
  resolve(choice: DeviceChoice): Promise<{ readonly modelId: string; readonly card: ModelCard; readonly dtype: Dtype }>;
  /** Loading failed in the runtime: the error to throw instead (with the caller's code and words). */
  loadFailed?(card: ModelCard, device: Device, error: unknown): Error;
}

export interface LoadedStatus {
  readonly modelId: string;
  readonly card: ModelCard;
  readonly dtype: Dtype;
  readonly device: Device;
  /** Why this device: the WebGPU adapter in use, or why WebGPU is unavailable. */
  readonly deviceReason: string;
  /** Where the warm-up pass left its KV cache: 'gpu-buffer' on WebGPU, 'cpu' elsewhere. */
  readonly cacheLocation: string;
  readonly loadMillis: number;
  /** Warm-up forward pass over the retrieval prompt of an empty query: its arg-max next token. */
  readonly warmupArgmax: number;
  readonly warmupMillis: number;
}

export interface EngineSessionOptions {
  /** WebGPU or wasm in a browser (workers/device.ts); the CPU in Node. */
  chooseDevice(request: DeviceRequest): Promise<DeviceChoice>;
  /** The runtime cannot go on (ONNX Runtime broke, the GPU device was lost). The model is dropped first; keyword
   * search goes on. The app's worker also ends itself here so the page starts a fresh one. */
  onFatal?(reason: string): void;
}

class EngineError extends CodedError<'UNKNOWN_LIBRARY'> {}

/** Work that `cancel(id)` can stop. Inference is also stopped before a model is unloaded; a search waiting for a
 * model to load is not (it goes on with the new model). */
interface Running {
  readonly controller: AbortController;
  readonly inference: boolean;
  readonly done: Promise<unknown>;
}

type Progress<L extends string> = ((progress: SearchProgress<L>) => void) | undefined;

export class EngineSession {
  readonly #options: EngineSessionOptions;
  readonly #opening = new Map<string, () => Promise<CorpusSource>>();
  readonly #sources = new Map<string, Promise<CorpusSource>>();
  readonly #running = new Map<string, Running>();
  #model: EngineModel | undefined;
  #phase: ModelPhase = 'none';
  #currentLoad: Promise<unknown> | undefined;

  constructor(options: EngineSessionOptions) {
    this.#options = options;
  }

  /** Adds a corpus under `name`, opened on first use (a fetch, a store read) and kept. */
  addSource(name: string, open: () => Promise<CorpusSource>): void {
    this.#opening.set(name, open);
    this.#sources.delete(name);
  }

  /** The source `name`, opened if it was not, told of the model loaded now. */
  source(name: string): Promise<CorpusSource> {
    let source = this.#sources.get(name);
    if (!source) {
      const open = this.#opening.get(name);
      if (!open) return Promise.reject(new EngineError('UNKNOWN_LIBRARY', `no library "${name}" in this session`));
      source = open().then(async (opened) => {
        await opened.useModel(this.#model);
        return opened;
      });
      // A failed open is tried again by the next caller.
      source.catch(() => this.#sources.get(name) === source && this.#sources.delete(name));
      this.#sources.set(name, source);
    }
    return source;
  }

  /** Runs `work` under an abort controller registered as `id`, so `cancel(id)` can stop it. */
  cancellable<T>(
    id: string,
    work: (signal: AbortSignal) => Promise<T>,
    kind: 'inference' | 'download' | 'wait' = 'inference',
  ): Promise<T> {
    this.#running.get(id)?.controller.abort();
    const controller = new AbortController();
    const done = (async () => {
      try {
        return await work(controller.signal);
      } catch (error) {
        if (kind === 'inference') this.#failIfRuntimeBroke(error);
        throw error;
      } finally {
        if (this.#running.get(id)?.controller === controller) this.#running.delete(id);
      }
    })();
    this.#running.set(id, { controller, inference: kind === 'inference', done });
    return done;
  }

  /** The controller of the work registered as `id`, if it runs. */
  controllerOf(id: string): AbortController | undefined {
    return this.#running.get(id)?.controller;
  }

  /** Stops the search (or other work) with this id; unknown ids are ignored. */
  cancel(id: string): void {
    this.#running.get(id)?.controller.abort();
  }

  /** Drops the current model (searches fall back to BM25 meanwhile) and loads this one; the opened sources are keyed
   * for it before this returns. Only the latest of overlapping loads ends the loading phase. */
  load(spec: LoadSpec): Promise<LoadedStatus> {
    this.#phase = 'loading';
    const load = (async () => {
      await this.#stopInference();
      await this.#unload();
      return this.#load(spec);
    })();
    this.#currentLoad = load;
    const settled = (phase: ModelPhase) => () => {
      if (this.#currentLoad !== load) return;
      this.#phase = phase;
      this.#currentLoad = undefined;
    };
    void load.then(settled('ready'), settled('failed'));
    return load;
  }

  async #load(spec: LoadSpec): Promise<LoadedStatus> {
    const choice = await this.#options.chooseDevice(spec.device);
    const started = performance.now();
    const { modelId, card, dtype } = await spec.resolve(choice);
    // The model machinery is fetched with the first model: keyword search never needs it.
    const { loadEngineModel } = await import('./engine-model');
    const loaded = await loadEngineModel(
      modelId,
      card,
      choice.device,
      dtype,
      (error) => spec.loadFailed?.(card, choice.device, error) ?? error,
    );
    const loadedAt = performance.now();
    const { model } = loaded;
    if (loaded.device === 'webgpu') void this.#watchGpu();
    this.#model = model;
    try {
      for (const source of this.#sources.values()) await (await source.catch(() => undefined))?.useModel(model);
    } catch (error) {
      // A source that cannot be keyed (a sharded bundle's corpus index missing) fails the load: nothing half-loaded.
      this.#model = undefined;
      for (const source of this.#sources.values()) await (await source.catch(() => undefined))?.useModel(undefined);
      await model.lm.dispose();
      throw error;
    }
    return {
      modelId,
      card,
      dtype,
      device: loaded.device,
      deviceReason: choice.reason,
      cacheLocation: loaded.cacheLocation,
      loadMillis: loadedAt - started - loaded.warmupMillis,
      warmupArgmax: loaded.warmupArgmax,
      warmupMillis: loaded.warmupMillis,
    };
  }

  /** Frees the current model's sessions (GPU buffers on WebGPU). */
  async #unload(): Promise<void> {
    const previous = this.#model;
    this.#model = undefined;
    for (const source of this.#sources.values()) await (await source.catch(() => undefined))?.useModel(undefined);
    await previous?.lm.dispose();
  }

  /** Stops every search and answer and waits until they have let go of the model. */
  async #stopInference(): Promise<void> {
    const stopping = [...this.#running.values()].filter((r) => r.inference);
    for (const r of stopping) r.controller.abort();
    await Promise.allSettled(stopping.map((r) => r.done));
  }

  /**
   * transformers.js chains every ONNX Runtime call behind the previous one and never clears a rejection: after one
   * failed run, every later run fails the same way. The model is dropped; the owner hears why.
   */
  #failIfRuntimeBroke(error: unknown): void {
    const e = error as { name?: string; code?: string } | null;
    if (e?.name === 'AbortError' || typeof e?.code === 'string') return;
    this.#fatal(`ONNX Runtime failed (${error instanceof Error ? error.message : String(error)})`);
  }

  #fatal(reason: string): void {
    this.#phase = 'failed';
    const model = this.#model;
    this.#model = undefined;
    void Promise.all(
      [...this.#sources.values()].map((s) =>
        s.then(
          (o) => o.useModel(undefined),
          () => undefined,
        ),
      ),
    );
    void model?.lm.dispose().catch(() => undefined);
    this.#options.onFatal?.(reason);
  }

  /** After a model loads on WebGPU: a lost device is fatal. One destroyed on purpose (ONNX Runtime destroys its
   * device when the last session is released) is no loss. */
  async #watchGpu(): Promise<void> {
    const device = await (await import('./engine-model')).gpuDevice();
    void device?.lost?.then((info) => {
      if (info.reason === 'destroyed') return;
      this.#fatal(`the GPU device was lost (${info.reason || 'unknown'}${info.message ? `: ${info.message}` : ''})`);
    });
  }

  /** The engine's counters now (a copy: callers get what they were once the search let go). */
  stats(): EngineStats {
    return { ...(this.#model?.lm.stats ?? { liveTensors: 0, liveHandles: 0, forwardPasses: 0 }) };
  }

  async documentText(library: string, path: string): Promise<DocumentText | null> {
    return (await this.source(library)).documentText(path);
  }

  /** Searches a source, and answers from its ranking when asked. While the model loads, keyword matches come at
   * once; with `waitForModel` the search then goes on with the model once it is ready. */
  async search<L extends string>(
    request: EngineSearchRequest<L>,
    onProgress?: Progress<L>,
  ): Promise<SearchResponse<L>> {
    for (;;) {
      const target = await this.#target(request.library);
      const { retriever, fallback } = target;
      // A keyword search asked for as such is no fallback: it needs no model.
      if (!fallback || request.settings?.mode === 'lexical') return this.#modelSearch(request, target, onProgress);
      // First results without waiting: BM25 over the same passages, labelled as such.
      const result = await retriever.search(request.query, { ...request.settings, mode: 'lexical' });
      const response = await this.#response(result, request.library, target, { fallback });
      onProgress?.({ type: 'ranked', response });
      if (fallback !== 'model-loading' || !request.waitForModel) return response;
      // Then the model's ranking, once it has loaded (or, if it failed, keyword matches labelled as such).
      await this.cancellable(request.id, (signal) => this.#modelSettled(signal), 'wait');
    }
  }

  /** The retriever and passages to search, and why BM25 answers instead of the model, if it does. */
  async #target(library: string): Promise<SearchTarget & { fallback?: SearchFallback }> {
    const source = await this.source(library);
    const idle = ![...this.#running.values()].some((r) => r.inference);
    const target = await source.target(idle);
    if (target.keyed) return target;
    const fallback: SearchFallback = this.#model
      ? 'rekeying'
      : this.#phase === 'loading'
        ? 'model-loading'
        : this.#phase === 'failed'
          ? 'model-failed'
          : 'no-model';
    return { ...target, fallback };
  }

  /** Resolves once no model load is in flight, however it ended; rejects when the search is cancelled meanwhile. */
  #modelSettled(signal: AbortSignal): Promise<void> {
    const load = this.#currentLoad;
    if (!load) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      const settled = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      void load.then(settled, settled);
    });
  }

  async #response<L extends string>(
    result: SearchResult,
    library: L,
    { passage, problems }: SearchTarget,
    extra: { readonly fallback?: SearchFallback; readonly answer?: SearchAnswer } = {},
  ): Promise<SearchResponse<L>> {
    const settled = await Promise.allSettled(result.results.map(async (p) => rankedHit(p, await passage(p.entry))));
    const hits: RankedHit[] = [];
    const met = new Map<string, SearchProblem>();
    const note = ({ code, message }: CodedError<string>) => met.set(`${code} ${message}`, { code, message });
    problems?.().forEach(note);
    for (const outcome of settled) {
      if (outcome.status === 'fulfilled') hits.push(outcome.value);
      // A hit whose passage cannot be read (a damaged fragment) is left out and said; anything else is a bug.
      else if (outcome.reason instanceof CodedError) note(outcome.reason as CodedError<string>);
      else throw outcome.reason;
    }
    return {
      query: result.query,
      mode: result.mode,
      library,
      hits,
      ...(met.size ? { problems: [...met.values()] } : {}),
      stats: result.stats,
      engine: this.stats(),
      ...extra,
    };
  }

  /** The model's (or, asked for, BM25's) ranking of a query, streamed, and its answer when asked for. */
  #modelSearch<L extends string>(
    request: EngineSearchRequest<L>,
    target: SearchTarget,
    onProgress: Progress<L>,
  ): Promise<SearchResponse<L>> {
    const { id, query, library, settings, answer } = request;
    const { retriever, passage } = target;
    return this.cancellable(id, async (signal) => {
      // Candidates go out in the order the decode finds them, each once its passage is at hand, before the ranking.
      let candidates = Promise.resolve();
      const result = await retriever.search(query, {
        ...settings,
        signal,
        onEvent: (event) => {
          if (!onProgress) return;
          if (event.type === 'judged') {
            // After the candidates that came before it, like everything else the page hears.
            const { judged, of } = event;
            candidates = candidates.then(() => onProgress({ type: 'judged', judged, of })).catch(() => undefined);
            return;
          }
          if (event.type !== 'candidate') return;
          const found = Promise.resolve(passage(event.entry));
          found.catch(() => undefined); // handled below, in order
          candidates = candidates
            .then(
              // A candidate whose passage cannot be had is not streamed: the ranking says what went wrong.
              () => found.then((p) => onProgress({ type: 'candidate', candidate: { passage: p, path: event.path } })),
            )
            .catch(() => undefined);
        },
      });
      await candidates;
      const ranked = await this.#response(result, library, target);
      if (!answer || result.mode === 'lexical' || result.results.length === 0) {
        onProgress?.({ type: 'ranked', response: ranked });
        return ranked;
      }
      onProgress?.({ type: 'ranked', response: ranked });
      onProgress?.({ type: 'answering' });
      const { force, maxTokens } = answer === true ? {} : answer;
      const outcome = await retriever.answer(query, result.results, {
        signal,
        ...(force ? { force } : {}),
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        ...(onProgress ? { onToken: (text: string) => onProgress({ type: 'answer-token', text }) } : {}),
      });
      const written: SearchAnswer = outcome.available
        ? {
            available: true,
            text: outcome.answer.text,
            citations: await Promise.all(
              outcome.answer.citations.map(async (c) => ({ marker: c.marker, passageId: (await passage(c.entry)).id })),
            ),
          }
        : { available: false, reason: outcome.reason };
      return this.#response(result, library, target, { answer: written });
    });
  }
}
