// A folder on disk → the content of a library bundle, for `self-retrieval index <folder> --out <bundle>`. Node only.
// Every file goes through the browser's per-file pipeline (src/ingest/ingest-file.ts) and gets its record: paths
// relative to the folder, '/'-separated, in code-unit order; what the walk leaves out (folder-walk.ts: links out of
// the folder, hidden files, .git, node_modules, OS litter, pipes and sockets) gets no record and is listed in the
// report's `skipped` with its reason; a type no parser reads is recorded 'skipped' unread; a byte-identical copy of
// an indexed file is a 'duplicate'; a file that cannot be parsed (or read at all) is 'failed' with its code and a
// message for people. One bad file never stops the folder. Keys come from the same PassageKeyer the app uses, one
// document at a time.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CodedError } from '../core/errors';
import type { IndexKey } from '../core/corpus-index';
import type { BundleDocument, BundleSource, LibraryContent } from '../core/library-bundle';
import type { Passage } from '../core/passage';
import type { PassageKeyer } from '../core/passage-keyer';
import { unsupportedType } from '../ingest/document';
import { documentRecord, ingestFile } from '../ingest/ingest-file';
import { isSupported } from '../ingest/parse';
import { DEFAULT_PASSAGE_WORDS } from '../ingest/passages';
import { readWalkedFile, walkFolder, type WalkedFile, type WalkSkipCode } from './folder-walk';

export type FolderErrorCode = 'FOLDER_NOT_FOUND' | 'NOT_A_FOLDER' | 'FOLDER_EMPTY';

/** The folder itself cannot be indexed: it is missing, it is a file, or nothing in it could be indexed. */
export class FolderError extends CodedError<FolderErrorCode> {}

export interface FolderLibraryOptions {
  /** Target passage length in words (default: the app's, DEFAULT_PASSAGE_WORDS). */
  readonly passageWords?: number;
  /** Read files that links lead to outside the folder (off by default: they are skipped as OUTSIDE_ROOT). */
  readonly followOutside?: boolean;
  /** Called after each file is done: `done` of `total` files, `path` the file just finished. */
  readonly onProgress?: (done: number, total: number, path: string) => void;
}

/** An entry of the folder whose text is not published, and why. */
export interface SkippedEntry {
  readonly path: string;
  /** UNSUPPORTED_TYPE: recorded unread; the others: left out by the walk, with no record. */
  readonly reason: WalkSkipCode | 'UNSUPPORTED_TYPE';
  readonly message: string;
}

/** A file read from outside the folder, through a link (only with `followOutside`). */
export interface OutsideFile {
  readonly path: string;
  readonly realPath: string;
}

/** What became of the folder's entries. */
export interface FolderReport {
  /** Documents recorded, whatever their status (entries the walk left out are not recorded). */
  readonly files: number;
  readonly indexed: number;
  readonly failed: number;
  /** Entries whose text is not published: types no parser reads, and what the walk left out, each with why. */
  readonly skipped: readonly SkippedEntry[];
  readonly duplicates: number;
  readonly passages: number;
  /** Files read from outside the folder (empty unless `followOutside`). */
  readonly outside: readonly OutsideFile[];
}

export interface FolderLibrary {
  readonly content: LibraryContent;
  readonly report: FolderReport;
}

/** The file read error code recorded for a file (or folder) the operating system would not let us read. */
const READ_FAILED = 'READ_FAILED';

/**
 * Reads every file under `root` into a library's content — documents (one per file kept), passages, their keys
 * under `keyer`, and the parsed sources — with a count of each outcome. Throws FolderError when `root` does not
 * exist (FOLDER_NOT_FOUND), is not a folder (NOT_A_FOLDER), or yields no indexed document (FOLDER_EMPTY).
 */
