// The model worker: owns the model, the model cache, the retrievers and everything that tokenizes or runs them, so
// the page thread never blocks. Exposed to the page with Comlink; see workers/protocol.ts for the API. The page
// restarts it when it dies (src/ui/model-client.ts): it holds a Web Lock for its whole life to make that visible.
import './coded-errors';
import * as Comlink from 'comlink';
import { CodedError } from '../src/core/errors';
import { CorpusIndex } from '../src/core/corpus-index';
import { LexicalIndex } from '../src/core/lexical-index';
import { libraryCorpus, type LoadedLibrary } from '../src/core/library-bundle';
import { retrievalPrompt } from '../src/core/model-card';
import type { Passage } from '../src/core/passage';
import type { PassageKeyer } from '../src/core/passage-keyer';
import { promptProfile } from '../src/core/prompt-profile';
import { rankedHit } from '../src/core/ranked-hit';
import { SelfRetriever, type RetrievalModel, type SearchResult } from '../src/core/self-retriever';
import { planFromFolder, planFromHub, planFromUrl, type DownloadPlan } from '../src/engines/model-sources';
import type { DownloadProgress } from '../src/engines/model-store';
import { MODELS, registryModel } from '../src/engines/models';
import { keyerOf } from '../src/engines/transformers/keyer';
import {
  argmax,
  encode,
  fetchModelCard,
  forwardLast,
  loadCausalLM,
  storedModelId,
  webgpuDevice,
} from '../src/engines/transformers/runtime';
import { coreTokenizer } from '../src/engines/transformers/tokenizer';
import { TransformersLM, type EngineStats } from '../src/engines/transformers/transformers-lm';
import type { LibraryDelta } from '../src/store/library';
import { cranfieldLibrary, cranfieldQueries, cranfieldStored } from '../src/ingest/cranfield';
import type {
  DocumentText,
  LibrarySummary,
  LoadRequest,
  ModelStatus,
  ModelWorkerApi,
  ModelWorkerErrorCode,
  SearchFallback,
  SearchAnswer,
  SearchRequest,
  SearchLibrary,
  SearchProgress,
  SearchResponse,
} from './protocol';
import { chooseDevice, dtypePicker, type DeviceChoice, type GpuDeviceLike } from './device';
import { MODEL_ROOT, modelStore } from './model-files';
import { LIBRARY_CHANNEL, type LibraryChannelMessage } from './library-protocol';
import { openUserLibrary, type UserLibrary } from './user-library';

class ModelWorkerError extends CodedError<ModelWorkerErrorCode> {}

const BASE = import.meta.env.BASE_URL;

async function fetchDemo(name: string): Promise<string> {
  const response = await fetch(`${BASE}demo/cranfield/${name}`);
  if (!response.ok) throw new Error(`demo file ${name}: HTTP ${response.status}`);
  return response.text();
}

interface Loaded {
  readonly modelId: string;
  readonly lm: TransformersLM;
  readonly model: RetrievalModel;
  readonly keyer: PassageKeyer;
  readonly library: Pick<LoadedLibrary, 'passages'>;
  readonly retriever: SelfRetriever<unknown>;
}

/** The demo library before any model: its passages and BM25 index, so queries are answered while a model loads. */
interface Demo {
  readonly source: string;
  readonly library: Pick<LoadedLibrary, 'passages' | 'lexical'>;
  /** Each record's text by path: a Cranfield document is its one record. */
  readonly sources: ReadonlyMap<string, DocumentText>;
  readonly retriever: SelfRetriever<unknown>;
}

let demo: Promise<Demo> | undefined;

function openDemo(): Promise<Demo> {
  demo ??= (async () => {
    const source = await fetchDemo('cran.all.1400');
    const { passages, sources } = cranfieldStored(source);
    const lexical = LexicalIndex.empty();
    lexical.add(passages.map((p, entry) => ({ entry, title: p.title, text: p.text })));
    // No model yet, so no corpus keys: an empty prefix index, and the retriever runs in lexical mode only.
    const index = CorpusIndex.build([], { endToken: 0 });
    const retriever = new SelfRetriever({ index, lexical, passage: (entry) => passages[entry]! });
    return {
      source,
      library: { passages, lexical },
      sources: new Map(sources.map((s) => [s.path, s])),
      retriever: retriever as SelfRetriever<unknown>,
    };
  })();
  return demo;
}

