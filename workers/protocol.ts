// The model worker's typed API: what the page may ask of the worker and what comes back. The page imports only
// these types; the worker implements them (workers/model.worker.ts) and Comlink carries the calls.
import type {
  AnswerOutcome,
  PassageScores,
  RetrievalMode,
  SearchOptions,
  SearchStats,
} from '../src/core/self-retriever';
import type { Device } from '../src/engines/transformers/runtime';
import type { EngineStats } from '../src/engines/transformers/transformers-lm';

/** `auto` picks WebGPU when an adapter and device can be had, else wasm — and says why. */
export type DeviceRequest = 'auto' | 'webgpu' | 'wasm';

export interface LoadRequest {
  readonly modelId: string;
  readonly device: DeviceRequest;
}

export interface ModelStatus {
  readonly modelId: string;
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

export interface LibrarySummary {
  readonly name: string;
  readonly passages: number;
  /** A few training queries of the demo collection, to click. */
  readonly exampleQueries: readonly string[];
}

/** Search settings a page may change; the rest are the retriever's defaults. */
export type SearchSettings = Partial<Omit<SearchOptions, 'signal' | 'onEvent'>>;

export interface SearchRequest {
  /** Chosen by the page; `cancel(id)` stops this search. */
  readonly id: string;
  readonly query: string;
  readonly settings?: SearchSettings;
}

/** A ranked passage with what a view shows of it. */
export interface SearchHit {
  readonly entry: number;
  readonly rank: number;
  readonly scores: PassageScores;
  readonly passageId: string;
  readonly documentPath: string;
  readonly title: string;
  readonly text: string;
}

export interface SearchResponse {
  readonly query: string;
  readonly mode: RetrievalMode;
  /** Set when BM25 answered because no model could: it is still loading, or none is loaded. */
  readonly fallback?: 'model-loading' | 'no-model';
  readonly hits: readonly SearchHit[];
  readonly stats: SearchStats;
}

/** Streamed while a search runs. */
export type SearchProgress =
  | { readonly type: 'candidate'; readonly hit: SearchHit }
  | { readonly type: 'ranked'; readonly response: SearchResponse };

export interface AnswerRequest {
  readonly id: string;
  readonly query: string;
  readonly hits: readonly SearchHit[];
  /** Run the answer path with a model that cannot answer (tests). */
  readonly force?: boolean;
  readonly maxTokens?: number;
}

export interface ModelWorkerApi {
  load(request: LoadRequest): Promise<ModelStatus>;
  describeDemoLibrary(): Promise<LibrarySummary>;
  /** Searches the demo library; `onProgress` (a Comlink proxy) receives candidates as found, then the ranking. */
  search(request: SearchRequest, onProgress?: (progress: SearchProgress) => void): Promise<SearchResponse>;
  answer(request: AnswerRequest, onToken?: (text: string) => void): Promise<AnswerOutcome>;
  /** Stops the search or answer with this id (it rejects with an AbortError); unknown ids are ignored. */
  cancel(id: string): void;
  /** The engine's live cache tensors and handles: 0 and 0 whenever nothing runs. */
  engineStats(): Promise<EngineStats>;
}

/** Errors that cross the worker boundary keep a stable code. */
export type ModelWorkerErrorCode = 'WEBGPU_UNAVAILABLE' | 'MODEL_NOT_LOADED' | 'MODEL_LOAD_FAILED';
