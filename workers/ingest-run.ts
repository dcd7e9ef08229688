// The ingest run, done by the library's one owner (the ingest worker): files are queued in the store with their bytes,
// then taken off the queue batch by batch — each file through the per-file pipeline (src/ingest/ingest-file.ts) and
// each batch committed in one transaction by the store (src/store/library.ts) — with progress, ETA and cancel. A run
// cut short by a closed tab or a crash resumes from the queue on the next visit. Re-scans of a kept folder queue what
// changed and remove what is gone.
import { contentHash } from '../src/core/content-hash';
import type { IndexKey } from '../src/core/corpus-index';
import { unsupportedType } from '../src/ingest/document';
import { documentRecord, ingestFile } from '../src/ingest/ingest-file';
import { isSupported } from '../src/ingest/parse';
import { DEFAULT_PASSAGE_WORDS } from '../src/ingest/passages';
import {
  normalizePath,
  type FileChange,
  type IncomingFile,
  type IngestProgress,
  type Library,
  type RunOptions,
} from '../src/store/library';
import type { DocumentRecord, PassageRecord, QueuedFile } from '../src/store/schema';

/**
 * Queues files for `ingestQueued` in one transaction (their bytes are kept until ingested). Types no parser reads
 * are recorded as skipped right away, without storing their bytes. Returns how many were queued.
 */
export async function stageFiles(library: Library, files: readonly IncomingFile[]): Promise<number> {
  const queued: QueuedFile[] = [];
  const skipped: DocumentRecord[] = [];
  for (const file of files) {
    const path = normalizePath(file.path);
    if (!path) continue;
    if (isSupported(path)) {
      queued.push({ path, blob: file.blob, size: file.blob.size, mtime: file.mtime });
      continue;
    }
    const { code, message } = unsupportedType(path);
    skipped.push({
      path,
      size: file.blob.size,
      mtime: file.mtime,
      hash: '',
      status: 'skipped',
      passages: 0,
      error: { code, message },
      ingestedAt: new Date().toISOString(),
    });
  }
  await library.enqueue(queued, skipped);
  return queued.length;
}

/** Ingests the queued files, batch by batch; resumable at any point. */
export async function ingestQueued(library: Library, options: RunOptions = {}): Promise<IngestProgress> {
  library.assertKeyed();
  const started = performance.now();
  const queue = await library.queuedFiles();
  const progress = {
    phase: 'ingesting' as IngestProgress['phase'],
    filesDone: 0,
    filesTotal: queue.length,
    bytesDone: 0,
    bytesTotal: queue.reduce((n, f) => n + f.size, 0),
    passagesAdded: 0,
    problems: 0,
    elapsedMs: 0,
  };
  const report = (extra: Partial<IngestProgress> = {}): IngestProgress => {
    const elapsedMs = performance.now() - started;
    const rate = progress.bytesDone / Math.max(elapsedMs, 1);
    const etaMs = rate > 0 ? (progress.bytesTotal - progress.bytesDone) / rate : undefined;
    const snapshot: IngestProgress = { ...progress, elapsedMs, ...(etaMs === undefined ? {} : { etaMs }), ...extra };
    options.onProgress?.(snapshot);
    return snapshot;
  };
  report();

  const limits = library.settings;
  let batch: FileChange[] = [];
  let batchPassages = 0;
  let batchBytes = 0;
  let batchFiles = 0;
  let batchStarted = performance.now();
  let nextEntry = library.state.nextEntry;
  const flush = async () => {
    if (batch.length === 0) return;
    try {
      await library.applyBatch(batch, nextEntry);
    } catch (error) {
      nextEntry = library.state.nextEntry;
      throw error;
    }
    progress.filesDone += batchFiles;
    progress.bytesDone += batchBytes;
    progress.passagesAdded += batchPassages;
    progress.problems += batch.filter((c) => c.doc.status === 'failed' || c.doc.status === 'skipped').length;
    batch = [];
    batchPassages = batchBytes = batchFiles = 0;
    batchStarted = performance.now();
    options.onCommit?.();
    report();
  };

  try {
    for (const file of queue) {
      if (options.signal?.aborted) break;
      report({ current: file.path });
      const change = await prepare(library, file, nextEntry, batch);
      nextEntry += change.keys.size;
      batch.push(change);
      batchFiles++;
      batchBytes += file.size;
      batchPassages += change.put.length;
      const full = batchPassages >= limits.batchPassages || batchBytes >= limits.batchBytes;
      if (full || performance.now() - batchStarted >= limits.batchMillis) await flush();
    }
    if (options.signal?.aborted) {
      await library.clearQueue(); // the uncommitted batch is dropped with the rest of the queue
      await library.save();
      return report({ phase: 'cancelled', message: `Cancelled after ${progress.filesDone} files.` });
    }
    await flush();
  } catch (error) {
    report({ phase: 'failed', message: (error as Error).message });
    throw error;
  }
  report({ phase: 'saving' });
  await library.save();
  return report({ phase: 'done' });
}