/** Whether a model is being loaded: a search then falls back to BM25 and says so, then waits for it. */
let loading = false;
let currentLoad: Promise<unknown> | undefined;
let loaded: Loaded | undefined;
let onFatal: ((reason: string) => void) | undefined;
/** Work that `cancel(id)` can stop. Inference (searches, answers) is also stopped before a model is unloaded; a
 * search waiting for a model to load is not (it goes on with the new model). */
interface Running {
  readonly controller: AbortController;
  readonly inference: boolean;
  readonly done: Promise<unknown>;
}
const running = new Map<string, Running>();
/** Downloads in progress by store key, so deleting a model stops its download first. */
const downloads = new Map<string, AbortController>();

/** Runs `work` under an abort controller registered as `id`, so `cancel(id)` can stop it. */
function cancellable<T>(
  id: string,
  work: (signal: AbortSignal) => Promise<T>,
  kind: 'inference' | 'download' | 'wait' = 'inference',
): Promise<T> {
  running.get(id)?.controller.abort();
  const controller = new AbortController();
  const done = (async () => {
    try {
      return await work(controller.signal);
    } catch (error) {
      if (kind === 'inference') failIfRuntimeBroke(error);
      throw error;
    } finally {
      if (running.get(id)?.controller === controller) running.delete(id);
    }
  })();
  running.set(id, { controller, inference: kind === 'inference', done });
  return done;
}

/** Stops every search and answer and waits until they have let go of the model. */
async function stopInference(): Promise<void> {
  const stopping = [...running.values()].filter((r) => r.inference);
  for (const r of stopping) r.controller.abort();
  await Promise.allSettled(stopping.map((r) => r.done));
}

/**
 * transformers.js chains every ONNX Runtime call in a worker behind the previous one (webInferenceChain,
 * webInitChain) and never clears a rejection: after one failed run, every later run fails the same way. A worker in
 * that state cannot recover, so it ends, and the page starts a fresh one and loads the model again.
 */
function failIfRuntimeBroke(error: unknown): void {
  const e = error as { name?: string; code?: string } | null;
  if (e?.name === 'AbortError' || typeof e?.code === 'string') return;
  onFatal?.(`ONNX Runtime failed (${error instanceof Error ? error.message : String(error)})`);
  setTimeout(() => self.close(), 0);
}

/** The transformers.js id, the card and the weight format of a model to load. */
async function resolveModel(request: LoadRequest, choice: DeviceChoice) {
  if (request.model.kind === 'builtin') {
    const modelId = request.model.id;
    if (!registryModel(modelId)?.builtin) throw new ModelWorkerError('UNKNOWN_MODEL', `no built-in model "${modelId}"`);
    const card = await fetchModelCard(MODEL_ROOT, modelId);
    return { modelId, card, dtype: dtypePicker(choice)(card.dtypes ?? [card.dtype]) };
  }
  const stored = await (await modelStore).get(request.model.key);
  if (!stored?.complete) {
    throw new ModelWorkerError(
      'UNKNOWN_MODEL',
      stored ? `${stored.name} is not completely downloaded: resume its download first` : 'this model is not cached',
    );
  }
  // Downloaded for one device, it may be loaded on another: only if that one can run its weights.
  return { modelId: storedModelId(stored.key), card: stored.card, dtype: dtypePicker(choice)([stored.dtype]) };
}

/** After a model loads on WebGPU: if the GPU device is lost, the page hears why and restarts the worker. A device
 * destroyed on purpose (ONNX Runtime destroys its device when the last session is released) is no loss. */
