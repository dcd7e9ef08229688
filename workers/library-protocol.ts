// The ingest worker's typed API: the page hands it files and asks it about the library; the worker parses,
// tokenizes, indexes and stores (workers/ingest.worker.ts). Comlink carries the calls; events come back through
// a listener the page passes to `open`.
import type { RankedHit } from '../src/core/ranked-hit';
import type { ConsistencyReport } from '../src/store/consistency-check';
import type { IngestProgress, LibraryDelta } from '../src/store/library';
import type { DocumentRecord, FolderRecord } from '../src/store/schema';

// The store's records as the page sees them: the UI imports them from here, never from src/store, so the page
// depends on the worker's protocol and not on the storage layer behind it.
export type { ConsistencyReport, DocumentRecord, FolderRecord, IngestProgress };

/** A file as the page picked it (src/ui/file-input.ts): path relative to what the user chose. */
export interface FileToAdd {
  readonly path: string;
  readonly file: File;
}

export interface LibraryView {
  readonly modelId: string;
  readonly documents: readonly DocumentRecord[];
  readonly passages: number;
  readonly indexedDocuments: number;
  /** Files waiting to be internalized (kept across reloads). */
  readonly queued: number;
  /** Bumped by every committed change, in any tab. */
  readonly generation: number;
  readonly needsRekey: boolean;
  /** True while this tab's worker is the library's writer (holds the Web Lock). */
  readonly writing: boolean;
}

export type LibraryEvent =
  | { readonly type: 'progress'; readonly progress: IngestProgress; readonly otherTab: boolean }
  | { readonly type: 'changed'; readonly view: LibraryView }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

export interface LibraryWorkerApi {
  /** Opens the library for a model (its tokenizer keys the index); re-keys first when the model changed. */
  open(modelId: string, listener: (event: LibraryEvent) => void): Promise<LibraryView>;
  /** Queues files and internalizes them in the background (progress events; `cancel` stops). */
  add(files: readonly FileToAdd[]): Promise<LibraryView>;
  cancel(): Promise<void>;
  remove(paths: readonly string[]): Promise<LibraryView>;
  /** Keeps a picked folder's handle for "re-scan" after a reload. */
  saveFolder(name: string, handle: FileSystemDirectoryHandle): Promise<void>;
  folders(): Promise<readonly FolderRecord[]>;
  /** Compares a folder's current files with the library: new and changed files are queued, vanished removed. */
  rescan(root: string, files: readonly FileToAdd[]): Promise<LibraryView>;
  /** Keyword (BM25) search over the library's passages. */
  search(query: string, limit: number): Promise<readonly RankedHit[]>;
  exportBundle(): Promise<Uint8Array>;
  /** Replaces the library with a bundle's; a damaged or foreign bundle throws and changes nothing. */
  importBundle(file: Blob): Promise<LibraryView>;
  /** Every stored passage reachable in the corpus index by its key, and nothing else indexed. */
  check(): Promise<ConsistencyReport>;
  view(): Promise<LibraryView>;
}

/** Codes of errors the worker throws besides those of LibraryError, BundleError and IngestError. */
export type LibraryWorkerErrorCode = 'LIBRARY_BUSY' | 'LIBRARY_NOT_OPEN';

/** The BroadcastChannel the library's writer speaks on, to the other tabs' ingest workers and to the model workers. */
export const LIBRARY_CHANNEL = 'self-retrieval-library';

/** Progress of the writer's run; something changed (re-read the library); or one commit, as a delta to apply. */
export type LibraryChannelMessage =
  | { readonly type: 'progress'; readonly progress: IngestProgress }
  | { readonly type: 'changed' }
  | { readonly type: 'committed'; readonly delta: LibraryDelta };
