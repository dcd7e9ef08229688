// The widget's engine, in its own worker so the host page never blocks: fetches the index bundle, answers with BM25
// at once, and in the background gets the model into this origin's model cache (OPFS), loads it and searches with
// it. Exposed to the <self-retrieval-search> element with Comlink; workers/widget-protocol.ts is its API. Unlike the
// app's model worker it knows nothing of the app's origin layout: ONNX Runtime's files are found next to this file.
import './coded-errors';
import * as Comlink from 'comlink';
import { unpackBundle } from '../src/core/bundle';
import { CorpusIndex } from '../src/core/corpus-index';
import { CodedError } from '../src/core/errors';
import { libraryCorpus, readLibraryBundle, type LoadedLibrary } from '../src/core/library-bundle';
import { promptProfile } from '../src/core/prompt-profile';
import { rankedHit, type RankedHit } from '../src/core/ranked-hit';
import { SelfRetriever, type RankedPassage } from '../src/core/self-retriever';
import { planFromHub, planFromUrl, type DownloadPlan } from '../src/engines/model-sources';
import { ModelStore, type StoredModel } from '../src/engines/model-store';
import { registryModel } from '../src/engines/models';
import { keyerOf } from '../src/engines/transformers/keyer';
import { configureOffline, loadCausalLM, storedModelId } from '../src/engines/transformers/runtime';
import { coreTokenizer } from '../src/engines/transformers/tokenizer';
import { TransformersLM } from '../src/engines/transformers/transformers-lm';
import { chooseDevice, dtypePicker, type DeviceChoice } from './device';
import type {
  WidgetDocument,
  WidgetErrorCode,
  WidgetFallback,
  WidgetLibrarySummary,
  WidgetModelSource,
  WidgetModelState,
  WidgetOpenRequest,
  WidgetSearchRequest,
  WidgetSearchResponse,
  WidgetWorkerApi,
} from './widget-protocol';

class WidgetError extends CodedError<WidgetErrorCode> {}

/** ONNX Runtime's files sit in `ort/` beside the widget's chunks wherever the site owner copied them. Held in a
 * variable so the bundler does not take `new URL('./ort/', import.meta.url)` for an asset to resolve. */
const ORT_FOLDER = './ort/';
const modelStore = ModelStore.open();

configureOffline({
  // Only cached models (`store/<key>`) are loaded, each file answered from OPFS: this root is never fetched. A path,
  // not a URL: transformers.js reads "local" model files only from paths (an http URL would count as remote).
  modelRoot: '/__self-retrieval-model-cache__/',
  ortRoot: new URL(ORT_FOLDER, import.meta.url).href,
  stored: async (key, path) => (await modelStore).read(key, path),
});

interface Library {
  readonly loaded: LoadedLibrary;
  /** BM25 over the bundle's passages: answers before (and without) a model. */
  readonly lexical: SelfRetriever<unknown>;
}

interface Model {
  readonly retriever: SelfRetriever<unknown>;
}

let library: Library | undefined;
let model: Model | undefined;
let modelPhase: WidgetModelState['phase'] = 'none';
/** The search in flight: a new one cancels it (search-as-you-type only cares about the last query). */
let current: { readonly id: string; readonly controller: AbortController } | undefined;