/** Runs one queued file through the per-file pipeline against what the library (and this batch) holds. */
async function prepare(
  library: Library,
  file: QueuedFile,
  nextEntry: number,
  pending: readonly FileChange[],
): Promise<FileChange> {
  const bytes = new Uint8Array(await file.blob.arrayBuffer());
  const hash = await contentHash(bytes);
  const previous = library.document(file.path);
  const base = { path: file.path, size: file.size, mtime: file.mtime, ingestedAt: new Date().toISOString() };
  if (previous && previous.hash === hash) {
    // Unchanged content: a no-op beyond the new size/mtime (so a re-scan stops re-reading it).
    return { doc: { ...previous, ...base, ingestedAt: previous.ingestedAt }, put: [], keys: new Map(), drop: [] };
  }
  const oldPassages = previous ? await library.passagesOf(file.path) : [];
  const keep = new Map(oldPassages.map((p) => [p.id, p.entry]));
  const outcome = await ingestFile(
    file.path,
    bytes,
    library.passageKeyer,
    {
      hash,
      keyed: new Set(keep.keys()),
      // The batch not yet committed first, then the library (no sorting: this runs once per file).
      duplicateOf: (h) =>
        pending.find((c) => c.doc.hash === h && c.doc.status === 'indexed' && c.doc.path !== file.path)?.doc.path ??
        library.indexedCopy(h, file.path),
    },
    { words: library.settings.passageWords ?? DEFAULT_PASSAGE_WORDS },
  );
  const doc = documentRecord(base, outcome);
  if (outcome.kind !== 'indexed') return { doc, put: [], keys: new Map(), drop: oldPassages };
  // Passages the old version had keep their entries (and keys); new ones get the next entries.
  const keys = new Map<number, IndexKey>();
  let entry = nextEntry;
  const put = outcome.passages.map((p): PassageRecord => {
    const kept = keep.get(p.id);
    const record = { ...p, entry: kept ?? entry++ };
    if (kept === undefined) keys.set(record.entry, outcome.keys.get(p.id)!);
    return record;
  });
  const newIds = new Set(outcome.passages.map((p) => p.id));
  return {
    doc,
    source: outcome.source,
    put,
    keys,
    drop: oldPassages.filter((p) => !newIds.has(p.id)),
  };
}

/**
 * Compares a folder's current files with what the library holds under `root` (the folder's name): queues files
 * that are new or changed (size or modification time) and removes documents whose files are gone.
 */
export async function rescanFolder(
  library: Library,
  root: string,
  files: readonly IncomingFile[],
): Promise<{ queued: number; removed: number }> {
  const prefix = `${normalizePath(root)}/`;
  const present = new Map(files.map((f) => [normalizePath(f.path), f]));
  const removed = library
    .documents()
    .map((d) => d.path)
    .filter((path) => path.startsWith(prefix) && !present.has(path));
  const changed = [...present].filter(([path, f]) => {
    const doc = library.document(path);
    return !doc || doc.size !== f.blob.size || doc.mtime !== f.mtime;
  });
  const queued = await stageFiles(
    library,
    changed.map(([path, f]) => ({ ...f, path })),
  );
  return { queued, removed: await library.remove(removed) };
}
