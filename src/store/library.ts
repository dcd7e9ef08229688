// Library: the transaction layer of the user's library. Owns the IndexedDB store (src/store/schema.ts) and the
// in-memory indexes derived from it, and is the only writer of either:
// - files given by the user are first queued in the store (with their bytes), so an ingest interrupted by a crash,
//   a reload or a closed tab resumes on the next visit from the last committed batch;
// - each batch of file changes commits in ONE transaction (documents, texts, passages, keys, the queue, the
//   manifest, the keyword index's log of removals); the in-memory LiveIndex and keyword index change only after the
//   commit succeeded, so memory never runs ahead of the store, and a failed batch (QuotaExceededError included)
//   leaves both as they were;
// - the corpus index's shard is a checkpoint: used when its generation is the manifest's, rebuilt from the keys
//   otherwise. Keys are not held: a reader's corpus index compacts by rebuilding from the store's keys
//   (`compactIfDue`), and a change reads ahead only the keys of the passages it moves out of the index's main part;
//   the writer leaves its corpus index behind its own commits and rebuilds it when it saves or is checked;
// - the keyword index is not held: its base stays in the store as term chunks read per query (lexical-store.ts),
//   and the changes since are folded into a new base once they pass `lexicalFoldAt`.
// What is written comes from elsewhere: the ingest run (workers/ingest-run.ts) prepares the batches, bundle-io.ts
// imports and exports, consistency-check.ts checks. Callers serialize writers (the ingest worker holds a Web Lock);
// reading is free. Each commit is described by a LibraryDelta (`onCommit`), which a reader holding its own copy of
// the indexes (the model worker, another tab) applies with `applyDelta` instead of re-reading the store.
import { CorpusIndex, type IndexKey } from '../core/corpus-index';
import { CodedError } from '../core/errors';
import { loadIndex, serializeIndex } from '../core/index-format';
import { LexicalIndexBuilder } from '../core/lexical-chunks';
import type { LexicalHit } from '../core/lexical-index';
import { LexicalChunkMissing, type LexicalRemoval, type LiveLexicalIndex } from '../core/live-lexical-index';
import { LiveIndex } from '../core/live-index';
import { baseEntries, baseRecords, lexicalOver, logRecord, readLexical, removalOf } from './lexical-store';
import { keyingName, sameKeying, type PassageKeyer } from '../core/passage-keyer';
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

/** PASSAGE_REMOVED: a search read a passage that a commit removed since the reader's copy was current. */
export type LibraryErrorCode = 'STORAGE_FULL' | 'STORAGE_FAILED' | 'NEEDS_REKEY' | 'CANCELLED' | 'PASSAGE_REMOVED';

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

/**
 * What one commit changed, for a reader that keeps its own copy of the indexes: the passages added (with their keys
 * under the manifest's tokenizer) and removed, the documents changed and removed, and the manifest after. `reset` is a commit a
 * reader cannot follow step by step (an import, a re-key): it reopens the library. Plain data: it travels on a
 * BroadcastChannel.
 */
export type LibraryDelta =
  | {
      readonly kind: 'passages';
      /** The generation the change applies to; a reader at another generation reopens instead. */
      readonly from: number;
      readonly manifest: StoreManifest;
      readonly added: readonly { readonly passage: PassageRecord; readonly key: IndexKey }[];
      /** With the field lengths each takes off the keyword index's statistics. */
      readonly removed: readonly (Pick<PassageRecord, 'entry' | 'id'> & LexicalRemoval)[];
      readonly documents: readonly DocumentRecord[];
      readonly removedDocuments: readonly string[];
    }
  | { readonly kind: 'reset'; readonly generation: number };

export interface LibraryOptions {
  /** Hears every commit, once the store and this library's indexes have it. */
  readonly onCommit?: (delta: LibraryDelta) => void;
  /** Target passage length in words (default: the ingest pipeline's). */
  readonly passageWords?: number;
  /** A batch commits once it holds this many new passages (or bytes of input), or at the end of the queue. */
  readonly batchPassages?: number;
  readonly batchBytes?: number;
  /** …or once it took this long to prepare, so a closed tab loses at most about this much work. */
  readonly batchMillis?: number;
  /** The keyword index's changes held in memory before a new base is built (default: `lexicalFoldAt`). */
  readonly lexicalFoldAt?: (passages: number) => number;
}

