// The model worker: owns the model, the retriever and everything that tokenizes or runs them, so the page thread
// never blocks. Exposed to the page with Comlink; see workers/protocol.ts for the API.
import './coded-errors';
import * as Comlink from 'comlink';
import { CorpusIndex } from '../src/core/corpus-index';
import { LexicalIndex } from '../src/core/lexical-index';
import { libraryCorpus, type LoadedLibrary } from '../src/core/library-bundle';
import { parseModelCard, retrievalPrompt, type ModelCard } from '../src/core/model-card';
import { promptProfile } from '../src/core/prompt-profile';
import { SelfRetriever, type RankedPassage, type SearchResult } from '../src/core/self-retriever';
import { loadKeyer } from '../src/engines/transformers/keyer';
import {
  argmax,
  configureOffline,
  encode,
  forwardLast,
  loadCausalLM,
  type Device,
} from '../src/engines/transformers/runtime';
import { coreTokenizer } from '../src/engines/transformers/tokenizer';
import { pickDtype } from '../src/engines/transformers/load';
import { TransformersLM } from '../src/engines/transformers/transformers-lm';
import { cranfieldLibrary, cranfieldQueries, cranfieldStored } from '../src/ingest/cranfield';
import type {
  DeviceRequest,
  LibrarySummary,
  LoadRequest,
  ModelStatus,
  ModelWorkerApi,
  SearchHit,
  SearchProgress,
  SearchResponse,
} from './protocol';

const BASE = import.meta.env.BASE_URL;
const MODEL_ROOT = `${BASE}models/`;
configureOffline({ modelRoot: MODEL_ROOT, ortRoot: `${BASE}ort/` });

/** The slice of the WebGPU API this worker touches (TypeScript's lib has no WebGPU types yet). */
interface GpuLike {
  requestAdapter(): Promise<{
    readonly info?: { readonly vendor: string; readonly architecture: string };
    readonly features?: { has(feature: string): boolean };
  } | null>;
}

async function chooseDevice(request: DeviceRequest): Promise<{ device: Device; reason: string; shaderF16: boolean }> {
  if (request === 'wasm') return { device: 'wasm', reason: 'wasm chosen by the user', shaderF16: false };
  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  let unavailable: string;
  if (!gpu) {
    unavailable = 'WebGPU unavailable: this browser exposes no WebGPU API (navigator.gpu)';
  } else {
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (adapter) {
      const info = adapter.info;
      // Half-precision weights need shader-f16 (load.ts, pickDtype).
      const shaderF16 = adapter.features?.has('shader-f16') ?? false;
      return {
        device: 'webgpu',
        reason: `WebGPU adapter: ${info ? `${info.vendor} ${info.architecture}` : 'unknown'}${shaderF16 ? ', shader-f16' : ''}`,
        shaderF16,
      };
    }
    unavailable = 'WebGPU unavailable: no GPU adapter was offered';
  }
  if (request === 'webgpu') throw Object.assign(new Error(unavailable), { code: 'WEBGPU_UNAVAILABLE' });
  return { device: 'wasm', reason: unavailable, shaderF16: false };
}

async function fetchDemo(name: string): Promise<string> {
  const response = await fetch(`${BASE}demo/cranfield/${name}`);
  if (!response.ok) throw new Error(`demo file ${name}: HTTP ${response.status}`);
  return response.text();
}

interface Loaded {
  readonly lm: TransformersLM;
  readonly card: ModelCard;
  readonly library: Pick<LoadedLibrary, 'passages'>;
  readonly retriever: SelfRetriever<unknown>;
}

/** The demo library before any model: its passages and BM25 index, so queries are answered while a model loads. */
interface Demo {
  readonly source: string;
  readonly library: Pick<LoadedLibrary, 'passages' | 'lexical'>;
  readonly retriever: SelfRetriever<unknown>;
}

let demo: Promise<Demo> | undefined;

function openDemo(): Promise<Demo> {
  demo ??= (async () => {
    const source = await fetchDemo('cran.all.1400');
    const { passages } = cranfieldStored(source);
    const lexical = LexicalIndex.empty();
    lexical.add(passages.map((p, entry) => ({ entry, title: p.title, text: p.text })));
    // No model yet, so no corpus keys: an empty prefix index, and the retriever runs in lexical mode only.
    const index = CorpusIndex.build([], { endToken: 0 });
    const retriever = new SelfRetriever({ index, lexical, passage: (entry) => passages[entry]! });
    return { source, library: { passages, lexical }, retriever: retriever as SelfRetriever<unknown> };
  })();
  return demo;
}

/** Whether a model is being loaded: a search then falls back to BM25 and says so. */
let loading = false;

let loaded: Loaded | undefined;
const running = new Map<string, AbortController>();

function requireLoaded(): Loaded {
  if (!loaded) throw Object.assign(new Error('no model is loaded'), { code: 'MODEL_NOT_LOADED' });
  return loaded;
}

