// Library: the user's documents, internalized and kept. Owns the IndexedDB store (src/store/schema.ts) and the
// in-memory indexes derived from it, and is the only writer of either:
// - files given by the user are first queued in the store (with their bytes), so an ingest interrupted by a crash,
//   a reload or a closed tab resumes on the next visit from the last committed batch;
// - each batch of files commits in ONE transaction (documents, texts, passages, keys, the queue, the manifest);
//   the in-memory LiveIndex and lexical index change only after the commit succeeded, so memory never runs ahead
//   of the store, and a failed batch (QuotaExceededError included) leaves both as they were;
// - index shards are checkpoints: used when their generation is the manifest's, rebuilt from the keys otherwise.
// Callers serialize writers (the ingest worker holds a Web Lock); reading is free.
import { packBundle, unpackBundle } from '../core/bundle';
import { CorpusIndex, type IndexKey } from '../core/corpus-index';
import { CodedError } from '../core/errors';
import { loadIndex, serializeIndex } from '../core/index-format';
import { LexicalIndex } from '../core/lexical-index';
import { libraryBundle, readLibraryBundle, type BundlePassage } from '../core/library-bundle';
import { LiveIndex } from '../core/live-index';
import type { PassageKeyer } from '../core/passage-keyer';
import { lookup } from '../core/prefix-index';
import { IngestError } from '../ingest/document';
import { isSupported, parseFile } from '../ingest/parse';
import { DEFAULT_PASSAGE_WORDS, splitPassages, storedPassage } from '../ingest/passages';
import {
  EMPTY_MANIFEST,
  SCHEMA_VERSION,
  type DocumentRecord,
  type KeyRecord,
  type LibraryDb,
  type PassageRecord,
  type QueuedFile,
  type SourceRecord,
  type StoreManifest,
} from './schema';

export type LibraryErrorCode = 'STORAGE_FULL' | 'STORAGE_FAILED' | 'NEEDS_REKEY' | 'CANCELLED';

export class LibraryError extends CodedError<LibraryErrorCode> {}

/** A file handed to the library: its path relative to what the user picked, and its bytes. */
export interface IncomingFile {
  readonly path: string;
  readonly blob: Blob;
  readonly mtime: number;
}

export interface IngestProgress {
  readonly phase: 'ingesting' | 'rekeying' | 'saving' | 'done' | 'cancelled' | 'failed';
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly passagesAdded: number;
  /** Files that ended with an error or were skipped in this run. */
  readonly problems: number;
  readonly current?: string;
  readonly elapsedMs: number;
  /** Estimated time left, from the bytes rate so far. */
  readonly etaMs?: number;
  readonly message?: string;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: IngestProgress) => void;
  /** After each committed batch (the store and the in-memory indexes have the batch). */
  readonly onCommit?: () => void;
}

export interface LibraryOptions {
  /** Target passage length in words. */
  readonly passageWords?: number;
  /** A batch commits once it holds this many new passages (or bytes of input), or at the end of the queue. */
  readonly batchPassages?: number;
  readonly batchBytes?: number;
  /** …or once it took this long to prepare, so a closed tab loses at most about this much work. */
  readonly batchMillis?: number;
}

export interface ConsistencyReport {
  readonly ok: boolean;
  readonly storedPassages: number;
  readonly indexedPassages: number;
  /** Stored passages the corpus index cannot reach by their key. */
  readonly notIndexed: readonly string[];
  /** Index entries with no stored passage. */
  readonly notStored: readonly number[];
  readonly lexicalPassages: number;
  /** SHA-256 over every document's path and status and every passage's id: equal libraries, equal prints. */
  readonly fingerprint: string;
}

/** One file's outcome, prepared before its batch commits. */
interface FileChange {
  readonly doc: DocumentRecord;
  readonly source?: SourceRecord;
  readonly put: readonly PassageRecord[];
  readonly keys: ReadonlyMap<number, IndexKey>;
  /** Old passages of the same path that the new version no longer has. */
  readonly drop: readonly PassageRecord[];
}