/** One file's outcome, prepared before its batch commits. */
export interface FileChange {
  readonly doc: DocumentRecord;
  readonly source?: SourceRecord;
  readonly put: readonly PassageRecord[];
  readonly keys: ReadonlyMap<number, IndexKey>;
  /** Old passages of the same path that the new version no longer has. */
  readonly drop: readonly PassageRecord[];
}

/**
 * The keyword index's changes held in memory before the writer folds them into a new base: a quarter of the
 * library (so rebuilding, which reads every passage, costs a constant factor of the ingest), within bounds that keep
 * small libraries from rebuilding at every commit and large ones from holding much.
 */
export const lexicalFoldAt = (passages: number) => Math.min(32_768, Math.max(4_096, passages / 4));
const DEFAULTS = { batchPassages: 2000, batchBytes: 8 << 20, batchMillis: 1000, lexicalFoldAt };

/** Passages read per request while a base is rebuilt. */
const REBUILD_PAGE = 1_000;
const ALL_STORES = ['meta', 'documents', 'sources', 'passages', 'keys', 'shards', 'queue'] as const;

const isQuotaError = (error: unknown) =>
  error instanceof DOMException && (error.name === 'QuotaExceededError' || error.code === 22);

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
  /** Keys of main-index passages read ahead of a change that moves them out of main (see `follow`): the library
   * holds no other key, the corpus index is rebuilt from the store's. */
  private fetchedKeys = new Map<number, IndexKey>();
  private live!: LiveIndex;
  /** This library's own commits are not applied to its corpus index (near-duplicate passages would make each commit
   * read keys back): it is rebuilt from the store's keys when next needed (`save`, `currentIndex`). */
  private indexStale = false;
  private lexicalIndex!: LiveLexicalIndex;
  /** The generation the keyword index reflects: the manifest's, or later when it was re-read to follow a rebuild. */
  private lexicalGeneration = 0;
  /** The tail of this library's commits, folds and `whileQuiet` readers, which run one at a time. */
  private quiet: Promise<unknown> = Promise.resolve();
  private missingKeys = 0;
  private savedGeneration = -1;
  private readonly options: typeof DEFAULTS & Omit<LibraryOptions, keyof typeof DEFAULTS>;

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
    const [manifest, docs, stored, keyed, indexShard, lexical] = await Promise.all([
      tx.objectStore('meta').get('manifest'),
      tx.objectStore('documents').getAll(),
      tx.objectStore('passages').count(),
      tx.objectStore('keys').count(this.keyRange()),
      tx.objectStore('shards').get('index'),
      readLexical(this.db, {
        shards: tx.objectStore('shards'),
        passagesByEntry: tx.objectStore('passages').index('byEntry'),
      }),
    ]);
    this.manifest = manifest ?? EMPTY_MANIFEST;
    this.docs = new Map(docs.map((d) => [d.path, d]));
    const current = this.manifest.generation;
    // Keys are deleted with their passages, so every stored passage has one when the counts agree.
    this.missingKeys = stored - keyed;
    const usable = indexShard?.generation === current && indexShard.tokenizer === this.keying && !this.needsRekey;
    const main = usable
      ? loadIndex(indexShard.bytes)
      : this.buildMain(await tx.objectStore('keys').getAll(this.keyRange()));
    this.useMain(main);
    this.indexStale = false;
    this.lexicalIndex = lexical;
    this.lexicalGeneration = current;
    this.savedGeneration = usable ? current : -1;
  }

  /** The name this model's keys are filed under in the `keys` store and the index shard (`keyingName`). */
  private get keying(): string {
    return keyingName(this.keyer.tokenizer);
  }

  /** This model's keys in the `keys` store. */
  private keyRange(): IDBKeyRange {
    const keying = this.keying;
    return IDBKeyRange.bound([keying, -Infinity], [keying, Infinity]);
  }

  private buildMain(keys: readonly KeyRecord[]): CorpusIndex {
    return CorpusIndex.build(
      keys.map((k) => ({ tokens: k.tokens, titleLength: k.titleLength })),
      { endToken: this.keyer.tokenizer.eosTokenId, entryIds: keys.map((k) => k.entry) },
    );
  }

  /** A live index over `main` with no changes yet. It never compacts itself (that would need every key in memory):
   * `compactIfDue` rebases it on a main rebuilt from the store's keys instead. */
  private useMain(main: CorpusIndex): void {
    this.fetchedKeys = new Map();
    this.live = new LiveIndex(main, {
      endToken: this.keyer.tokenizer.eosTokenId,
      compactShare: Infinity,
      keyOf: (entry) => {
        const key = this.fetchedKeys.get(entry);
        if (!key) throw new Error(`the key of passage ${entry} was not read ahead of its move`);
        return key;
      },
    });
  }

  /**
   * Rebuilds the corpus index from the store's keys once its changes (added keys, removed passages) pass an eighth of
   * it (or `force`): what `LiveIndex` would do itself if it held every key. Skipped when the store has moved past
   * this library's generation (a reader behind the writer: it reopens instead).
   */
  async compactIfDue(force = false): Promise<void> {
    if (this.needsRekey) return;
    const { main, deltaSize, tombstones } = this.live.parts;
    if (!force && !this.indexStale && deltaSize + tombstones <= Math.max(256, main.size / 8)) return;
    const tx = this.db.transaction(['meta', 'keys'], 'readonly');
    const [manifest, keys] = await Promise.all([
      tx.objectStore('meta').get('manifest'),
      tx.objectStore('keys').getAll(this.keyRange()),
    ]);
    if ((manifest?.generation ?? 0) !== this.manifest.generation) return;
    // The same LiveIndex object: a retriever built over `index` goes on searching it.
    this.live.rebase(this.buildMain(keys));
    this.fetchedKeys.clear();
    this.indexStale = false;
  }

  /** The corpus index, rebuilt first when this library's own commits have left it behind. */
  async currentIndex(): Promise<LiveIndex> {
    // A commit of this library's that lands while the keys are read makes the rebuild skip: read again.
    for (let attempt = 0; this.indexStale && attempt < 3; attempt++) await this.compactIfDue(true);
    return this.index;
  }

  /** Re-reads the keyword index alone: the writer replaced the base this library was reading. */
  private async reloadLexical(): Promise<void> {
    const tx = this.db.transaction(['meta', 'passages', 'shards'], 'readonly');
    const [manifest, lexical] = await Promise.all([
      tx.objectStore('meta').get('manifest'),
      readLexical(this.db, {
        shards: tx.objectStore('shards'),
        passagesByEntry: tx.objectStore('passages').index('byEntry'),
      }),
    ]);
    this.lexicalIndex = lexical;
    this.lexicalGeneration = manifest?.generation ?? 0;
  }

  /** True when stored passages lack keys for this model's tokenizer: `rekey()` before the index is used. */
  get needsRekey(): boolean {
    return (
      this.missingKeys > 0 ||
      (this.manifest.tokenizer !== null && !sameKeying(this.manifest.tokenizer, this.keyer.tokenizer))
    );
  }

  /** The corpus index, kept current by following commits (a reader's); see `currentIndex` for the writer's. */
  get index(): LiveIndex {
    this.assertKeyed();
    if (this.indexStale) throw new Error('this library committed since its corpus index was built: use currentIndex()');
    return this.live;
  }

  /** BM25 over the library, reading the keyword chunks a query needs from the store. */
  get lexical(): { query(text: string, limit: number): Promise<LexicalHit[]> } {
    return { query: (text, limit) => this.lexicalQuery(text, limit) };
  }

  private async lexicalQuery(text: string, limit: number): Promise<LexicalHit[]> {
    const index = this.lexicalIndex;
    try {
      return await index.query(text, limit);
    } catch (error) {
      if (!(error instanceof LexicalChunkMissing)) throw error;
      if (index === this.lexicalIndex) await this.reloadLexical();
      return this.lexicalIndex.query(text, limit);
    }
  }

  /** Every passage the keyword index holds, ascending (reads the base's entry list: for checks, not searches). */
  async lexicalEntries(): Promise<number[] | undefined> {
    const index = this.lexicalIndex;
    const base = await baseEntries(this.db, index);
    if (!base) return undefined;
    const removed = new Set(index.removedFromBase());
    return [...base.filter((entry) => !removed.has(entry)), ...index.addedEntries()];
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

  /** The document recorded at this path, if any. */
  document(path: string): DocumentRecord | undefined {
    return this.docs.get(path);
  }

  /** The path of an indexed document with these bytes (by content hash) other than `path`, if any. */
  indexedCopy(hash: string, path: string): string | undefined {
    for (const d of this.docs.values()) if (d.hash === hash && d.status === 'indexed' && d.path !== path) return d.path;
    return undefined;
  }

  /** The stored passages of one document. */
  async passagesOf(path: string): Promise<PassageRecord[]> {
    return this.db.getAllFromIndex('passages', 'byDocument', path);
  }

  /** Every stored passage, in entry order. */
  async allPassages(): Promise<PassageRecord[]> {
    const passages = await this.db.getAll('passages');
    return passages.sort((a, b) => a.entry - b.entry);
  }

  /** Every stored parsed source. */
  async allSources(): Promise<SourceRecord[]> {
    return this.db.getAll('sources');
  }

  /** Every stored passage's key under this model's tokenizer, by entry (read from the store: for exports and
   * checks, not searches). */
  async keysByEntry(): Promise<Map<number, IndexKey>> {
    const keys = await this.db.getAll('keys', this.keyRange());
    return new Map(keys.map((k) => [k.entry, { tokens: k.tokens, titleLength: k.titleLength }]));
  }

  /** The keyer this library is keyed with (the loaded model's tokenizer and templates). */
  get passageKeyer(): PassageKeyer {
    return this.keyer;
  }

  /** The settings this library was opened with (passage length, batch sizes). */
  get settings(): Readonly<typeof DEFAULTS & { readonly passageWords?: number }> {
    return this.options;
  }

  /** The queued files, in path order: what an ingest run has left to do. */
  async queuedFiles(): Promise<QueuedFile[]> {
    const queue = await this.db.getAll('queue');
    return queue.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Queues files (with their bytes, kept until ingested) and records documents that need no ingest (a type no
   * parser reads), in one transaction.
   */
  async enqueue(files: readonly QueuedFile[], records: readonly DocumentRecord[]): Promise<void> {
    const tx = this.db.transaction(['documents', 'queue'], 'readwrite');
    await this.commit(tx, (ops) => {
      for (const doc of records) ops.push(tx.objectStore('documents').put(doc));
      for (const file of files) ops.push(tx.objectStore('queue').put(file));
    });
    for (const doc of records) this.docs.set(doc.path, doc);
  }

  /** Drops every queued file (a cancelled run: its uncommitted batch goes with the rest). */
  async clearQueue(): Promise<void> {
    await this.db.clear('queue');
  }

  /**
   * Runs `work` while no commit or fold of this library runs, holding the next one back: what it reads of the store
   * and of this library's memory is of one generation (the consistency check, while an ingest goes on).
   */
  whileQuiet<T>(work: () => Promise<T>): Promise<T> {
    const run = this.quiet.then(work);
    this.quiet = run.catch(() => undefined);
    return run;
  }

  /** Commits one batch of file changes in one transaction, then (only then) applies it in memory. */
  async applyBatch(batch: readonly FileChange[], nextEntry: number): Promise<void> {
    await this.whileQuiet(() => this.commitBatch(batch, nextEntry));
    await this.foldWhenDue();
  }

  private async commitBatch(batch: readonly FileChange[], nextEntry: number): Promise<void> {
    const keying = this.keying;
    const tx = this.db.transaction(
      ['meta', 'documents', 'sources', 'passages', 'keys', 'queue', 'shards'],
      'readwrite',
    );
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
    const removed = batch.flatMap((c) => c.drop.map((p) => ({ id: p.id, ...removalOf(p) })));
    await this.commit(tx, (ops) => {
      if (removed.length > 0) ops.push(tx.objectStore('shards').put(logRecord(manifest.generation, removed)));
      for (const change of batch) {
        const { doc } = change;
        ops.push(tx.objectStore('documents').put(doc));
        ops.push(
          change.source ? tx.objectStore('sources').put(change.source) : tx.objectStore('sources').delete(doc.path),
        );
        for (const p of change.drop) {
          ops.push(tx.objectStore('passages').delete(p.id), tx.objectStore('keys').delete([keying, p.entry]));
        }
        for (const p of change.put) ops.push(tx.objectStore('passages').put(p));
        for (const [entry, key] of change.keys) ops.push(tx.objectStore('keys').put(this.keyRecord(entry, key)));
        ops.push(tx.objectStore('queue').delete(doc.path));
      }
      ops.push(tx.objectStore('meta').put(manifest, 'manifest'));
    });

    const delta: LibraryDelta = {
      kind: 'passages',
      from: this.manifest.generation,
      manifest,
      added: batch.flatMap((c) =>
        c.put.filter((p) => c.keys.has(p.entry)).map((p) => ({ passage: p, key: c.keys.get(p.entry)! })),
      ),
      removed,
      documents: batch.map((c) => c.doc),
      removedDocuments: [],
    };
    this.followOwn(delta);
    this.options.onCommit?.(delta);
  }

  /**
   * Applies another writer's commit (a delta it published) to this library's memory: the indexes, the documents,
   * the manifest. The store is read only for the keys of passages an added key moves out of the corpus index's main
   * part (near-duplicates: rare). False when this library cannot follow it (it is at another generation, keyed for
   * another tokenizer, the commit was a reset, or a key it needs is gone from the store): then reopen it.
   */
  async applyDelta(delta: LibraryDelta): Promise<boolean> {
    if (delta.kind === 'reset') return false;
    // Published before this library was read: it already has the change.
    if (delta.manifest.generation <= this.manifest.generation) return true;
    if (delta.from !== this.manifest.generation || this.needsRekey) return false;
    if (!delta.manifest.tokenizer || !sameKeying(delta.manifest.tokenizer, this.keyer.tokenizer)) return false;
    return this.follow(delta);
  }

  /** This library's own commit, in memory: all but the corpus index, which is rebuilt when next needed. */
  private followOwn(delta: Extract<LibraryDelta, { kind: 'passages' }>): void {
    this.indexStale = true;
    this.followRest(delta);
  }

  /**
   * A committed change, in memory: removals first (a changed file drops its old passages), then additions — after
   * reading the keys of the main passages they move (false when one is gone: the store is past this change).
   */
  private async follow(delta: Extract<LibraryDelta, { kind: 'passages' }>): Promise<boolean> {
    for (const { entry } of delta.removed) {
      this.live.remove(entry);
      this.fetchedKeys.delete(entry);
    }
    const cut = this.live.entriesCutBy(delta.added.map((a) => a.key)).filter((e) => !this.fetchedKeys.has(e));
    if (cut.length > 0) {
      const tx = this.db.transaction('keys', 'readonly');
      const keying = this.keying;
      const records = await Promise.all(cut.map((entry) => tx.store.get([keying, entry])));
      for (const record of records) {
        if (!record) return false;
        this.fetchedKeys.set(record.entry, { tokens: record.tokens, titleLength: record.titleLength });
      }
    }
    for (const { passage, key } of delta.added) this.live.add(passage.entry, key);
    this.followRest(delta);
    return true;
  }

  /** The rest of a change: the keyword index, the documents, the manifest. */
  private followRest(delta: Extract<LibraryDelta, { kind: 'passages' }>): void {
    // The keyword index may already have this commit: it was re-read from the store after a rebuild.
    if (delta.manifest.generation > this.lexicalGeneration) {
      this.lexicalIndex.remove(delta.removed);
      this.lexicalIndex.add(delta.added.map(({ passage: p }) => ({ entry: p.entry, title: p.title, text: p.text })));
      this.lexicalGeneration = delta.manifest.generation;
    }
    for (const path of delta.removedDocuments) this.docs.delete(path);
    for (const doc of delta.documents) this.docs.set(doc.path, doc);
    this.manifest = delta.manifest;
  }

  private keyRecord(entry: number, key: IndexKey): KeyRecord {
    const tokens = Uint32Array.from(key.tokens);
    return { tokenizer: this.keying, entry, tokens, titleLength: key.titleLength };
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

  /**
   * Replaces everything stored with another library's content (an imported bundle), in one transaction, keyed
   * with this model's tokenizer; then re-reads it and writes the index checkpoints.
   */
  async replaceWith(content: {
    readonly documents: readonly DocumentRecord[];
    readonly sources: readonly SourceRecord[];
    readonly passages: readonly PassageRecord[];
    readonly keys: readonly IndexKey[];
  }): Promise<void> {
    const { documents, sources, passages } = content;
    const keys = content.keys.map((key, i) => this.keyRecord(passages[i]!.entry, key));
    const tx = this.db.transaction([...ALL_STORES], 'readwrite');
    await this.commit(tx, (ops) => {
      for (const store of ALL_STORES) if (store !== 'meta') ops.push(tx.objectStore(store).clear());
      for (const d of documents) ops.push(tx.objectStore('documents').put(d));
      for (const s of sources) ops.push(tx.objectStore('sources').put(s));
      for (const p of passages) ops.push(tx.objectStore('passages').put(p));
      for (const k of keys) ops.push(tx.objectStore('keys').put(k));
      const manifest = this.nextManifest({
        nextEntry: passages.length,
        passages: passages.length,
        documents: documents.filter((d) => d.status === 'indexed').length,
      });
      ops.push(tx.objectStore('meta').put(manifest, 'manifest'));
    });
    await this.reload();
    this.options.onCommit?.({ kind: 'reset', generation: this.manifest.generation });
    await this.save();
  }

  /** Writes the corpus index's checkpoint when it is behind the manifest, and folds the keyword index's changes into
   * a new base when they have grown past their bound. */
  async save(): Promise<void> {
    await this.foldWhenDue();
    if (this.savedGeneration === this.manifest.generation || this.needsRekey) return;
    const { deltaSize, tombstones } = this.live.parts;
    if (this.indexStale || deltaSize + tombstones > 0) await this.compactIfDue(true);
    const generation = this.manifest.generation;
    const tx = this.db.transaction('shards', 'readwrite');
    await this.commit(tx, (ops) => {
      ops.push(
        tx.store.put({
          name: 'index',
          tokenizer: this.keying,
          generation,
          bytes: new Uint8Array(serializeIndex(this.live.parts.main)),
        }),
      );
    });
    this.savedGeneration = generation;
  }

  /** Folds the keyword index's changes once due. A failed fold loses nothing (the changes stay held, the old base and
   * its log stay stored) and is tried again at the next commit, so it never fails the commit that triggered it. */
  private async foldWhenDue(): Promise<void> {
    await this.foldLexical().catch(() => undefined);
  }

  /**
   * Rebuilds the keyword index's base from every stored passage once the changes held in memory pass their bound
   * (or `force`): in one transaction the new base replaces the old one and the log it folds in. A reader still on the
   * old base finds its chunks gone and re-reads (see `lexicalQuery`).
   */
  foldLexical(force = false): Promise<void> {
    return this.whileQuiet(() => this.fold(force));
  }

  private async fold(force: boolean): Promise<void> {
    const held = this.lexicalIndex;
    if (!force && held.pending <= this.options.lexicalFoldAt(held.size)) return;
    const builder = new LexicalIndexBuilder();
    for (let after = -1; ;) {
      const page = await this.db.getAllFromIndex(
        'passages',
        'byEntry',
        IDBKeyRange.lowerBound(after, true),
        REBUILD_PAGE,
      );
      for (const passage of page) builder.add(passage);
      if (page.length < REBUILD_PAGE) break;
      after = page[page.length - 1]!.entry;
    }
    const { generation, nextEntry } = this.manifest;
    const { deletes, puts, base } = baseRecords(builder, { generation, nextEntry });
    const tx = this.db.transaction('shards', 'readwrite');
    await this.commit(tx, (ops) => {
      for (const range of deletes) ops.push(tx.store.delete(range));
      for (const record of puts) ops.push(tx.store.put(record));
    });
    this.lexicalIndex = lexicalOver(this.db, base, generation);
    this.lexicalGeneration = generation;
  }

  /** Removes documents (and any byte-identical copies recorded as their duplicates) with their passages. */
  async remove(paths: readonly string[]): Promise<number> {
    const removed = await this.whileQuiet(() => this.commitRemoval(paths));
    if (removed > 0) await this.save();
    return removed;
  }

  private async commitRemoval(paths: readonly string[]): Promise<number> {
    const gone = new Set(paths.map(normalizePath).filter((p) => this.docs.has(p)));
    for (const doc of this.docs.values()) if (doc.duplicateOf && gone.has(doc.duplicateOf)) gone.add(doc.path);
    if (gone.size === 0) return 0;
    const keying = this.keying;
    const tx = this.db.transaction(['meta', 'documents', 'sources', 'passages', 'keys', 'shards'], 'readwrite');
    const dropped: PassageRecord[] = [];
    const indexedGone = [...gone].filter((p) => this.docs.get(p)?.status === 'indexed').length;
    let manifest = this.manifest;
    let removed: (LexicalRemoval & { id: string })[] = [];
    await this.commit(tx, async (ops) => {
      for (const path of gone) dropped.push(...(await tx.objectStore('passages').index('byDocument').getAll(path)));
      for (const path of gone)
        ops.push(tx.objectStore('documents').delete(path), tx.objectStore('sources').delete(path));
      for (const p of dropped) {
        ops.push(tx.objectStore('passages').delete(p.id), tx.objectStore('keys').delete([keying, p.entry]));
      }
      manifest = this.nextManifest({
        passages: this.manifest.passages - dropped.length,
        documents: this.manifest.documents - indexedGone,
      });
      ops.push(tx.objectStore('meta').put(manifest, 'manifest'));
      removed = dropped.map((p) => ({ id: p.id, ...removalOf(p) }));
      if (removed.length > 0) ops.push(tx.objectStore('shards').put(logRecord(manifest.generation, removed)));
    });
    const delta: LibraryDelta = {
      kind: 'passages',
      from: this.manifest.generation,
      manifest,
      added: [],
      removed,
      documents: [],
      removedDocuments: [...gone],
    };
    this.followOwn(delta);
    this.options.onCommit?.(delta);
    return gone.size;
  }

  /** Makes keys for this model's tokenizer from the stored passages (no file is re-parsed); resumable. */
  async rekey(options: RunOptions = {}): Promise<IngestProgress> {
    const started = performance.now();
    const keying = this.keying;
    const [passages, keyed] = await Promise.all([
      this.db.getAll('passages'),
      this.db.getAllKeys('keys', this.keyRange()),
    ]);
    const have = new Set(keyed.map(([, entry]) => entry));
    const todo = passages.filter((p) => !have.has(p.entry));
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
      done += chunk.length;
      report('rekeying');
    }
    // Switch over: the manifest names the new tokenizer and other tokenizers' keys go, in one transaction.
    const tx = this.db.transaction(['meta', 'keys', 'shards'], 'readwrite');
    const keys = tx.objectStore('keys');
    await this.commit(tx, (ops) => {
      ops.push(
        keys.delete(IDBKeyRange.upperBound([keying])),
        keys.delete(IDBKeyRange.lowerBound([keying, []], true)),
        tx.objectStore('shards').delete('index'), // the keyword index does not depend on the tokenizer
        tx.objectStore('meta').put(this.nextManifest({}), 'manifest'),
      );
    });
    await this.reload();
    this.options.onCommit?.({ kind: 'reset', generation: this.manifest.generation });
    await this.save();
    return report('done');
  }

  /** Throws NEEDS_REKEY while stored passages lack keys for this model's tokenizer. */
  assertKeyed(): void {
    if (this.needsRekey) {
      throw new LibraryError('NEEDS_REKEY', `the library is keyed for another model's tokenizer; re-key it first`);
    }
  }
}
