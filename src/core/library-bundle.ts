// What a library bundle holds (src/core/bundle.ts is the container): the passages, their documents, the corpus
// index over the passages' keys and the lexical index, and optionally the documents' parsed text so a passage
// can be shown in place. Passages are numbered by their position in the `passages` shard; both indexes use
// those numbers. Written by the app's export and the CLI, read by the app's import and the widget.
import { makeManifest, BundleError, type Bundle, type BundleManifest } from './bundle';
import { CorpusIndex, type IndexKey, type IndexState } from './corpus-index';
import { loadIndex, serializeIndex } from './index-format';
import { LexicalIndex } from './lexical-index';
import type { Passage } from './passage';
import type { SearchCorpus } from './self-retriever';

export interface BundleDocument {
  /** Path relative to what the user gave ('/'-separated). */
  readonly path: string;
  readonly size: number;
  /** Last-modified time (ms since the epoch) as the file reported it. */
  readonly mtime: number;
  /** SHA-256 of the file's bytes, hex; '' when not known: a file never read (an unsupported type), or a document of
   * a sharded bundle, which does not publish hashes. */
  readonly hash: string;
  readonly status: 'indexed' | 'failed' | 'skipped' | 'duplicate';
  readonly title?: string;
  readonly passages: number;
  /** Why the document is not indexed: an error code (IngestError's, or STORAGE_FULL) and a message for people. */
  readonly error?: { readonly code: string; readonly message: string };
  /** The document this one is a byte-identical copy of (status 'duplicate'). */
  readonly duplicateOf?: string;
  readonly ingestedAt: string;
}

/** The parsed text of a document: passages are offsets into it, so a passage can be shown highlighted in place. */
export interface BundleSource {
  readonly path: string;
  readonly text: string;
  readonly sections: readonly { readonly heading: string; readonly start: number }[];
  readonly pages: readonly number[];
}

export interface LibraryContent {
  readonly tokenizer: BundleManifest['tokenizer'];
  readonly documents: readonly BundleDocument[];
  readonly passages: readonly Passage[];
  /** passages[i]'s corpus key under `tokenizer`. */
  readonly keys: readonly IndexKey[];
  readonly sources?: readonly BundleSource[];
}

/** What a loaded library keeps of its bundle's manifest (either format). */
export type LibraryManifest = Pick<BundleManifest, 'format' | 'tokenizer' | 'passages' | 'documents' | 'createdAt'> & {
  readonly version: number;
};