const DEFAULTS = { passageWords: DEFAULT_PASSAGE_WORDS, batchPassages: 2000, batchBytes: 8 << 20, batchMillis: 1000 };
const ALL_STORES = ['meta', 'documents', 'sources', 'passages', 'keys', 'shards', 'queue'] as const;

const isQuotaError = (error: unknown) =>
  error instanceof DOMException && (error.name === 'QuotaExceededError' || error.code === 22);

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Normalised relative path: '/'-separated, no leading or repeated slashes, no '.' segments. */
export function normalizePath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s && s !== '.')
    .join('/');
}

export class Library {
  private manifest: StoreManifest = EMPTY_MANIFEST;
  private docs = new Map<string, DocumentRecord>();
  private keys = new Map<number, IndexKey>();
  private entryOf = new Map<string, number>();
  private live!: LiveIndex;
  private lexicalIndex = LexicalIndex.empty();
  private missingKeys = 0;
  private savedGeneration = -1;
  private readonly options: typeof DEFAULTS;

  private constructor(
    private readonly db: LibraryDb,
    private readonly keyer: PassageKeyer,
    options: LibraryOptions,
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Opens the library in `db` for a model whose tokenizer `keyer` uses. */
  static async open(db: LibraryDb, keyer: PassageKeyer, options: LibraryOptions = {}): Promise<Library> {
    const library = new Library(db, keyer, options);
    await library.reload();
    return library;
  }

  /** Re-reads everything from the store (another tab committed, or a write here failed). */
  async reload(): Promise<void> {
    const tx = this.db.transaction(['meta', 'documents', 'passages', 'keys', 'shards'], 'readonly');
    const tokenizer = this.keyer.tokenizer.id;
    const [manifest, docs, passages, keys, indexShard, lexicalShard] = await Promise.all([
      tx.objectStore('meta').get('manifest'),
      tx.objectStore('documents').getAll(),
      tx.objectStore('passages').getAll(),
      tx.objectStore('keys').getAll(IDBKeyRange.bound([tokenizer, -Infinity], [tokenizer, Infinity])),
      tx.objectStore('shards').get('index'),
      tx.objectStore('shards').get('lexical'),
    ]);
    this.manifest = manifest ?? EMPTY_MANIFEST;
    this.docs = new Map(docs.map((d) => [d.path, d]));
    this.entryOf = new Map(passages.map((p) => [p.id, p.entry]));
    this.keys = new Map(keys.map((k) => [k.entry, { tokens: k.tokens, titleLength: k.titleLength }]));
    const current = this.manifest.generation;
    this.missingKeys = passages.filter((p) => !this.keys.has(p.entry)).length;
    this.savedGeneration = -1;

    const usable = indexShard?.generation === current && indexShard.tokenizer === tokenizer && !this.needsRekey;
    let main: CorpusIndex;
    if (usable) {
      main = loadIndex(indexShard.bytes);
    } else {
      const live = passages.filter((p) => this.keys.has(p.entry));
      main = CorpusIndex.build(
        live.map((p) => this.keys.get(p.entry)!),
        { endToken: this.keyer.tokenizer.eosTokenId, entryIds: live.map((p) => p.entry) },
      );
    }
    this.live = new LiveIndex(main, {
      endToken: this.keyer.tokenizer.eosTokenId,
      keyOf: (entry) => this.keys.get(entry)!,
    });
    let lexical: LexicalIndex | undefined;
    if (lexicalShard?.generation === current) {
      try {
        lexical = LexicalIndex.load(lexicalShard.bytes);
      } catch {
        lexical = undefined; // an older format: rebuilt below
      }
    }
    if (!lexical) {
      lexical = LexicalIndex.empty();
      lexical.add(passages.map((p) => ({ entry: p.entry, title: p.title, text: p.text })));
    }
    this.lexicalIndex = lexical;
    if (usable && lexicalShard?.generation === current) this.savedGeneration = current;
  }

  /** True when stored passages lack keys for this model's tokenizer: `rekey()` before the index is used. */
  get needsRekey(): boolean {
    return (
      this.missingKeys > 0 ||
      (this.manifest.tokenizer !== null && this.manifest.tokenizer.id !== this.keyer.tokenizer.id)
    );
  }

  get index(): LiveIndex {
    this.assertKeyed();
    return this.live;
  }

  get lexical(): LexicalIndex {
    return this.lexicalIndex;
  }

  get state(): StoreManifest {
    return this.manifest;
  }

  documents(): DocumentRecord[] {
    return [...this.docs.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  async passage(entry: number): Promise<PassageRecord | undefined> {
    return this.db.getFromIndex('passages', 'byEntry', entry);
  }

  async source(path: string): Promise<SourceRecord | undefined> {
    return this.db.get('sources', path);
  }

  async queued(): Promise<number> {
    return this.db.count('queue');
  }

  /**
   * Queues files for `ingest()` in one transaction (their bytes are kept until internalized). Types no parser
   * reads are recorded as skipped right away, without storing their bytes. Returns how many were queued.
   */
  async stage(files: readonly IncomingFile[]): Promise<number> {
    const tx = this.db.transaction(['documents', 'queue'], 'readwrite');
    const skipped: DocumentRecord[] = [];
    let queued = 0;
    await this.commit(tx, (ops) => {
      for (const file of files) {
        const path = normalizePath(file.path);
        if (!path) continue;
        if (!isSupported(path)) {
          const doc: DocumentRecord = {
            path,
            size: file.blob.size,
            mtime: file.mtime,
            hash: '',
            status: 'skipped',
            passages: 0,
            error: { code: 'UNSUPPORTED_TYPE', message: `${path}: files of this type are not supported` },
            ingestedAt: new Date().toISOString(),
          };
          skipped.push(doc);
          ops.push(tx.objectStore('documents').put(doc));
          continue;
        }
        const item: QueuedFile = { path, blob: file.blob, size: file.blob.size, mtime: file.mtime };
        ops.push(tx.objectStore('queue').put(item));
        queued++;
      }
    });
    for (const doc of skipped) this.docs.set(doc.path, doc);
    return queued;
  }

  /** Internalizes the queued files, batch by batch; resumable at any point. */
  async ingest(options: RunOptions = {}): Promise<IngestProgress> {
    this.assertKeyed();
    const started = performance.now();
    const queue = await this.db.getAll('queue');
    queue.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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

    let batch: FileChange[] = [];
    let batchPassages = 0;
    let batchBytes = 0;
    let batchFiles = 0;
    let batchStarted = performance.now();
    let nextEntry = this.manifest.nextEntry;
    const flush = async () => {
      if (batch.length === 0) return;
      try {
        await this.commitChanges(batch, nextEntry);
      } catch (error) {
        nextEntry = this.manifest.nextEntry;
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
        const change = await this.prepare(file, nextEntry, batch);
        nextEntry += change.keys.size;
        batch.push(change);
        batchFiles++;
        batchBytes += file.size;
        batchPassages += change.put.length;
        const { batchPassages: maxPassages, batchBytes: maxBytes, batchMillis: maxMillis } = this.options;
        const full = batchPassages >= maxPassages || batchBytes >= maxBytes;
        if (full || performance.now() - batchStarted >= maxMillis) await flush();
      }
      if (options.signal?.aborted) {
        await this.db.clear('queue'); // the uncommitted batch is dropped with the rest of the queue
        await this.save();
        return report({ phase: 'cancelled', message: `Cancelled after ${progress.filesDone} files.` });
      }
      await flush();
    } catch (error) {
      report({ phase: 'failed', message: (error as Error).message });
      throw error;
    }
    report({ phase: 'saving' });
    await this.save();
    return report({ phase: 'done' });
  }

  /** Parses, splits and keys one queued file; nothing is written. */
  private async prepare(file: QueuedFile, nextEntry: number, pending: readonly FileChange[]): Promise<FileChange> {
    const bytes = new Uint8Array(await file.blob.arrayBuffer());
    const hash = await sha256(bytes);
    const previous = this.docs.get(file.path);
    const base = { path: file.path, size: file.size, mtime: file.mtime, hash, ingestedAt: new Date().toISOString() };
    if (previous && previous.hash === hash) {
      // Unchanged content: a no-op beyond the new size/mtime (so a re-scan stops re-reading it).
      return { doc: { ...previous, ...base, ingestedAt: previous.ingestedAt }, put: [], keys: new Map(), drop: [] };
    }
    const oldPassages = previous ? await this.db.getAllFromIndex('passages', 'byDocument', file.path) : [];
    const original = [...pending.map((c) => c.doc), ...this.docs.values()].find(
      (d) => d.hash === hash && d.status === 'indexed' && d.path !== file.path,
    );
    if (original) {
      return {
        doc: { ...base, status: 'duplicate', passages: 0, duplicateOf: original.path },
        put: [],
        keys: new Map(),
        drop: oldPassages,
      };
    }
    let parsed;
    try {
      parsed = await parseFile(file.path, bytes);
    } catch (error) {
      const ingestError =
        error instanceof IngestError
          ? error
          : new IngestError('PARSE_FAILED', `${file.path} could not be read: ${String(error)}`);
      const status = ingestError.code === 'UNSUPPORTED_TYPE' ? 'skipped' : 'failed';
      return {
        doc: { ...base, status, passages: 0, error: { code: ingestError.code, message: ingestError.message } },
        put: [],
        keys: new Map(),
        drop: oldPassages,
      };
    }
    const split = splitPassages(file.path, parsed, { words: this.options.passageWords });
    const keep = new Map(oldPassages.map((p) => [p.id, p.entry]));
    const keys = new Map<number, IndexKey>();
    const put: PassageRecord[] = [];
    let entry = nextEntry;
    for (const p of split) {
      const kept = keep.get(p.id);
      const record: PassageRecord = { ...storedPassage(file.path, p), entry: kept ?? entry++ };
      put.push(record);
    }
    const added = put.filter((p) => !keep.has(p.id));
    this.keyer.keys(added).forEach((key, i) => keys.set(added[i]!.entry, key));
    const newIds = new Set(split.map((p) => p.id));
    return {
      doc: { ...base, status: 'indexed', title: parsed.title, passages: put.length },
      source: { path: file.path, text: parsed.text, sections: parsed.sections, pages: parsed.pages },
      put,
      keys,
      drop: oldPassages.filter((p) => !newIds.has(p.id)),
    };
  }

  /** Commits one batch in one transaction, then (only then) applies it in memory. */
  private async commitChanges(batch: readonly FileChange[], nextEntry: number): Promise<void> {
    const tokenizer = this.keyer.tokenizer;
    const tx = this.db.transaction(['meta', 'documents', 'sources', 'passages', 'keys', 'queue'], 'readwrite');
    let passageDelta = 0;
    let documentDelta = 0;
    for (const change of batch) {
      const before = this.docs.get(change.doc.path);
      documentDelta += (change.doc.status === 'indexed' ? 1 : 0) - (before?.status === 'indexed' ? 1 : 0);
      passageDelta += change.keys.size - change.drop.length;
    }
    const manifest = this.nextManifest({
      nextEntry,
      passages: this.manifest.passages + passageDelta,
      documents: this.manifest.documents + documentDelta,
    });
    await this.commit(tx, (ops) => {
      for (const change of batch) {
        const { doc } = change;
        ops.push(tx.objectStore('documents').put(doc));
        ops.push(
          change.source ? tx.objectStore('sources').put(change.source) : tx.objectStore('sources').delete(doc.path),
        );
        for (const p of change.drop) {
          ops.push(tx.objectStore('passages').delete(p.id), tx.objectStore('keys').delete([tokenizer.id, p.entry]));
        }
        for (const p of change.put) ops.push(tx.objectStore('passages').put(p));
        for (const [entry, key] of change.keys) ops.push(tx.objectStore('keys').put(this.keyRecord(entry, key)));
        ops.push(tx.objectStore('queue').delete(doc.path));
      }
      ops.push(tx.objectStore('meta').put(manifest, 'manifest'));
    });

    for (const change of batch) {
      for (const p of change.drop) this.forget(p.entry, p.id);
      const added = change.put.filter((p) => change.keys.has(p.entry));
      for (const p of added) {
        const key = change.keys.get(p.entry)!;
        this.keys.set(p.entry, key);
        this.entryOf.set(p.id, p.entry);
        this.live.add(p.entry, key);
      }
      this.lexicalIndex.add(added.map((p) => ({ entry: p.entry, title: p.title, text: p.text })));
      this.docs.set(change.doc.path, change.doc);
    }
    this.manifest = manifest;
  }

  private keyRecord(entry: number, key: IndexKey): KeyRecord {
    const tokens = Uint32Array.from(key.tokens);
    return { tokenizer: this.keyer.tokenizer.id, entry, tokens, titleLength: key.titleLength };
  }

  private forget(entry: number, id: string): void {
    this.live.remove(entry);
    this.lexicalIndex.remove([entry]);
    this.keys.delete(entry);
    this.entryOf.delete(id);
  }

  private nextManifest(change: Partial<StoreManifest>): StoreManifest {
    return {
      ...this.manifest,
      schemaVersion: SCHEMA_VERSION,
      tokenizer: this.keyer.tokenizer,
      generation: this.manifest.generation + 1,
      updatedAt: new Date().toISOString(),
      ...change,
    };
  }

  /**
   * Runs `issue` (which makes the transaction's requests, pushing each one's promise) and waits for all of them and
   * the commit. Any failure, thrown at once or reported later, aborts the whole transaction; storage errors become
   * LibraryErrors.
   */
  private async commit(
    tx: { readonly done: Promise<void>; abort(): void },
    issue: (ops: Promise<unknown>[]) => void | Promise<void>,
  ): Promise<void> {
    const ops: Promise<unknown>[] = [];
    try {
      await issue(ops);
      await Promise.all([...ops, tx.done]);
    } catch (error) {
      // After an abort every pending request rejects too: nobody else waits for them.
      for (const op of ops) op.catch(() => undefined);
      try {
        tx.abort();
      } catch {
        // already aborted by the failed request
      }
      // A full disk shows as the transaction's error; its requests may only report that they were aborted.
      const txError: unknown = await tx.done.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (isQuotaError(error) || isQuotaError(txError)) {
        throw new LibraryError(
          'STORAGE_FULL',
          'The browser’s storage for this site is full: the last batch was not saved (everything saved before it is ' +
            'kept). Free some space or remove documents, then try again.',
        );
      }
      throw new LibraryError('STORAGE_FAILED', `Saving to the browser’s storage failed: ${String(error)}`);
    }
  }

  /** Writes the index checkpoints when they are behind the manifest. */
  async save(): Promise<void> {
    if (this.savedGeneration === this.manifest.generation || this.needsRekey) return;
    this.live.compact();
    const generation = this.manifest.generation;
    const tokenizer = this.keyer.tokenizer.id;
    const tx = this.db.transaction('shards', 'readwrite');
    await this.commit(tx, (ops) => {
      ops.push(
        tx.store.put({
          name: 'index',
          tokenizer,
          generation,
          bytes: new Uint8Array(serializeIndex(this.live.parts.main)),
        }),
        tx.store.put({ name: 'lexical', tokenizer, generation, bytes: this.lexicalIndex.serialize() }),
      );
    });
    this.savedGeneration = generation;
  }

  /** Removes documents (and any byte-identical copies recorded as their duplicates) with their passages. */
  async remove(paths: readonly string[]): Promise<number> {
    const gone = new Set(paths.map(normalizePath).filter((p) => this.docs.has(p)));
    for (const doc of this.docs.values()) if (doc.duplicateOf && gone.has(doc.duplicateOf)) gone.add(doc.path);
    if (gone.size === 0) return 0;
    const tokenizer = this.keyer.tokenizer.id;
    const tx = this.db.transaction(['meta', 'documents', 'sources', 'passages', 'keys'], 'readwrite');
    const dropped: PassageRecord[] = [];
    const indexedGone = [...gone].filter((p) => this.docs.get(p)?.status === 'indexed').length;
    let manifest = this.manifest;
    await this.commit(tx, async (ops) => {
      for (const path of gone) dropped.push(...(await tx.objectStore('passages').index('byDocument').getAll(path)));
      for (const path of gone)
        ops.push(tx.objectStore('documents').delete(path), tx.objectStore('sources').delete(path));
      for (const p of dropped) {
        ops.push(tx.objectStore('passages').delete(p.id), tx.objectStore('keys').delete([tokenizer, p.entry]));
      }
      manifest = this.nextManifest({
        passages: this.manifest.passages - dropped.length,
        documents: this.manifest.documents - indexedGone,
      });
      ops.push(tx.objectStore('meta').put(manifest, 'manifest'));
    });
    for (const p of dropped) this.forget(p.entry, p.id);
    for (const path of gone) this.docs.delete(path);
    this.manifest = manifest;
    await this.save();
    return gone.size;
  }

  /**
   * Compares a folder's current files with what the library holds under `root` (the folder's name): queues files
   * that are new or changed (size or modification time) and removes documents whose files are gone.
   */
  async rescan(root: string, files: readonly IncomingFile[]): Promise<{ queued: number; removed: number }> {
    const prefix = `${normalizePath(root)}/`;
    const present = new Map(files.map((f) => [normalizePath(f.path), f]));
    const removed = this.documents()
      .map((d) => d.path)
      .filter((path) => path.startsWith(prefix) && !present.has(path));
    const changed = [...present].filter(([path, f]) => {
      const doc = this.docs.get(path);
      return !doc || doc.size !== f.blob.size || doc.mtime !== f.mtime;
    });
    const queued = await this.stage(changed.map(([path, f]) => ({ ...f, path })));
    return { queued, removed: await this.remove(removed) };
  }

  /** Makes keys for this model's tokenizer from the stored passages (no file is re-parsed); resumable. */
  async rekey(options: RunOptions = {}): Promise<IngestProgress> {
    const started = performance.now();
    const tokenizer = this.keyer.tokenizer;
    const passages = await this.db.getAll('passages');
    const todo = passages.filter((p) => !this.keys.has(p.entry));
    let done = 0;
    const report = (phase: IngestProgress['phase']) => {
      const elapsedMs = performance.now() - started;
      const progress: IngestProgress = {
        phase,
        filesDone: done,
        filesTotal: todo.length,
        bytesDone: done,
        bytesTotal: todo.length,
        passagesAdded: done,
        problems: 0,
        elapsedMs,
        ...(done > 0 ? { etaMs: ((todo.length - done) * elapsedMs) / done } : {}),
      };
      options.onProgress?.(progress);
      return progress;
    };
    for (let i = 0; i < todo.length; i += this.options.batchPassages) {
      if (options.signal?.aborted) return report('cancelled');
      const chunk = todo.slice(i, i + this.options.batchPassages);
      const records = this.keyer.keys(chunk).map((key, k) => this.keyRecord(chunk[k]!.entry, key));
      const tx = this.db.transaction('keys', 'readwrite');
      await this.commit(tx, (ops) => {
        for (const r of records) ops.push(tx.store.put(r));
      });
      for (const r of records) this.keys.set(r.entry, r);
      done += chunk.length;
      report('rekeying');
    }
    // Switch over: the manifest names the new tokenizer and other tokenizers' keys go, in one transaction.
    const tx = this.db.transaction(['meta', 'keys', 'shards'], 'readwrite');
    const keys = tx.objectStore('keys');
    await this.commit(tx, (ops) => {
      ops.push(
        keys.delete(IDBKeyRange.upperBound([tokenizer.id])),
        keys.delete(IDBKeyRange.lowerBound([tokenizer.id, []], true)),
        tx.objectStore('shards').clear(),
        tx.objectStore('meta').put(this.nextManifest({}), 'manifest'),
      );
    });
    await this.reload();
    await this.save();
    return report('done');
  }

  /** The whole library as one index bundle (src/core/library-bundle.ts). */
  async exportBundle(): Promise<Uint8Array> {
    this.assertKeyed();
    const [passages, sources] = await Promise.all([this.db.getAll('passages'), this.db.getAll('sources')]);
    passages.sort((a, b) => a.entry - b.entry);
    const bundle = libraryBundle({
      tokenizer: this.keyer.tokenizer,
      documents: this.documents(),
      passages: passages.map(({ entry: _entry, ...p }): BundlePassage => p),
      keys: passages.map((p) => this.keys.get(p.entry)!),
      sources,
    });
    return packBundle(bundle);
  }

  /**
   * Replaces the library with a bundle's, in one transaction. The bundle is checked completely first, so a
   * corrupt or foreign one throws (BundleError) and changes nothing. Keys are made with this model's tokenizer.
   */
  async importBundle(bytes: Uint8Array): Promise<{ documents: number; passages: number }> {
    const loaded = readLibraryBundle(unpackBundle(bytes));
    const passages = loaded.passages.map((p, entry): PassageRecord => ({ ...p, entry }));
    const keys = this.keyer.keys(passages).map((key, i) => this.keyRecord(passages[i]!.entry, key));
    const tx = this.db.transaction([...ALL_STORES], 'readwrite');
    await this.commit(tx, (ops) => {
      for (const store of ALL_STORES) if (store !== 'meta') ops.push(tx.objectStore(store).clear());
      for (const d of loaded.documents) ops.push(tx.objectStore('documents').put(d as DocumentRecord));
      for (const s of loaded.sources ?? []) ops.push(tx.objectStore('sources').put(s));
      for (const p of passages) ops.push(tx.objectStore('passages').put(p));
      for (const k of keys) ops.push(tx.objectStore('keys').put(k));
      ops.push(
        tx.objectStore('meta').put(
          this.nextManifest({
            nextEntry: passages.length,
            passages: passages.length,
            documents: loaded.documents.filter((d) => d.status === 'indexed').length,
          }),
          'manifest',
        ),
      );
    });
    await this.reload();
    await this.save();
    return { documents: loaded.documents.length, passages: passages.length };
  }

  /** Checks that every stored passage is reachable in the corpus index by its key, and nothing else is there. */
  async check(): Promise<ConsistencyReport> {
    const passages = await this.db.getAll('passages');
    const index = this.live;
    const indexed = index.size > 0 ? index.entries(index.root()) : new Uint32Array(0);
    const stored = new Set(passages.map((p) => p.entry));
    const notIndexed = passages
      .filter((p) => {
        const key = this.keys.get(p.entry);
        return !key || !lookup(index, key.tokens, this.keyer.tokenizer.eosTokenId).includes(p.entry);
      })
      .map((p) => p.id);
    const notStored = [...indexed].filter((e) => !stored.has(e));
    const lexicalOk =
      this.lexicalIndex.size === passages.length && passages.every((p) => this.lexicalIndex.has(p.entry));
    const summary = [
      ...this.documents().map((d) => `${d.path}\t${d.status}\t${d.passages}`),
      ...passages.map((p) => p.id).sort(),
    ].join('\n');
    return {
      fingerprint: await sha256(new TextEncoder().encode(summary)),
      ok: notIndexed.length === 0 && notStored.length === 0 && indexed.length === passages.length && lexicalOk,
      storedPassages: passages.length,
      indexedPassages: indexed.length,
      notIndexed,
      notStored,
      lexicalPassages: this.lexicalIndex.size,
    };
  }

  private assertKeyed(): void {
    if (this.needsRekey) {
      throw new LibraryError('NEEDS_REKEY', `the library is keyed for another model's tokenizer; re-key it first`);
    }
  }
}
