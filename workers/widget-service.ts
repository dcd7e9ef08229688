// The widget's service: a Comlink façade over one engine session (engine-session.ts) with one library, the site's
// bundle, loaded exactly as the app loads its demo (bundle-corpus.ts). It answers with BM25 at once and in the
// background gets the model (model-acquire.ts in the browser: this origin's OPFS model cache, downloading it
// first if needed), loads it and searches with it. Served on any endpoint (workers/widget-protocol.ts is its API):
// `widget.worker.ts` serves it on the worker's scope; Node tests on one end of a MessageChannel.
import * as Comlink from 'comlink';
import { unpackBundle } from '../src/core/bundle';
import { CodedError } from '../src/core/errors';
import { readLibraryBundle } from '../src/core/library-bundle';
import type { Dtype, ModelCard } from '../src/core/model-card';
import { ShardedBundle, MANIFEST_FILE } from '../src/core/sharded-bundle';
import { bundleCorpus } from './bundle-corpus';
import type { DeviceChoice, DeviceRequest } from './device';
import { EngineSession, type CorpusSource } from './engine-session';
import { cachedShardFetch } from './shard-cache';
import { shardedCorpus } from './sharded-corpus';
import type {
  WidgetErrorCode,
  WidgetLibrarySummary,
  WidgetModelSource,
  WidgetModelState,
  WidgetOpenRequest,
  WidgetSearchRequest,
  WidgetSearchResponse,
  WidgetWorkerApi,
} from './widget-protocol';

export class WidgetError extends CodedError<WidgetErrorCode> {}

/** A model ready to load on the chosen device: its transformers.js id, card and weights. */
export interface AcquiredModel {
  readonly modelId: string;
  readonly name: string;
  readonly card: ModelCard;
  readonly dtype: Dtype;
  /** It came from the model cache, without a download. */
  readonly fromCache: boolean;
}

export interface WidgetServiceOptions {
  /** WebGPU or wasm in a browser (workers/device.ts); the CPU in Node. */
  readonly chooseDevice: (request: DeviceRequest) => Promise<DeviceChoice>;
  /** Gets the model onto this device (from the cache, or downloaded into it), reporting the download's phases. */
  readonly acquireModel: (
    source: WidgetModelSource,
    choice: DeviceChoice,
    report: (state: WidgetModelState) => void,
  ) => Promise<AcquiredModel>;
  /** Fetches the bundle (the global fetch in a browser). */
  readonly fetch?: (url: string) => Promise<Response>;
}

const LIBRARY = 'site';

async function fetchBundle(url: string, get: (url: string) => Promise<Response>): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await get(url);
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

/** The folder of a sharded bundle (format 2), given as the folder (`…/search/`) or its manifest; undefined for a
 * one-file bundle. */
function shardedFolder(indexUrl: string): string | undefined {
  const url = new URL(indexUrl);
  if (url.pathname.endsWith('/')) return url.href;
  if (url.pathname.endsWith(`/${MANIFEST_FILE}`)) return new URL('./', url).href;
  return undefined;
}

/** Serves the widget API on `endpoint`. */
export function serveWidget(endpoint: Comlink.Endpoint, options: WidgetServiceOptions): void {
  const session = new EngineSession({ chooseDevice: options.chooseDevice });
  let opened: CorpusSource | undefined;
  /** The search in flight: a new one cancels it (search-as-you-type only cares about the last query). */
  let current: string | undefined;

  function loadModel(source: WidgetModelSource, report: (state: WidgetModelState) => void): void {
    let acquired: AcquiredModel | undefined;
    session
      .load({
        device: 'auto',
        async resolve(choice) {
          acquired = await options.acquireModel(source, choice, report);
          report({ phase: 'loading', name: acquired.name });
          return acquired;
        },
        loadFailed: (card, _device, error) =>
          new WidgetError(
            'MODEL_LOAD_FAILED',
            `${acquired?.name ?? card.name} could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
          ),
      })
      .then(
        (status) =>
          report({
            phase: 'ready',
            name: acquired!.name,
            device: status.device === 'webgpu' ? 'webgpu' : 'wasm',
            fromCache: acquired!.fromCache,
          }),
        (error: unknown) => {
          const code = (error as { code?: unknown } | null)?.code;
          report({
            phase: 'failed',
            code: typeof code === 'string' ? code : 'MODEL_LOAD_FAILED',
            message: error instanceof Error ? error.message : String(error),
          });
        },
      );
  }

  const api: WidgetWorkerApi = {
    async open(request: WidgetOpenRequest, onModel) {
      const get = options.fetch ?? ((url: string) => fetch(url));
      const folder = shardedFolder(request.indexUrl);
      let corpus: CorpusSource;
      let summary: WidgetLibrarySummary;
      if (folder) {
        // A sharded bundle: only its manifest now; chunks and fragments as queries need them.
        const cached = cachedShardFetch(folder, get, globalThis.caches);
        const bundle = await ShardedBundle.open((file) => fetchBundle(new URL(file, folder).href, cached));
        corpus = shardedCorpus(bundle);
        summary = { passages: bundle.manifest.passages, documents: bundle.manifest.documents };
      } else {
        const library = readLibraryBundle(unpackBundle(await fetchBundle(request.indexUrl, get)));
        corpus = bundleCorpus(library);
        summary = { passages: library.passages.length, documents: library.documents.length };
      }
      session.addSource(LIBRARY, () => Promise.resolve(corpus));
      await session.source(LIBRARY);
      opened = corpus;
      const report = (state: WidgetModelState) => void onModel(state);
      if (request.model) loadModel(request.model, report);
      else report({ phase: 'none' });
      return summary;
    },

    async search({ id, query, mode }: WidgetSearchRequest): Promise<WidgetSearchResponse> {
      if (!opened) throw new WidgetError('NOT_OPEN', 'The search index is not loaded.');
      if (current !== undefined) session.cancel(current);
      current = id;
      try {
        const response = await session.search({ id, query, library: LIBRARY, settings: { mode } });
        return {
          id,
          query: response.query,
          mode: response.mode,
          hits: response.hits,
          millis: response.stats.millis,
          ...(response.fallback ? { fallback: response.fallback } : {}),
          ...(response.problems ? { problems: response.problems } : {}),
        };
      } finally {
        if (current === id) current = undefined;
      }
    },

    cancel(id: string): void {
      session.cancel(id);
    },

    async document(path: string) {
      const source = opened ? await opened.documentText(path) : null;
      return source ? { path: source.path, text: source.text } : undefined;
    },
  };

  Comlink.expose(api, endpoint);
}
