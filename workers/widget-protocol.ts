// The typed API of the widget's worker (workers/widget.worker.ts), as the <self-retrieval-search> element sees it
// through Comlink. Everything crossing it is structured-cloneable data; callbacks are Comlink proxies.
import type { RankedHit } from '../src/core/ranked-hit';
import type { RetrievalMode } from '../src/core/self-retriever';
import type { SearchFallback, SearchProblem } from './engine-session';

/** Where the widget's model comes from: a folder URL (absolute, already resolved against the page) or a registry
 * id; absent, the widget searches with BM25 only. */
export type WidgetModelSource =
  { readonly kind: 'url'; readonly url: string } | { readonly kind: 'registry'; readonly id: string };

export interface WidgetOpenRequest {
  /** Absolute URL of a one-file index bundle (the CLI's `index --out`). */
  readonly indexUrl: string;
  readonly model?: WidgetModelSource;
}

/** What the bundle holds, once it is loaded and searchable (with BM25 at least). */
export interface WidgetLibrarySummary {
  readonly passages: number;
  readonly documents: number;
}

/** How far the model got; `failed` leaves keyword search running. */
export type WidgetModelPhase = 'none' | 'downloading' | 'loading' | 'ready' | 'failed';

export interface WidgetModelState {
  readonly phase: WidgetModelPhase;
  /** Bytes downloaded and the total when known (phase `downloading`). */
  readonly loaded?: number;
  readonly total?: number | null;
  /** The model's name, once its plan or cache entry is known. */
  readonly name?: string;
  /** Where it runs (phase `ready`). */
  readonly device?: 'webgpu' | 'wasm';
  /** Whether the model came from the origin's model cache without a download (phase `ready`). */
  readonly fromCache?: boolean;
  /** Why it failed (phase `failed`): a stable code and a message for people. */
  readonly code?: string;
  readonly message?: string;
}

/** Why keyword results answer instead of the model's: still loading, none configured, or it failed to load (the
 * engine session's reasons: a bundle is keyed when the model loads, so never 'rekeying'). */
export type WidgetFallback = SearchFallback;

export interface WidgetSearchRequest {
  /** Identifies the search for `cancel`; a new search also cancels the one before it. */
  readonly id: string;
  readonly query: string;
  readonly mode: RetrievalMode;
}

export interface WidgetSearchResponse {
  readonly id: string;
  readonly query: string;
  /** The mode that actually ranked the hits. */
  readonly mode: RetrievalMode;
  readonly hits: readonly RankedHit[];
  readonly fallback?: WidgetFallback;
  /** Parts of the index this search could not read (a damaged or missing shard), with their codes; the rest ranked. */
  readonly problems?: readonly SearchProblem[];
  readonly millis: number;
}

/** A document's full parsed text, to show a passage in place. */
export interface WidgetDocument {
  readonly path: string;
  readonly text: string;
}

/** Codes of the errors the worker throws (besides those of src/core/bundle.ts and the model sources and store). */
export type WidgetErrorCode =
  'INDEX_NOT_FOUND' | 'INDEX_UNREACHABLE' | 'NOT_OPEN' | 'UNKNOWN_MODEL' | 'MODEL_LOAD_FAILED';

export interface WidgetWorkerApi {
  /** Fetches and checks the bundle; resolves once keyword search works. The model, if any, is then fetched and
   * loaded in the background, each phase reported through `onModel`. */
  open(request: WidgetOpenRequest, onModel: (state: WidgetModelState) => void): Promise<WidgetLibrarySummary>;
  /** Searches with the model when it is ready, else at once with BM25 (labelled by `fallback`). */
  search(request: WidgetSearchRequest): Promise<WidgetSearchResponse>;
  cancel(id: string): void;
  /** The document's parsed text, when the bundle carries its sources. */
  document(path: string): Promise<WidgetDocument | undefined>;
}
