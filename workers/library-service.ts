// The library service: owns the user's library (src/store/library.ts) for one tab and runs its ingest
// (ingest-run.ts) — parsing, tokenizing, indexing and storing happen here, never on the page's thread. Served with
// Comlink on any endpoint (workers/library-protocol.ts is its API): `ingest.worker.ts` serves it on the worker's
// scope; Node tests serve it on one end of a MessageChannel, with the same code.
//
// Tabs share one IndexedDB library. Writing needs the Web Lock `self-retrieval-library-writer`, taken for one
// write (an ingest run, a removal, an import) and released after it, so two tabs never write at once; a tab that
// cannot get it says so (LIBRARY_BUSY). The writer announces progress and commits on a BroadcastChannel: the other
// tabs re-read the library and show the writer's progress, and the model workers apply each commit's delta.
import * as Comlink from 'comlink';
import { CodedError } from '../src/core/errors';
import type { PassageKeyer } from '../src/core/passage-keyer';
import { lexicalScores, rankedHit, type RankedHit } from '../src/core/ranked-hit';
import { exportLibraryBundle, importLibraryBundle } from '../src/store/bundle-io';
import { checkLibrary } from '../src/store/consistency-check';
import { Library, type IngestProgress } from '../src/store/library';
import { passageOf, type LibraryDb } from '../src/store/schema';
import { ingestQueued, rescanFolder, stageFiles } from './ingest-run';
import {
  LIBRARY_CHANNEL,
  type FileToAdd,
  type LibraryChannelMessage,
  type LibraryEvent,
  type LibraryView,
  type LibraryWorkerApi,
  type LibraryWorkerErrorCode,
} from './library-protocol';

const WRITER_LOCK = 'self-retrieval-library-writer';

type ChannelMessage = LibraryChannelMessage;

class WorkerError extends CodedError<LibraryWorkerErrorCode> {}

export interface LibraryServiceOptions {
  /** Opens the library's database; `onVersionChange` is called when another tab upgrades it (it is closed then). */
  readonly openDb: (onVersionChange: () => void) => Promise<LibraryDb>;
  /** The keyer of a model: its tokenizer and prompt templates, which key the library's passages. */
  readonly keyerFor: (modelId: string) => Promise<PassageKeyer>;
  /** The Web Locks API (`navigator.locks` in a browser). */
  readonly locks: Pick<LockManager, 'request'>;
  /** The BroadcastChannel name (default LIBRARY_CHANNEL). */
  readonly channel?: string;
}