function hit(library: Pick<LoadedLibrary, 'passages'>, p: Pick<RankedPassage, 'entry' | 'rank' | 'scores'>): SearchHit {
  const passage = library.passages[p.entry]!;
  return {
    entry: p.entry,
    rank: p.rank,
    scores: p.scores,
    passageId: passage.id,
    documentPath: passage.documentPath,
    title: passage.title,
    text: passage.text,
  };
}

/** Runs `work` under an abort controller registered as `id`, so `cancel(id)` can stop it. */
async function cancellable<T>(id: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  running.get(id)?.abort();
  const controller = new AbortController();
  running.set(id, controller);
  try {
    return await work(controller.signal);
  } finally {
    if (running.get(id) === controller) running.delete(id);
  }
}

/** Loads a model and keys the demo library for it; searches fall back to BM25 until this returns. */
async function loadModel({ modelId, device: requested }: LoadRequest): Promise<ModelStatus> {
  const { device, reason, shaderF16 } = await chooseDevice(requested);
  const started = performance.now();
  const response = await fetch(`${MODEL_ROOT}${modelId}/model-card.json`);
  if (!response.ok) throw new Error(`model card of "${modelId}" not found (HTTP ${response.status})`);
  const card = parseModelCard(await response.json());
  const causal = await loadCausalLM(modelId, device, pickDtype(card.dtypes ?? [card.dtype], device, shaderF16));
  const lm = new TransformersLM(causal, coreTokenizer(causal.tokenizer));
  const loadMillis = performance.now() - started;
  const warmStarted = performance.now();
  const warm = await forwardLast(causal, encode(causal, retrievalPrompt(card, '')));
  const warmupMillis = performance.now() - warmStarted;
  // The demo library, keyed for this model exactly as the ingest worker and the CLI key passages; its BM25 index is
  // the one the model-less searches already use.
  const demo = await openDemo();
  const keyed = cranfieldLibrary(demo.source, await loadKeyer(modelId, card));
  const index = CorpusIndex.build(keyed.keys, { endToken: keyed.tokenizer.eosTokenId });
  const library = { passages: demo.library.passages, index, lexical: demo.library.lexical };
  const retriever = new SelfRetriever(libraryCorpus(library), {
    lm,
    card,
    profile: promptProfile(card, lm.tokenizer),
  }) as SelfRetriever<unknown>;
  loaded = { lm, card, library, retriever };
  return {
    modelId,
    modelName: card.name,
    parameters: card.parameters,
    device: causal.device,
    deviceReason: reason,
    cacheLocation: warm.cacheLocation,
    loadMillis,
    warmupArgmax: argmax(warm.logits),
    warmupMillis,
    answers: card.capabilities.answers,
    passages: library.passages.length,
  };
}

function responseOf(library: Pick<LoadedLibrary, 'passages'>, result: SearchResult): SearchResponse {
  return {
    query: result.query,
    mode: result.mode,
    hits: result.results.map((p) => hit(library, p)),
    stats: result.stats,
  };
}

const api: ModelWorkerApi = {
  async load(request: LoadRequest): Promise<ModelStatus> {
    loading = true;
    try {
      return await loadModel(request);
    } finally {
      loading = false;
    }
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

  async search({ id, query, settings }, onProgress?: (progress: SearchProgress) => void) {
    if (!loaded) {
      // First results without waiting: BM25 over the same passages until the model is ready, labelled as such.
      const fallback = loading ? 'model-loading' : 'no-model';
      const { retriever, library } = await openDemo();
      const result = await retriever.search(query, { ...settings, mode: 'lexical' });
      const response = { ...responseOf(library, result), fallback } as const;
      if (onProgress) void onProgress({ type: 'ranked', response });
      return response;
    }
    const { retriever, library } = loaded;
    return cancellable(id, async (signal) => {
      const result = await retriever.search(query, {
        ...settings,
        signal,
        onEvent: (event) => {
          if (!onProgress || event.type !== 'candidate') return;
          void onProgress({
            type: 'candidate',
            hit: hit(library, {
              entry: event.entry,
              rank: 0,
              scores: { title: null, path: event.path, assessment: null, fused: 0, prior: null, lexical: 0 },
            }),
          });
        },
      });
      const response = responseOf(library, result);
      if (onProgress) void onProgress({ type: 'ranked', response });
      return response;
    });
  },

  answer({ id, query, hits, force, maxTokens }, onToken?: (text: string) => void) {
    const { retriever } = requireLoaded();
    return cancellable(id, (signal) =>
      retriever.answer(query, hits, {
        signal,
        ...(force ? { force } : {}),
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        ...(onToken ? { onToken: (text: string) => void onToken(text) } : {}),
      }),
    );
  },

  cancel(id: string): void {
    running.get(id)?.abort();
  },

  engineStats() {
    return Promise.resolve(loaded?.lm.stats ?? { liveTensors: 0, liveHandles: 0, forwardPasses: 0 });
  },
};

Comlink.expose(api);