export interface LoadedLibrary {
  readonly manifest: LibraryManifest;
  readonly documents: readonly BundleDocument[];
  readonly passages: readonly Passage[];
  /** Entry i is passages[i]. */
  readonly index: CorpusIndex;
  readonly lexical: LexicalIndex;
  readonly sources?: readonly BundleSource[];
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function buildIndexes(content: LibraryContent): { index: CorpusIndex; lexical: LexicalIndex } {
  if (content.keys.length !== content.passages.length) throw new Error('one key per passage is needed');
  const index = CorpusIndex.build(content.keys, { endToken: content.tokenizer.eosTokenId });
  const lexical = LexicalIndex.empty();
  lexical.add(content.passages.map((p, entry) => ({ entry, title: p.title, text: p.text })));
  return { index, lexical };
}

/** A library ready to search, built in memory (what `readLibraryBundle(libraryBundle(content))` would give). */
export function buildLibrary(content: LibraryContent): Omit<LoadedLibrary, 'manifest'> {
  return {
    documents: content.documents,
    passages: content.passages,
    ...buildIndexes(content),
    ...(content.sources ? { sources: content.sources } : {}),
  };
}

/** Packs a library; the indexes are built here so every bundle's indexes match its passages. */
export function libraryBundle(content: LibraryContent, createdAt?: string): Bundle {
  const { index, lexical } = buildIndexes(content);
  const shards = new Map<string, Uint8Array>([
    ['index', new Uint8Array(serializeIndex(index))],
    ['lexical', lexical.serialize()],
    ['passages', json(content.passages)],
    ['documents', json(content.documents)],
  ]);
  if (content.sources) shards.set('sources', json(content.sources));
  const info = {
    tokenizer: content.tokenizer,
    passages: content.passages.length,
    documents: content.documents.length,
    ...(createdAt ? { createdAt } : {}),
  };
  return { manifest: makeManifest(info, shards), shards };
}

function parseJsonShard<T>(bundle: Bundle, name: string, valid: (item: Record<string, unknown>) => boolean): T[] {
  const bytes = bundle.shards.get(name);
  if (!bytes) throw new BundleError('BUNDLE_CORRUPT', `the bundle has no ${name} shard`);
  let items: unknown;
  try {
    items = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new BundleError('BUNDLE_CORRUPT', `the ${name} shard is not valid JSON`);
  }
  if (
    !Array.isArray(items) ||
    !(items as unknown[]).every(
      (item) => typeof item === 'object' && item !== null && valid(item as Record<string, unknown>),
    )
  ) {
    throw new BundleError('BUNDLE_CORRUPT', `the ${name} shard is malformed`);
  }
  return items as T[];
}

const isString = (v: unknown) => typeof v === 'string';
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/** Reads a library out of a checked bundle; anything inconsistent is a BundleError and nothing is returned. */
export function readLibraryBundle(bundle: Bundle): LoadedLibrary {
  const passages = parseJsonShard<Passage>(
    bundle,
    'passages',
    (p) => [p['id'], p['documentPath'], p['title'], p['text']].every(isString) && isCount(p['start']),
  );
  const documents = parseJsonShard<BundleDocument>(
    bundle,
    'documents',
    (d) => isString(d['path']) && isString(d['status']) && isCount(d['passages']),
  );
  const sources = bundle.shards.has('sources')
    ? parseJsonShard<BundleSource>(bundle, 'sources', (s) => isString(s['path']) && isString(s['text']))
    : undefined;
  const indexBytes = bundle.shards.get('index');
  const lexicalBytes = bundle.shards.get('lexical');
  if (!indexBytes || !lexicalBytes) throw new BundleError('BUNDLE_CORRUPT', 'the bundle has no index shards');
  let index: CorpusIndex;
  let lexical: LexicalIndex;
  try {
    index = loadIndex(indexBytes);
    lexical = LexicalIndex.load(lexicalBytes);
  } catch (error) {
    throw new BundleError('BUNDLE_CORRUPT', `the bundle's indexes cannot be read: ${(error as Error).message}`);
  }
  if (
    passages.length !== bundle.manifest.passages ||
    documents.length !== bundle.manifest.documents ||
    index.size !== passages.length ||
    lexical.size !== passages.length
  ) {
    throw new BundleError('BUNDLE_CORRUPT', 'the bundle’s passages, documents and indexes do not match');
  }
  if (new Set(passages.map((p) => p.id)).size !== passages.length) {
    throw new BundleError('BUNDLE_CORRUPT', 'two passages of the bundle have the same id');
  }
  const paths = new Set(documents.map((d) => d.path));
  if (!passages.every((p) => paths.has(p.documentPath))) {
    throw new BundleError('BUNDLE_CORRUPT', 'a passage belongs to no document of the bundle');
  }
  return { manifest: bundle.manifest, documents, passages, index, lexical, ...(sources ? { sources } : {}) };
}

/** A loaded library as the retriever's corpus (entry i = passage i). */
export function libraryCorpus(
  library: Pick<LoadedLibrary, 'index' | 'lexical' | 'passages'>,
): SearchCorpus<IndexState> {
  return {
    index: library.index,
    lexical: library.lexical,
    passage: (entry) => {
      const p = library.passages[entry];
      if (!p) throw new RangeError(`no passage ${entry} in the library`);
      return p;
    },
  };
}