async function watchGpu(): Promise<void> {
  const device = (await webgpuDevice()) as GpuDeviceLike | undefined;
  void device?.lost?.then((info) => {
    if (info.reason === 'destroyed') return;
    onFatal?.(`the GPU device was lost (${info.reason || 'unknown'}${info.message ? `: ${info.message}` : ''})`);
    self.close();
  });
}

/** Loads a model and keys the demo library for it; searches fall back to BM25 until this returns. */
async function loadModel(request: LoadRequest): Promise<ModelStatus> {
  const choice = await chooseDevice(request.device);
  const started = performance.now();
  const { modelId, card, dtype } = await resolveModel(request, choice);
  let causal;
  try {
    causal = await loadCausalLM(modelId, choice.device, dtype);
  } catch (error) {
    throw new ModelWorkerError(
      'MODEL_LOAD_FAILED',
      `${card.name} could not be loaded on ${choice.device === 'webgpu' ? 'WebGPU' : 'WebAssembly'}: ` +
        `${error instanceof Error ? error.message : String(error)}. If a file of it is damaged, delete the model ` +
        'and download it again.',
    );
  }
  const lm = new TransformersLM(causal, coreTokenizer(causal.tokenizer));
  const loadMillis = performance.now() - started;
  const warmStarted = performance.now();
  const warm = await forwardLast(causal, encode(causal, retrievalPrompt(card, '')));
  const warmupMillis = performance.now() - warmStarted;
  if (causal.device === 'webgpu') void watchGpu();
  // The demo library, keyed for this model exactly as the ingest worker and the CLI key passages; its BM25 index is
  // the one the model-less searches already use.
  const demo = await openDemo();
  const keyer = keyerOf(modelId, card, causal.tokenizer);
  const keyed = cranfieldLibrary(demo.source, keyer);
  const index = CorpusIndex.build(keyed.keys, { endToken: keyed.tokenizer.eosTokenId });
  const library = { passages: demo.library.passages, index, lexical: demo.library.lexical };
  const model: RetrievalModel = { lm, card, profile: promptProfile(card, lm.tokenizer) };
  const retriever = new SelfRetriever(libraryCorpus(library), model) as SelfRetriever<unknown>;
  loaded = { modelId, lm, model, keyer, library, retriever };
  return {
    model: request.model,
    modelId,
    dtype,
    modelName: card.name,
    parameters: card.parameters,
    device: causal.device,
    deviceReason: choice.reason,
    cacheLocation: warm.cacheLocation,
    loadMillis,
    warmupArgmax: argmax(warm.logits),
    warmupMillis,
    answers: card.capabilities.answers,
    passages: library.passages.length,
  };
}

/** Frees the current model's sessions (GPU buffers on WebGPU) before another one is loaded. */
async function unload(): Promise<void> {
  const previous = loaded;
  loaded = undefined;
  closeUserLibrary();
  await previous?.lm.dispose();
}

let userLibrary: Promise<UserLibrary> | undefined;
/** The ingest worker's commits not yet applied to the open user library. */
const pendingDeltas: LibraryDelta[] = [];
/** Past this many passages in waiting deltas, reopening the library is cheaper than holding them. */
const MAX_PENDING_PASSAGES = 50_000;
let pendingPassages = 0;

new BroadcastChannel(LIBRARY_CHANNEL).onmessage = (event: MessageEvent<LibraryChannelMessage>) => {
  const message = event.data;
  if (message.type !== 'committed' || !userLibrary) return;
  const { delta } = message;
  pendingDeltas.push(delta);
  pendingPassages += delta.kind === 'passages' ? delta.added.length : 0;
  if (delta.kind === 'reset' || pendingPassages > MAX_PENDING_PASSAGES) closeUserLibrary();
};

/** Forgets the open user library and what was waiting for it: the next search of it reads the store. */
function closeUserLibrary(): void {
  userLibrary = undefined;
  pendingDeltas.length = 0;
  pendingPassages = 0;
}

