// A folder on disk → the content of a library bundle, for `self-retrieval index <folder> --out <bundle>`. Node only.
// Every file gets the record the browser's ingest would give it (src/store/library.ts `stage` + `prepare`): paths
// relative to the folder, '/'-separated, in code-unit order; what src/core/skip.ts rules out (hidden files, .git,
// node_modules, OS litter) is left out without a record, exactly as the page's file collector drops it; a type no
// parser reads is recorded 'skipped' unread; a byte-identical copy of an indexed file is a 'duplicate'; a file that
// cannot be parsed (or read at all) is 'failed' with its code and a message for people. One bad file never stops
// the folder. Keys come from the same PassageKeyer the app uses, one document at a time.
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CodedError } from '../core/errors';
import type { IndexKey } from '../core/corpus-index';
import type { BundleDocument, BundlePassage, BundleSource, LibraryContent } from '../core/library-bundle';
import type { PassageKeyer } from '../core/passage-keyer';
import { directorySkipReason, skipReason } from '../core/skip';
import { IngestError } from '../ingest/document';
import { isSupported, parseFile } from '../ingest/parse';
import { DEFAULT_PASSAGE_WORDS, splitPassages, storedPassage } from '../ingest/passages';

export type FolderErrorCode = 'FOLDER_NOT_FOUND' | 'NOT_A_FOLDER' | 'FOLDER_EMPTY';

/** The folder itself cannot be indexed: it is missing, it is a file, or nothing in it could be indexed. */
export class FolderError extends CodedError<FolderErrorCode> {}

export interface FolderLibraryOptions {
  /** Target passage length in words (default: the app's, DEFAULT_PASSAGE_WORDS). */
  readonly passageWords?: number;
  /** Called after each file is done: `done` of `total` files, `path` the file just finished. */
  readonly onProgress?: (done: number, total: number, path: string) => void;
}

/** Counts of the documents recorded (files left out by skip.ts are not recorded, so not counted). */
export interface FolderReport {
  /** Documents recorded, whatever their status. */
  readonly files: number;
  readonly indexed: number;
  readonly failed: number;
  /** Recorded as 'skipped': types no parser reads (UNSUPPORTED_TYPE). */
  readonly skipped: number;
  readonly duplicates: number;
  readonly passages: number;
}

export interface FolderLibrary {
  readonly content: LibraryContent;
  readonly report: FolderReport;
}

/** A file found by the walk, or a folder inside it that could not be listed. */
interface Found {
  readonly path: string;
  readonly absolute: string;
  readonly size: number;
  readonly mtime: number;
  /** Why it cannot be read (a folder that could not be listed, a broken link): recorded 'failed' unread. */
  readonly unreadable?: string;
}

/** The file read error code recorded for a file (or folder) the operating system would not let us read. */
const READ_FAILED = 'READ_FAILED';

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A short human reason for a failed file-system call. */
function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'it no longer exists (or is a link to something that does not)';
  if (code === 'ELOOP') return 'it is a link that points to itself';
  if (code === 'EISDIR') return 'it is a folder';
  return error instanceof Error ? error.message : String(error);
}

/** The folder's files, recursively, minus what skip.ts rules out; symbolic links are followed, cycles are not. */
async function walk(root: string): Promise<Found[]> {
  const found: Found[] = [];
  const visited = new Set<string>([await realpath(root)]);
  const visit = async (dir: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (prefix === '') throw error;
      const path = prefix.slice(0, -1);
      const unreadable = `it is a folder that could not be opened (${describeFsError(error)})`;
      found.push({ path, absolute: dir, size: 0, mtime: 0, unreadable });
      return;
    }
    for (const entry of entries) {
      const path = prefix + entry.name;
      const absolute = join(dir, entry.name);
      if (entry.isDirectory() || entry.isSymbolicLink()) {
        if (directorySkipReason(entry.name) !== undefined) continue;
      }
      if (!entry.isFile() && !entry.isDirectory() && !entry.isSymbolicLink()) continue; // sockets, FIFOs, devices
      let info;
      try {
        info = await stat(absolute); // follows links
      } catch (error) {
        if (skipReason(path) === undefined) {
          found.push({ path, absolute, size: 0, mtime: 0, unreadable: describeFsError(error) });
        }
        continue;
      }
      if (info.isDirectory()) {
        const real = await realpath(absolute).catch(() => absolute);
        if (visited.has(real)) continue; // a link back up the tree (or to a folder already walked)
        visited.add(real);
        await visit(absolute, `${path}/`);
      } else if (info.isFile() && skipReason(path) === undefined) {
        found.push({ path, absolute, size: info.size, mtime: Math.trunc(info.mtimeMs) });
      }
    }
  };
  await visit(root, '');
  return found.sort((a, b) => byCodeUnits(a.path, b.path));
}

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
  const files = await walk(absoluteRoot);
  if (files.length === 0) {
    throw new FolderError(
      'FOLDER_EMPTY',
      `${root} holds no documents to index (hidden files and folders, .git and node_modules are left out)`,
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
        bytes = new Uint8Array(await readFile(file.absolute));
      } catch (error) {
        const message = `${path} could not be read: ${describeFsError(error)}`;
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
  const report: FolderReport = {
    files: documents.length,
    indexed: count('indexed'),
    failed: count('failed'),
    skipped: count('skipped'),
    duplicates: count('duplicate'),
    passages: passages.length,
  };
  if (report.indexed === 0) {
    const reasons = documents
      .filter((d) => d.error)
      .slice(0, 3)
      .map((d) => d.error!.message);
    throw new FolderError(
      'FOLDER_EMPTY',
      `${root} holds no document that could be indexed (${report.files} files: ${report.failed} failed, ` +
        `${report.skipped} of an unsupported type, ${report.duplicates} duplicates)` +
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