/** Serves the library API on `endpoint`. `close()` stops listening to the other tabs (the endpoint stays open). */
export function serveLibrary(endpoint: Comlink.Endpoint, options: LibraryServiceOptions): { close(): void } {
  const channel = new BroadcastChannel(options.channel ?? LIBRARY_CHANNEL);

  let db: LibraryDb | undefined;
  let library: Library | undefined;
  let modelId = '';
  let listener: ((event: LibraryEvent) => void) | undefined;
  let writing = false;
  let ingestRun: Promise<void> | undefined;
  let controller: AbortController | undefined;
  /** Files were staged while a run was ending: start another once it has. */
  let stagedDuringRun = false;

  function opened(): Library {
    if (!library) throw new WorkerError('LIBRARY_NOT_OPEN', 'the library is not open yet');
    return library;
  }

  async function view(): Promise<LibraryView> {
    const lib = opened();
    const documents = lib.documents();
    return {
      modelId,
      documents,
      passages: lib.state.passages,
      indexedDocuments: lib.state.documents,
      queued: await lib.queued(),
      generation: lib.state.generation,
      needsRekey: lib.needsRekey,
      writing,
    };
  }

  function emit(event: LibraryEvent): void {
    // The page may be gone (closing tab): a failed callback must not fail the work.
    void Promise.resolve(listener?.(event)).catch(() => undefined);
  }

  async function announceChange(): Promise<LibraryView> {
    channel.postMessage({ type: 'changed' } satisfies ChannelMessage);
    const current = await view();
    emit({ type: 'changed', view: current });
    return current;
  }

  function onProgress(progress: IngestProgress): void {
    emit({ type: 'progress', progress, otherTab: false });
    channel.postMessage({ type: 'progress', progress } satisfies ChannelMessage);
  }

  /**
   * Runs one write with the library's writer lock. A user's action is refused at once when another tab holds it;
   * `wait` (resuming an interrupted ingest) queues for the lock instead — the holder may be a closing tab's worker.
   */
  async function asWriter<T>(write: () => Promise<T>, wait = false): Promise<T> {
    return options.locks.request(WRITER_LOCK, { ifAvailable: !wait }, async (lock) => {
      if (!lock) {
        throw new WorkerError(
          'LIBRARY_BUSY',
          'Another tab is updating this library. Its progress is shown here; try again when it has finished.',
        );
      }
      writing = true;
      try {
        return await write();
      } finally {
        writing = false;
      }
    });
  }

  /** Internalizes the queue in the background, until it is empty or cancelled; one run at a time. */
  function startIngest(wait = false): void {
    if (ingestRun) return;
    const run = async () => {
      const lib = opened();
      controller = new AbortController();
      const { signal } = controller;
      while ((await lib.queued()) > 0 && !signal.aborted) {
        const result = await ingestQueued(lib, { signal, onProgress, onCommit: () => void announceChange() });
        await announceChange();
        if (result.phase !== 'done') break;
      }
    };
    ingestRun = asWriter(run, wait)
      .catch((error: unknown) => {
        const { code, message } = error as { code?: string; message?: string };
        emit({ type: 'error', code: code ?? 'INGEST_FAILED', message: message ?? String(error) });
      })
      .finally(() => {
        ingestRun = undefined;
        const cancelled = controller?.signal.aborted ?? false;
        controller = undefined;
        if (stagedDuringRun && !cancelled) startIngest();
        stagedDuringRun = false;
      });
  }

  /** Re-keys the library for a new tokenizer, or writes the checkpoints a crash (or an older version) left behind. */
  async function rekeyOrCheckpoint(): Promise<void> {
    const lib = opened();
    if (!lib.needsRekey) return asWriter(() => lib.save());
    await asWriter(() => lib.rekey({ onProgress }));
    await announceChange();
  }

  channel.onmessage = (event: MessageEvent<ChannelMessage>) => {
    const message = event.data;
    if (message.type === 'progress') {
      emit({ type: 'progress', progress: message.progress, otherTab: true });
      return;
    }
    if (message.type === 'changed' && library && !writing) followOtherTab(library);
  };

  let following: Promise<void> | undefined;
  let changedAgain = false;

  /** Re-reads the library after another tab's commits: one reload at a time, one more if commits came meanwhile. */
  function followOtherTab(lib: Library): void {
    if (following) {
      changedAgain = true;
      return;
    }
    following = lib
      .reload()
      .then(async () => emit({ type: 'changed', view: await view() }))
      .catch(() => undefined)
      .finally(() => {
        following = undefined;
        if (changedAgain) {
          changedAgain = false;
          followOtherTab(lib);
        }
      });
  }

  const api: LibraryWorkerApi = {
    async open(id, onEvent) {
      listener = onEvent;
      // Another model was loaded: stop a run keyed for the old one (its queue goes on after the re-key below).
      if (ingestRun) {
        controller?.abort();
        await ingestRun.catch(() => undefined);
      }
      const keyer = await options.keyerFor(id);
      db ??= await options.openDb(() => (db = undefined));
      // Each commit goes out as a delta: the model worker (workers/user-library.ts) applies it to its own copy of the
      // indexes instead of re-reading the library.
      library = await Library.open(db, keyer, {
        onCommit: (delta) => channel.postMessage({ type: 'committed', delta } satisfies ChannelMessage),
      });
      modelId = id;
      await rekeyOrCheckpoint().catch((error: unknown) => {
        if ((error as { code?: string }).code !== 'LIBRARY_BUSY') throw error;
      });
      // A run that a closed tab or a crash interrupted goes on from its last committed batch.
      if ((await library.queued()) > 0) startIngest(true);
      return view();
    },

    async add(files: readonly FileToAdd[]) {
      const lib = opened();
      const incoming = files.map((f) => ({ path: f.path, blob: f.file, mtime: f.file.lastModified }));
      // While this tab's run holds the lock, staging joins it (the run picks the files up when its queue ends).
      if (ingestRun && writing) {
        await stageFiles(lib, incoming);
        stagedDuringRun = true;
      } else {
        await asWriter(() => stageFiles(lib, incoming));
      }
      startIngest();
      return view();
    },

    async cancel() {
      controller?.abort();
      await ingestRun;
    },

    async remove(paths) {
      const lib = opened();
      await asWriter(() => lib.remove(paths));
      return announceChange();
    },

    async saveFolder(name, handle) {
      opened();
      await db!.put('folders', { name, handle, addedAt: new Date().toISOString() });
    },

    async folders() {
      opened();
      return db!.getAll('folders');
    },

    async rescan(root, files) {
      const lib = opened();
      const incoming = files.map((f) => ({ path: f.path, blob: f.file, mtime: f.file.lastModified }));
      await asWriter(() => rescanFolder(lib, root, incoming));
      startIngest();
      return announceChange();
    },

    async search(query, limit) {
      const lib = opened();
      const hits: RankedHit[] = [];
      for (const hit of await lib.lexical.query(query, limit)) {
        const record = await lib.passage(hit.entry);
        if (!record) continue;
        hits.push(rankedHit({ rank: hits.length + 1, scores: lexicalScores(hit.score) }, passageOf(record)));
      }
      return hits;
    },

    async exportBundle() {
      const bytes = await exportLibraryBundle(opened());
      return Comlink.transfer(bytes, [bytes.buffer]);
    },

    async importBundle(file) {
      const lib = opened();
      const bytes = new Uint8Array(await file.arrayBuffer());
      await asWriter(() => importLibraryBundle(lib, bytes));
      return announceChange();
    },

    check: () => checkLibrary(opened()),
    view,
  };

  Comlink.expose(api, endpoint);
  return { close: () => channel.close() };
}