async function fetchBundle(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new WidgetError('INDEX_UNREACHABLE', `The search index ${url} could not be fetched (${String(error)}).`);
  }
  if (response.status === 404 || response.status === 410) {
    throw new WidgetError('INDEX_NOT_FOUND', `The search index ${url} was not found (HTTP ${response.status}).`);
  }
  if (!response.ok) {
    throw new WidgetError(
      'INDEX_UNREACHABLE',
      `The search index ${url} could not be fetched (HTTP ${response.status}).`,
    );
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** A complete cached copy of the model this device can run: a second visit loads it without the network. */
async function cachedModel(
  store: ModelStore,
  source: WidgetModelSource,
  choice: DeviceChoice,
): Promise<StoredModel | undefined> {
  const runnable = (m: StoredModel) => {
    try {
      dtypePicker(choice)([m.dtype]);
      return true;
    } catch {
      return false;
    }
  };
  const origin = source.kind === 'url' ? source.url.replace(/\/+$/, '') : undefined;
  return (await store.list()).find(
    (m) =>
      m.complete &&
      runnable(m) &&
      (source.kind === 'url' ? m.origin === origin && m.registryId === undefined : m.registryId === source.id),
  );
}

async function plan(source: WidgetModelSource, choice: DeviceChoice): Promise<DownloadPlan> {
  if (source.kind === 'url') return planFromUrl(source.url, undefined, dtypePicker(choice));
  const registered = registryModel(source.id);
  if (!registered) throw new WidgetError('UNKNOWN_MODEL', `No model "${source.id}" in the registry.`);
  return planFromHub(registered, dtypePicker(choice));
}

/** Gets the model into the cache (unless it is there), loads it, and keys the bundle's passages for it if the
 * bundle was indexed with another tokenizer. */
async function loadModel(
  source: WidgetModelSource,
  lib: Library,
  report: (state: WidgetModelState) => void,
): Promise<Model> {
  const choice = await chooseDevice('auto');
  const store = await modelStore;
  let stored = await cachedModel(store, source, choice);
  const fromCache = stored !== undefined;
  if (!stored) {
    const downloadPlan = await plan(source, choice);
    report({ phase: 'downloading', name: downloadPlan.name, loaded: 0, total: null });
    // The store holds the model's Web Lock while it writes: another tab downloading it gets DOWNLOAD_BUSY.
    stored = await store.download(downloadPlan, {
      onProgress: (p) => report({ phase: 'downloading', name: downloadPlan.name, loaded: p.loaded, total: p.total }),
    });
  }
  report({ phase: 'loading', name: stored.name });
  const modelId = storedModelId(stored.key);
  const card = stored.card;
  let causal;
  try {
    causal = await loadCausalLM(modelId, choice.device, dtypePicker(choice)([stored.dtype]));
  } catch (error) {
    throw new WidgetError(
      'MODEL_LOAD_FAILED',
      `${stored.name} could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const lm = new TransformersLM(causal, coreTokenizer(causal.tokenizer));
  let index: CorpusIndex = lib.loaded.index;
  if (lib.loaded.manifest.tokenizer.id !== modelId) {
    // Keys are made with one model's tokenizer and templates: re-key the passages for this one rather than refuse.
    const keyer = keyerOf(modelId, card, causal.tokenizer);
    index = CorpusIndex.build(keyer.keys(lib.loaded.passages), { endToken: keyer.tokenizer.eosTokenId });
  }
  const retriever = new SelfRetriever(libraryCorpus({ ...lib.loaded, index }), {
    lm,
    card,
    profile: promptProfile(card, lm.tokenizer),
  });
  report({
    phase: 'ready',
    name: stored.name,
    device: causal.device === 'webgpu' ? 'webgpu' : 'wasm',
    fromCache,
  });
  return { retriever: retriever as SelfRetriever<unknown> };
}

function hitOf(lib: Library, p: Pick<RankedPassage, 'entry' | 'rank' | 'scores'>): RankedHit {
  return rankedHit(p, lib.loaded.passages[p.entry]!);
}

const api: WidgetWorkerApi = {
  async open(request: WidgetOpenRequest, onModel) {
    const loaded = readLibraryBundle(unpackBundle(await fetchBundle(request.indexUrl)));
    const lexical = new SelfRetriever(libraryCorpus(loaded)) as SelfRetriever<unknown>;
    const lib: Library = { loaded, lexical };
    library = lib;
    if (request.model) {
      modelPhase = 'downloading';
      loadModel(request.model, lib, (state) => {
        modelPhase = state.phase;
        void onModel(state);
      }).then(
        (ready) => {
          model = ready;
          modelPhase = 'ready';
        },
        (error: unknown) => {
          modelPhase = 'failed';
          const code = (error as { code?: unknown } | null)?.code;
          void onModel({
            phase: 'failed',
            code: typeof code === 'string' ? code : 'MODEL_LOAD_FAILED',
            message: error instanceof Error ? error.message : String(error),
          });
        },
      );
    } else {
      void onModel({ phase: 'none' });
    }
    const summary: WidgetLibrarySummary = { passages: loaded.passages.length, documents: loaded.documents.length };
    return summary;
  },

  async search({ id, query, mode }: WidgetSearchRequest): Promise<WidgetSearchResponse> {
    const lib = library;
    if (!lib) throw new WidgetError('NOT_OPEN', 'The search index is not loaded.');
    current?.controller.abort();
    const controller = new AbortController();
    current = { id, controller };
    try {
      const useModel = mode !== 'lexical' && model !== undefined;
      const fallback: WidgetFallback | undefined =
        mode === 'lexical' || useModel
          ? undefined
          : modelPhase === 'failed'
            ? 'model-failed'
            : modelPhase === 'none'
              ? 'no-model'
              : 'model-loading';
      const retriever = useModel ? model!.retriever : lib.lexical;
      const result = await retriever.search(query, { mode: useModel ? mode : 'lexical', signal: controller.signal });
      return {
        id,
        query: result.query,
        mode: result.mode,
        hits: result.results.map((p) => hitOf(lib, p)),
        millis: result.stats.millis,
        ...(fallback ? { fallback } : {}),
      };
    } finally {
      if (current?.controller === controller) current = undefined;
    }
  },

  cancel(id: string): void {
    if (current?.id === id) current.controller.abort();
  },

  document(path: string): Promise<WidgetDocument | undefined> {
    const source = library?.loaded.sources?.find((s) => s.path === path);
    return Promise.resolve(source ? { path: source.path, text: source.text } : undefined);
  },
};

Comlink.expose(api);
