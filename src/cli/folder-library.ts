// A folder on disk → the content of a library bundle, for `self-retrieval index <folder> --out <bundle>`. Node only.
// Every file gets the record the browser's ingest would give it (src/store/library.ts `stage` + `prepare`): paths
// relative to the folder, '/'-separated, in code-unit order; what the walk leaves out (folder-walk.ts: links out of
// the folder, hidden files, .git, node_modules, OS litter, pipes and sockets) gets no record and is listed in the
// report's `skipped` with its reason; a type no parser reads is recorded 'skipped' unread; a byte-identical copy of
// an indexed file is a 'duplicate'; a file that cannot be parsed (or read at all) is 'failed' with its code and a
// message for people. One bad file never stops the folder. Keys come from the same PassageKeyer the app uses, one
// document at a time.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CodedError } from '../core/errors';
import type { IndexKey } from '../core/corpus-index';
import type { BundleDocument, BundlePassage, BundleSource, LibraryContent } from '../core/library-bundle';
import { IngestError } from '../ingest/document';
import { isSupported, parseFile } from '../ingest/parse';
import { DEFAULT_PASSAGE_WORDS, splitPassages, storedPassage } from '../ingest/passages';
import type { PassageKeyer } from '../store/library';
import { readWalkedFile, walkFolder, type WalkSkipCode } from './folder-walk';

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

  const words = options.passageWords ?? DEFAULT_PASSAGE_WORDS;
  const documents: BundleDocument[] = [];
  const passages: BundlePassage[] = [];
  const keys: IndexKey[] = [];
  const sources: BundleSource[] = [];
  /** Hash → path of the first indexed document with those bytes. */
  const indexedByHash = new Map<string, string>();

  for (const [done, file] of files.entries()) {
    const { path } = file;
    const ingestedAt = new Date().toISOString();
    const unread = { path, size: file.size, mtime: file.mtime, hash: '', passages: 0, ingestedAt };
    if (file.unreadable !== undefined) {
      const message = `${path} could not be read: ${file.unreadable}`;
      documents.push({ ...unread, status: 'failed', error: { code: READ_FAILED, message } });
    } else if (!isSupported(path)) {
      const message = `${path}: files of this type are not supported`;
      documents.push({ ...unread, status: 'skipped', error: { code: 'UNSUPPORTED_TYPE', message } });
    } else {
      let bytes: Uint8Array | undefined;
      try {
        bytes = await readWalkedFile(file);
      } catch (error) {
        const message = `${path} could not be read: ${(error as Error).message}`;
        documents.push({ ...unread, status: 'failed', error: { code: READ_FAILED, message } });
      }
      if (bytes) {
        const base = { path, size: bytes.length, mtime: file.mtime, hash: sha256(bytes), ingestedAt };
        const original = indexedByHash.get(base.hash);
        if (original !== undefined) {
          documents.push({ ...base, status: 'duplicate', passages: 0, duplicateOf: original });
        } else {
          const outcome = await parse(path, bytes);
          if (outcome instanceof IngestError) {
            const status = outcome.code === 'UNSUPPORTED_TYPE' ? 'skipped' : 'failed';
            documents.push({ ...base, status, passages: 0, error: { code: outcome.code, message: outcome.message } });
          } else {
            const split = splitPassages(path, outcome, { words });
            const documentPassages = split.map((p) => storedPassage(path, p));
            const documentKeys = keyer.keys(documentPassages);
            if (documentKeys.length !== documentPassages.length) {
              throw new Error(`the keyer gave ${documentKeys.length} keys for ${documentPassages.length} passages`);
            }
            passages.push(...documentPassages);
            keys.push(...documentKeys);
            sources.push({ path, text: outcome.text, sections: outcome.sections, pages: outcome.pages });
            documents.push({ ...base, status: 'indexed', title: outcome.title, passages: documentPassages.length });
            indexedByHash.set(base.hash, path);
          }
        }
      }
    }
    options.onProgress?.(done + 1, files.length, path);
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

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The parsed document, or the IngestError that says why there is none (as the browser's ingest words it). */
async function parse(path: string, bytes: Uint8Array) {
  try {
    return await parseFile(path, bytes);
  } catch (error) {
    return error instanceof IngestError
      ? error
      : new IngestError('PARSE_FAILED', `${path} could not be read: ${String(error)}`);
  }
}