export async function folderLibrary(
  root: string,
  keyer: PassageKeyer,
  options: FolderLibraryOptions = {},
): Promise<FolderLibrary> {
  const absoluteRoot = resolve(root);
  const rootInfo = await stat(absoluteRoot).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new FolderError('FOLDER_NOT_FOUND', `${root}: no such folder`);
    }
    throw error;
  });
  if (!rootInfo.isDirectory()) {
    throw new FolderError('NOT_A_FOLDER', `${root} is a file, not a folder: give the folder that holds the documents`);
  }
  const walk = await walkFolder(absoluteRoot, { followOutside: options.followOutside ?? false });
  const { files } = walk;
  if (files.length === 0) {
    const outside = walk.skipped.filter((s) => s.reason === 'OUTSIDE_ROOT').length;
    throw new FolderError(
      'FOLDER_EMPTY',
      `${root} holds no documents to index (hidden files and folders, .git, node_modules and links out of the ` +
        `folder are left out${outside > 0 ? `; ${outside} links lead outside it` : ''})`,
    );
  }

  const documents: BundleDocument[] = [];
  const passages: Passage[] = [];
  const keys: IndexKey[] = [];
  const sources: BundleSource[] = [];
  /** Hash → path of the first indexed document with those bytes. */
  const indexedByHash = new Map<string, string>();
  const known = { duplicateOf: (hash: string) => indexedByHash.get(hash) };
  const words = { words: options.passageWords ?? DEFAULT_PASSAGE_WORDS };

  for (const [done, file] of files.entries()) {
    documents.push(await fileRecord(file));
    options.onProgress?.(done + 1, files.length, file.path);
  }

  /** The record of one file the walk found; its passages, keys and source go into the lists above. */
  async function fileRecord(file: WalkedFile): Promise<BundleDocument> {
    const { path } = file;
    const ingestedAt = new Date().toISOString();
    const unread = { path, size: file.size, mtime: file.mtime, hash: '', passages: 0, ingestedAt };
    const failed = (why: string) => ({
      ...unread,
      status: 'failed' as const,
      error: { code: READ_FAILED, message: `${path} could not be read: ${why}` },
    });
    if (file.unreadable !== undefined) return failed(file.unreadable);
    if (!isSupported(path)) {
      const { code, message } = unsupportedType(path);
      return { ...unread, status: 'skipped', error: { code, message } };
    }
    let bytes: Uint8Array;
    try {
      bytes = await readWalkedFile(file);
    } catch (error) {
      return failed((error as Error).message);
    }
    const outcome = await ingestFile(path, bytes, keyer, known, words);
    if (outcome.kind === 'indexed') {
      passages.push(...outcome.passages);
      keys.push(...outcome.passages.map((p) => outcome.keys.get(p.id)!));
      sources.push(outcome.source);
      indexedByHash.set(outcome.hash, path);
    }
    return documentRecord({ path, size: bytes.length, mtime: file.mtime, ingestedAt }, outcome);
  }

  const count = (status: BundleDocument['status']) => documents.filter((d) => d.status === status).length;
  const unsupported = documents
    .filter((d) => d.status === 'skipped')
    .map((d) => ({ path: d.path, reason: 'UNSUPPORTED_TYPE' as const, message: d.error?.message ?? d.path }));
  const report: FolderReport = {
    files: documents.length,
    indexed: count('indexed'),
    failed: count('failed'),
    skipped: [...unsupported, ...walk.skipped].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    duplicates: count('duplicate'),
    passages: passages.length,
    outside: files.filter((f) => f.outside).map((f) => ({ path: f.path, realPath: f.realPath })),
  };
  if (report.indexed === 0) {
    const reasons = documents
      .filter((d) => d.error)
      .slice(0, 3)
      .map((d) => d.error!.message);
    throw new FolderError(
      'FOLDER_EMPTY',
      `${root} holds no document that could be indexed (${report.files} files: ${report.failed} failed, ` +
        `${unsupported.length} of an unsupported type, ${report.duplicates} duplicates)` +
        (reasons.length > 0 ? `; for example: ${reasons.join('; ')}` : ''),
    );
  }
  return { content: { tokenizer: keyer.tokenizer, documents, passages, keys, sources }, report };
}