/** The retriever and passages to search, and why BM25 answers instead of the model, if it does. */
async function target(library: SearchLibrary): Promise<{
  retriever: SelfRetriever<unknown>;
  passage: (entry: number) => Passage;
  fallback?: SearchFallback;
}> {
  const noModel: SearchFallback = loading ? 'model-loading' : 'no-model';
  if (library === 'demo') {
    const passages = loaded ? loaded.library.passages : (await openDemo()).library.passages;
    const passage = (entry: number) => passages[entry]!;
    if (loaded) return { retriever: loaded.retriever, passage };
    return { retriever: (await openDemo()).retriever, passage, fallback: noModel };
  }
  const current = loaded;
  let opened = await (userLibrary ??= openUserLibrary(current));
  // Commits since the last search, applied now that nothing searches the indexes they change.
  let followed = true;
  if (pendingDeltas.length > 0 && ![...running.values()].some((r) => r.inference)) {
    const deltas = pendingDeltas.splice(0);
    pendingPassages = 0;
    followed = deltas.every((delta) => opened.apply(delta));
  }
  if (!followed || (await opened.stale())) {
    closeUserLibrary();
    userLibrary = openUserLibrary(current);
    opened = await userLibrary;
  }
  const fallback = !current ? noModel : opened.keyed ? undefined : 'rekeying';
  return { retriever: opened.retriever, passage: (entry) => opened.passage(entry), ...(fallback ? { fallback } : {}) };
}

/** The engine's counters now (a copy: the page gets what they were once the search let go). */
function engineStats(): EngineStats {
  return { ...(loaded?.lm.stats ?? { liveTensors: 0, liveHandles: 0, forwardPasses: 0 }) };
}

function responseOf(
  result: SearchResult,
  library: SearchLibrary,
  passage: (entry: number) => Passage,
  extra: { readonly fallback?: SearchFallback; readonly answer?: SearchAnswer } = {},
): SearchResponse {
  return {
    query: result.query,
    mode: result.mode,
    library,
    hits: result.results.map((p) => rankedHit(p, passage(p.entry))),
    stats: result.stats,
    engine: engineStats(),
    ...extra,
  };
}

