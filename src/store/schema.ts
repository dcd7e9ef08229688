// The library's IndexedDB schema (via `idb`): what is stored, under which keys, and the migrations that bring an
// older database up to this version. Every object store is written only inside the library's transactions
// (src/store/library.ts), so one ingest batch commits together or not at all.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { CodedError, type IngestErrorCode } from '../core/errors';
import type { BundleDocument, BundleSource } from '../core/library-bundle';
import type { Passage } from '../core/passage';
import type { TokenizerInfo } from '../core/passage-keyer';

export const DB_NAME = 'self-retrieval-library';
/** Bump with a new entry in MIGRATIONS; never edit an old one (users hold databases made by it). */
export const SCHEMA_VERSION = 1;

/** One record, key 'manifest': what the stored index is made of. */
export interface StoreManifest {
  readonly schemaVersion: number;
  /** The tokenizer the keys in use were made with; a different model's tokenizer means re-keying. */
  readonly tokenizer: TokenizerInfo | null;
  /** Entry numbers are never reused: the next passage gets this one. */
  readonly nextEntry: number;
  /** Incremented by every committed change. */
  readonly generation: number;
  readonly documents: number;
  readonly passages: number;
  readonly updatedAt: string;
}

// Documents, sources and passages are stored as they travel in a bundle (src/core/library-bundle.ts, which
// documents each field), passages with the entry number the corpus index knows them by.
export interface DocumentRecord extends BundleDocument {
  readonly error?: { readonly code: IngestErrorCode | 'STORAGE_FULL'; readonly message: string };
}

export type SourceRecord = BundleSource;

export interface PassageRecord extends Passage {
  /** The number the corpus index knows this passage by. */
  readonly entry: number;
}

/** The passage a record stores, without the store's own numbering: what crosses a boundary. */
export function passageOf({ entry: _entry, ...passage }: PassageRecord): Passage {
  return passage;
}

/** A passage's corpus key under one keying (`keyingName`: the keyer's fingerprint, else its model id); keyed
 * [keying, entry] so re-keying never overwrites in place. */
export interface KeyRecord {
  readonly tokenizer: string;
  readonly entry: number;
  readonly tokens: Uint32Array;
  readonly titleLength: number;
}

/**
 * A derived structure, rebuilt or reconciled from the passages when stale, never trusted alone: 'index' (the corpus
 * index's checkpoint, for `tokenizer`) and the keyword index's records (src/store/lexical-store.ts names them).
 */
export interface ShardRecord {
  readonly name: string;
  readonly tokenizer: string;
  readonly generation: number;
  readonly bytes: Uint8Array;
}

/** A file the user gave us and we have not internalized yet: kept so an ingest resumes after a reload. */
export interface QueuedFile {
  readonly path: string;
  readonly blob: Blob;
  readonly size: number;
  readonly mtime: number;
}

/** A folder picked with showDirectoryPicker, kept for "re-scan" after a reload. */
export interface FolderRecord {
  readonly name: string;
  readonly handle: unknown;
  readonly addedAt: string;
}

export interface LibrarySchema extends DBSchema {
  meta: { key: string; value: StoreManifest };
  documents: { key: string; value: DocumentRecord; indexes: { byHash: string } };
  sources: { key: string; value: SourceRecord };
  passages: { key: string; value: PassageRecord; indexes: { byDocument: string; byEntry: number } };
  keys: { key: [string, number]; value: KeyRecord };
  shards: { key: string; value: ShardRecord };
  queue: { key: string; value: QueuedFile };
  folders: { key: string; value: FolderRecord };
}

export type LibraryDb = IDBPDatabase<LibrarySchema>;
type UpgradeTransaction = IDBPTransaction<LibrarySchema, StoreNames<LibrarySchema>[], 'versionchange'>;

/** MIGRATIONS[v - 1] takes a database from version v - 1 to v. */
const MIGRATIONS: readonly ((db: LibraryDb, tx: UpgradeTransaction) => void)[] = [
  (db) => {
    db.createObjectStore('meta');
    db.createObjectStore('documents', { keyPath: 'path' }).createIndex('byHash', 'hash');
    db.createObjectStore('sources', { keyPath: 'path' });
    const passages = db.createObjectStore('passages', { keyPath: 'id' });
    passages.createIndex('byDocument', 'documentPath');
    passages.createIndex('byEntry', 'entry', { unique: true });
    db.createObjectStore('keys', { keyPath: ['tokenizer', 'entry'] });
    db.createObjectStore('shards', { keyPath: 'name' });
    db.createObjectStore('queue', { keyPath: 'path' });
    db.createObjectStore('folders', { keyPath: 'name' });
  },
];

export const EMPTY_MANIFEST: StoreManifest = {
  schemaVersion: SCHEMA_VERSION,
  tokenizer: null,
  nextEntry: 0,
  generation: 0,
  documents: 0,
  passages: 0,
  updatedAt: new Date(0).toISOString(),
};

export interface OpenOptions {
  /** Called when another tab wants a newer schema: close so it can upgrade (the library reopens on next use). */
  readonly onVersionChange?: () => void;
}

export class StoreError extends CodedError<'STORE_TOO_NEW'> {}

/** Opens (creating or migrating) the library database. */
export async function openLibraryDb(name = DB_NAME, options: OpenOptions = {}): Promise<LibraryDb> {
  let db: LibraryDb;
  try {
    db = await openDB<LibrarySchema>(name, SCHEMA_VERSION, {
      upgrade(db, oldVersion, newVersion, tx) {
        for (let v = oldVersion; v < (newVersion ?? SCHEMA_VERSION); v++) MIGRATIONS[v]!(db, tx);
      },
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'VersionError') {
      throw new StoreError(
        'STORE_TOO_NEW',
        'This library was saved by a newer version of the app. Reload the page to get the newer version.',
      );
    }
    throw error;
  }
  db.addEventListener('versionchange', () => {
    db.close();
    options.onVersionChange?.();
  });
  return db;
}
