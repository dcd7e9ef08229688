// The model worker's typed API: what the page may ask of the worker and what comes back. The page imports only
// these types; the worker implements them (workers/model.worker.ts) and Comlink carries the calls.
import type { PickedFile } from '../src/engines/model-sources';
import type { DownloadProgress, StoredModel } from '../src/engines/model-store';
import type { RegistryModel } from '../src/engines/models';
import type { EngineStats } from '../src/engines/transformers/transformers-lm';
import type { DeviceRequest } from './device';
import type {
  DocumentText,
  EngineSearchRequest,
  LoadedStatus,
  SearchProgress as EngineSearchProgress,
  SearchResponse as EngineSearchResponse,
} from './engine-session';

export type { DeviceRequest, DocumentText, DownloadProgress, RegistryModel, StoredModel };
export type { AnswerCitation, AnswerSettings, SearchAnswer, SearchFallback, SearchSettings } from './engine-session';

/** A model to load: one served with the app (the demo), or one in the model cache. */
export type ModelRef =
  { readonly kind: 'builtin'; readonly id: string } | { readonly kind: 'stored'; readonly key: string };

export interface LoadRequest {
  readonly model: ModelRef;
  readonly device: DeviceRequest;
}

/** Where to get a model: the hub (a registry model), a mirror URL, a folder the user picked, or an unfinished
 * download to go on with. */
export type DownloadSource =
  | { readonly kind: 'hub'; readonly registryId: string; readonly host?: string }
  | { readonly kind: 'url'; readonly url: string; readonly registryId?: string }
  | { readonly kind: 'folder'; readonly files: readonly PickedFile[] }
  | { readonly kind: 'resume'; readonly key: string };

export interface DownloadRequest {
  /** Chosen by the page; `cancel(id)` stops the download (it can be resumed). */
  readonly id: string;
  readonly source: DownloadSource;
  /** The weights are chosen for this device (WebGPU with shader-f16 gets half precision). */
  readonly device: DeviceRequest;
}

export interface ModelCatalog {
  readonly registry: readonly RegistryModel[];
  readonly stored: readonly StoredModel[];
  /** navigator.storage.estimate() of this origin. */
  readonly usage: number | null;
  readonly quota: number | null;
}

/** How the page learns that the worker cannot go on (GPU device lost): it restarts the worker. */
export type FatalListener = (reason: string) => void;

/** A loaded model as the page sees it: what the engine session reports of the load, and the model's card facts. */
export interface ModelStatus extends Omit<LoadedStatus, 'card'> {
  readonly model: ModelRef;
  readonly modelName: string;
  readonly parameters: number;
  readonly answers: boolean;
  /** Passages of the demo library, indexed for this model once it is loaded. */
  readonly passages: number;
}

/** Which passages to search: the demo collection, or the user's own library (the ingest worker's). */
export type SearchLibrary = 'demo' | 'mine';

export interface LibrarySummary {
  readonly name: string;
  readonly passages: number;
  /** A few training queries of the demo collection, to click. */
  readonly exampleQueries: readonly string[];
}

/** A search of the app's libraries, answered in the same call when asked (`answer`): the hits never travel back to
 * be answered. While the model loads, keyword matches come first and the search goes on with the model. */
export type SearchRequest = Omit<EngineSearchRequest<SearchLibrary>, 'library' | 'waitForModel'> & {
  readonly library?: SearchLibrary;
};
export type SearchResponse = EngineSearchResponse<SearchLibrary>;
export type SearchProgress = EngineSearchProgress<SearchLibrary>;

export interface ModelWorkerApi {
  /** Holds the Web Lock `lockName` until the worker ends, however it ends: the page waits on the same lock to learn
   * that the worker died. `onFatal` hears why, when the worker knows (GPU device lost). */
  hold(lockName: string, onFatal: FatalListener): Promise<void>;
  /** Drops the current model (searches fall back to BM25 meanwhile) and loads this one. */
  load(request: LoadRequest): Promise<ModelStatus>;
  /** The registry, the cached models and the storage they use. */
  models(): Promise<ModelCatalog>;
  /** Downloads or copies a model into the cache; `onProgress` hears per-file and total bytes. */
  download(request: DownloadRequest, onProgress?: (progress: DownloadProgress) => void): Promise<StoredModel>;
  /** Removes a cached model (stopping its download first). */
  deleteModel(key: string): Promise<void>;
  describeDemoLibrary(): Promise<LibrarySummary>;
  /** A document's full parsed text (the one its passages' offsets point into), or null if it is gone. */
  documentText(library: SearchLibrary, path: string): Promise<DocumentText | null>;
  /**
   * Searches a library, and answers from its ranking when asked. While the model loads, keyword matches are streamed
   * at once and the search goes on with the model once it is ready. `onProgress` (a Comlink proxy) hears it all.
   */
  search(request: SearchRequest, onProgress?: (progress: SearchProgress) => void): Promise<SearchResponse>;
  /** Stops the search or download with this id (it rejects); unknown ids are ignored. */
  cancel(id: string): void;
  /** The engine's live cache tensors and handles: 0 and 0 whenever nothing runs. */
  engineStats(): Promise<EngineStats>;
}

/** Errors that cross the worker boundary keep a stable code. */
export type ModelWorkerErrorCode = 'WEBGPU_UNAVAILABLE' | 'MODEL_LOAD_FAILED' | 'UNKNOWN_MODEL' | 'WORKER_DIED';