/** Resolves once no model load is in flight, however it ended; rejects when the search is cancelled meanwhile. */
function modelSettled(signal: AbortSignal): Promise<void> {
  const load = currentLoad;
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

type Progress = ((progress: SearchProgress) => void) | undefined;

/** The model's ranking of a query, streamed, and its answer when asked for. */
async function modelSearch(
  { id, query, library = 'demo', settings, answer }: SearchRequest,
  onProgress: Progress,
): Promise<SearchResponse> {
  const { retriever, passage } = await target(library);
  return cancellable(id, async (signal) => {
    const result = await retriever.search(query, {
      ...settings,
      signal,
      onEvent: (event) => {
        if (onProgress && event.type === 'candidate') {
          void onProgress({ type: 'candidate', candidate: { passage: passage(event.entry), path: event.path } });
        }
      },
    });
    if (!answer || result.mode === 'lexical' || result.results.length === 0) {
      const response = responseOf(result, library, passage);
      if (onProgress) void onProgress({ type: 'ranked', response });
      return response;
    }
    if (onProgress) {
      void onProgress({ type: 'ranked', response: responseOf(result, library, passage) });
      void onProgress({ type: 'answering' });
    }
    const { force, maxTokens } = answer === true ? {} : answer;
    const outcome = await retriever.answer(query, result.results, {
      signal,
      ...(force ? { force } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      ...(onProgress ? { onToken: (text: string) => void onProgress({ type: 'answer-token', text }) } : {}),
    });
    const written: SearchAnswer = outcome.available
      ? {
          available: true,
          text: outcome.answer.text,
          citations: outcome.answer.citations.map((c) => ({ marker: c.marker, passageId: passage(c.entry).id })),
        }
      : { available: false, reason: outcome.reason };
    return responseOf(result, library, passage, { answer: written });
  });
}

const api: ModelWorkerApi = {
  hold(lockName, fatal) {
    onFatal = fatal;
    return new Promise((resolve) => {
      void navigator.locks.request(lockName, () => {
        resolve();
        return new Promise<never>(() => undefined); // held until the worker ends
      });
    });
  },

  load(request: LoadRequest): Promise<ModelStatus> {
    loading = true;
    const load = (async () => {
      await stopInference();
      await unload();
      return loadModel(request);
    })();
    currentLoad = load;
    // Only the latest load ends the loading state: an earlier one settling meanwhile does not.
    const settled = () => {
      if (currentLoad !== load) return;
      loading = false;
      currentLoad = undefined;
    };
    void load.then(settled, settled);
    return load;
  },

  async models() {
    const [stored, estimate] = await Promise.all([
      (await modelStore).list(),
      navigator.storage.estimate().catch((): StorageEstimate => ({})),
    ]);
    return { registry: MODELS, stored, usage: estimate.usage ?? null, quota: estimate.quota ?? null };
  },

  download({ id, source, device }, onProgress) {
    return cancellable(
      id,
      async (signal) => {
        const cache = await modelStore;
        const options = {
          signal,
          ...(onProgress ? { onProgress: (p: DownloadProgress) => void onProgress(p) } : {}),
        };
        const tracked = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
          const controller = running.get(id)!.controller;
          downloads.set(key, controller);
          try {
            return await work();
          } finally {
            if (downloads.get(key) === controller) downloads.delete(key);
          }
        };
        if (source.kind === 'resume') return tracked(source.key, () => cache.resume(source.key, options));
        const pick = dtypePicker(await chooseDevice(device));
        let plan: DownloadPlan;
        if (source.kind === 'folder') {
          plan = await planFromFolder(source.files, pick);
        } else {
          const model = source.registryId !== undefined ? registryModel(source.registryId) : undefined;
          if (source.registryId !== undefined && !model) {
            throw new ModelWorkerError('UNKNOWN_MODEL', `no model "${source.registryId}" in the registry`);
          }
          plan =
            source.kind === 'hub'
              ? await planFromHub(model!, pick, source.host ? { host: source.host } : {})
              : await planFromUrl(source.url, model, pick);
        }
        signal.throwIfAborted();
        return tracked(plan.key, () => cache.download(plan, options));
      },
      'download',
    );
  },

  async deleteModel(key) {
    const cache = await modelStore;
    // A download of it holds its files open: stop it and wait for it to let go.
    downloads.get(key)?.abort();
    await navigator.locks.request(`self-retrieval-model:${key}`, () => cache.remove(key));
  },

  async describeDemoLibrary(): Promise<LibrarySummary> {
    const [{ library }, queries] = await Promise.all([openDemo(), fetchDemo('cran.qry')]);
    return {
      name: 'Cranfield (aeronautics abstracts)',
      passages: library.passages.length,
      exampleQueries: cranfieldQueries(queries)
        .slice(0, 4)
        .map((q) => q.text),
    };
  },

  async documentText(library, path) {
    if (library === 'demo') return (await openDemo()).sources.get(path) ?? null;
    return (await (userLibrary ??= openUserLibrary(loaded))).documentText(path);
  },

  async search(request, onProgress?: (progress: SearchProgress) => void) {
    const { id, query, library = 'demo', settings } = request;
    // A keyword search asked for as such is no fallback: it needs no model.
    for (;;) {
      const { retriever, passage, fallback } = await target(library);
      if (!fallback || settings?.mode === 'lexical') return modelSearch(request, onProgress);
      // First results without waiting: BM25 over the same passages until the model is ready, labelled as such.
      const result = await retriever.search(query, { ...settings, mode: 'lexical' });
      const response = responseOf(result, library, passage, { fallback });
      if (onProgress) void onProgress({ type: 'ranked', response });
      if (fallback !== 'model-loading') return response;
      // Then the model's ranking, once it has loaded (or, if it failed, keyword matches labelled as such).
      await cancellable(id, modelSettled, 'wait');
    }
  },

  cancel(id: string): void {
    running.get(id)?.controller.abort();
  },

  engineStats() {
    return Promise.resolve(engineStats());
  },
};

Comlink.expose(api);
