// The model worker's typed API: what the page may ask of the worker and what comes back. The page imports only
// these types; the worker implements them (workers/model.worker.ts) and Comlink carries the calls.
import type { CandidateHit, RankedHit } from '../src/core/ranked-hit';
import type { RetrievalMode, SearchOptions, SearchStats } from '../src/core/self-retriever';
import type { BundleSource } from '../src/core/library-bundle';
import type { Dtype } from '../src/core/model-card';
import type { PickedFile } from '../src/engines/model-sources';
import type { DownloadProgress, StoredModel } from '../src/engines/model-store';
import type { RegistryModel } from '../src/engines/models';
import type { Device } from '../src/engines/transformers/runtime';
import type { EngineStats } from '../src/engines/transformers/transformers-lm';

export type { DownloadProgress, RegistryModel, StoredModel };

/** `auto` picks WebGPU when an adapter and device can be had, else wasm — and says why. */
export type DeviceRequest = 'auto' | 'webgpu' | 'wasm';

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

export interface ModelStatus {
  readonly model: ModelRef;
  /** The id transformers.js loads it by, also the tokenizer id that keys libraries for it. */
  readonly modelId: string;
  readonly dtype: Dtype;
  readonly modelName: string;
  readonly parameters: number;
  /** The device the model actually runs on. */
  readonly device: Device;
  /** Why this device: the WebGPU adapter in use, or why WebGPU is unavailable. */
  readonly deviceReason: string;
  /** Where the warm-up pass left its KV cache: 'gpu-buffer' on WebGPU, 'cpu' on wasm. */
  readonly cacheLocation: string;
  readonly loadMillis: number;
  /** Warm-up forward pass over the retrieval prompt of an empty query: its arg-max next token. */
  readonly warmupArgmax: number;
  readonly warmupMillis: number;
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

/** A document's parsed text, with its section starts and page starts. */
export type DocumentText = BundleSource;

/** Search settings a page may change; the rest are the retriever's defaults. */
export type SearchSettings = Partial<Omit<SearchOptions, 'signal' | 'onEvent'>>;

/** How a search's answer is written: `force` runs the answer path with a model that cannot answer (tests). */
export interface AnswerSettings {
  readonly force?: boolean;
  readonly maxTokens?: number;
}

export interface SearchRequest {
  /** Chosen by the page; `cancel(id)` stops this search (and its answer). */
  readonly id: string;
  readonly query: string;
  readonly library?: SearchLibrary;
  readonly settings?: SearchSettings;
  /** Also answer from the ranked passages, in the same call: the hits never travel back to be answered. Only a model
   * ranking is answered (never keyword matches). */
  readonly answer?: true | AnswerSettings;
}

/** An answer's citation marker [n] and the passage (one of the response's hits) it cites. */
export interface AnswerCitation {
  readonly marker: number;
  readonly passageId: string;
}

export type SearchAnswer =
  | { readonly available: true; readonly text: string; readonly citations: readonly AnswerCitation[] }
  | { readonly available: false; readonly reason: string };

export interface SearchResponse {
  readonly query: string;
  readonly mode: RetrievalMode;
  readonly library: SearchLibrary;
  /** Set when BM25 answered because no model could: it is still loading, none is loaded, or the library is not yet
   * keyed for the loaded model (re-keying). */
  readonly fallback?: SearchFallback;
  readonly hits: readonly RankedHit[];
  readonly stats: SearchStats;
  /** The answer, when one was asked for and the model ranked the hits. */
  readonly answer?: SearchAnswer;
  /** The engine's live cache tensors and handles once the search (and its answer) let go: 0 and 0. */
  readonly engine: EngineStats;
}

export type SearchFallback = 'model-loading' | 'no-model' | 'rekeying';

/**
 * Streamed while a search runs: candidates as the decode reaches them (no scores: they are not ranked yet), each
 * ranking (keyword matches first while the model loads, then the model's, which replace them), then the answer's
 * text as it is written.
 */
export type SearchProgress =
  | { readonly type: 'candidate'; readonly candidate: CandidateHit }
  | { readonly type: 'ranked'; readonly response: SearchResponse }
  | { readonly type: 'answering' }
  | { readonly type: 'answer-token'; readonly text: string };

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
