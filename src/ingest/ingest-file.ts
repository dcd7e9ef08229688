// One file through the ingest pipeline: bytes → content hash → a duplicate of a file already indexed, a refusal
// with its code, or a parsed document cut into passages with their corpus keys. The browser's library and the CLI's
// folder index both run every file through this function, so a file gets the same record in both. Nothing is
// stored here: what the caller already holds comes in as `known`, and the outcome says what to write.
import { contentHash } from '../core/content-hash';
import type { IndexKey } from '../core/corpus-index';
import type { BundleDocument, BundleSource } from '../core/library-bundle';
import type { Passage } from '../core/passage';
import type { IngestErrorCode } from '../core/errors';
import type { PassageKeyer } from '../core/passage-keyer';
import { IngestError } from './document';
import { parseFile } from './parse';
import { DEFAULT_PASSAGE_WORDS, splitPassages } from './passages';

/** What this step needs of a PassageKeyer: only its keys. */
export type KeysOf = Pick<PassageKeyer, 'keys'>;

/** What the caller already holds that decides this file's outcome. */
export interface KnownFiles {
  /** The file's SHA-256 when the caller has already computed it. */
  readonly hash?: string;
  /** The path of another indexed document with these bytes, or undefined. */
  duplicateOf(hash: string): string | undefined;
  /** Ids of passages that already have keys (a previous version's): they are not keyed again. */
  readonly keyed?: ReadonlySet<string>;
}

export interface IngestFileOptions {
  /** Target passage length in words (default DEFAULT_PASSAGE_WORDS). */
  readonly words?: number;
}

/** Why a file is recorded without passages, in the record's own shape. */
export interface FileError {
  readonly code: IngestErrorCode;
  readonly message: string;
}

export type FileOutcome =
  | { readonly kind: 'duplicate'; readonly hash: string; readonly duplicateOf: string }
  | {
      readonly kind: 'refused';
      readonly hash: string;
      readonly status: 'failed' | 'skipped';
      readonly error: FileError;
    }
  | {
      readonly kind: 'indexed';
      readonly hash: string;
      readonly title: string;
      readonly passages: readonly Passage[];
      /** Keys of the passages not in `known.keyed`, by passage id. */
      readonly keys: ReadonlyMap<string, IndexKey>;
      readonly source: BundleSource;
    };

/** The outcome of one file: never throws for a bad file (that is a 'refused' outcome), only for a broken keyer. */
export async function ingestFile(
  path: string,
  bytes: Uint8Array,
  keyer: KeysOf,
  known: KnownFiles,
  options: IngestFileOptions = {},
): Promise<FileOutcome> {
  const hash = known.hash ?? (await contentHash(bytes));
  const original = known.duplicateOf(hash);
  if (original !== undefined) return { kind: 'duplicate', hash, duplicateOf: original };
  let parsed;
  try {
    parsed = await parseFile(path, bytes);
  } catch (error) {
    const refusal =
      error instanceof IngestError
        ? error
        : new IngestError('PARSE_FAILED', `${path} could not be read: ${String(error)}`);
    const status = refusal.code === 'UNSUPPORTED_TYPE' ? 'skipped' : 'failed';
    return { kind: 'refused', hash, status, error: { code: refusal.code, message: refusal.message } };
  }
  const passages = splitPassages(path, parsed, { words: options.words ?? DEFAULT_PASSAGE_WORDS });
  const unkeyed = known.keyed ? passages.filter((p) => !known.keyed!.has(p.id)) : passages;
  const keys = keyer.keys(unkeyed);
  if (keys.length !== unkeyed.length) {
    throw new Error(`the keyer gave ${keys.length} keys for ${unkeyed.length} passages`);
  }
  return {
    kind: 'indexed',
    hash,
    title: parsed.title,
    passages,
    keys: new Map(unkeyed.map((p, i) => [p.id, keys[i]!])),
    source: { path, text: parsed.text, sections: parsed.sections, pages: parsed.pages },
  };
}

/** What a document record holds before its outcome: where the file is and when it was read. */
export type DocumentBase = Pick<BundleDocument, 'path' | 'size' | 'mtime' | 'ingestedAt'>;

/** The document record of a file's outcome, as a library (the browser's store, a bundle) keeps it. */
export function documentRecord(base: DocumentBase, outcome: FileOutcome): BundleDocument & { error?: FileError } {
  const { path, size, mtime, ingestedAt } = base;
  const common = { path, size, mtime, hash: outcome.hash, ingestedAt };
  if (outcome.kind === 'duplicate') {
    return { ...common, status: 'duplicate', passages: 0, duplicateOf: outcome.duplicateOf };
  }
  if (outcome.kind === 'refused') return { ...common, status: outcome.status, passages: 0, error: outcome.error };
  return { ...common, status: 'indexed', title: outcome.title, passages: outcome.passages.length };
}
