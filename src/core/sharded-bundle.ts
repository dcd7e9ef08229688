// Bundle format 2: a library as a folder of content-addressed shards (shard-codec.ts) that a reader fetches lazily.
// `manifest.json` is the only file with a fixed name and the only one read up front; it names the shards below, or
// the directory pages that name them:
// - `index`: the corpus index (index-format.ts), the model's one structure — loaded when the model decodes;
// - `lexical`: BM25 split by term into binary chunks (lexical-chunks.ts), found through directory pages of first
//   terms — a query fetches the directory pages and the chunks of its terms;
// - `fragments`: passage text in fragments of P entries (passage-fragments.ts), found through directory pages of
//   `perPage` fragments — a result list fetches the fragments of its results;
// - `documents`: the documents' records in pages by path (document-pages.ts), each with the entry of its first
//   passage — opening a document fetches the page of its path; a library view fetches them all.
// The text is stored once (passages are slices of their documents' text). The one-file layout (bundle.ts,
// version 1) stays the form of export and import.
import { BUNDLE_FORMAT, BundleError, checkBundleVersion, hasLibraryHeader, type BundleManifest } from './bundle';
import { CorpusIndex, type IndexKey } from './corpus-index';
import {
  isDocumentPage,
  pageDocuments,
  pageOf,
  pageRecords,
  type DocumentPage,
  type ShardedDocument,
} from './document-pages';
import { loadIndex, serializeIndex } from './index-format';
import {
  chunkOf,
  decodeChunk,
  encodeChunk,
  queryTerms,
  scoreTerms,
  LexicalIndexBuilder,
  termPostings,
  type LexicalChunk,
  type LexicalStats,
} from './lexical-chunks';
import { LexicalIndex, type LexicalHit } from './lexical-index';
import type { BundleSource, LibraryContent, LoadedLibrary } from './library-bundle';
import type { Passage } from './passage';
import {
  cutFragments,
  fragmentPassage,
  isPassageFragment,
  joinPieces,
  fragmentPassages,
  type FragmentPiece,
  type PassageFragment,
} from './passage-fragments';
import { decodeShard, encodeShard, isShardRef, type ShardEncoding, type ShardRef } from './shard-codec';

export const SHARDED_VERSION = 2;
export const MANIFEST_FILE = 'manifest.json';
/** Fragments listed per directory page. */
export const FRAGMENTS_PER_PAGE = 512;

export type { ShardedDocument } from './document-pages';

export interface ShardedManifest extends Omit<BundleManifest, 'version' | 'shards'> {
  readonly version: typeof SHARDED_VERSION;
  readonly encoding: ShardEncoding;
  readonly index: ShardRef;
  /** The documents' record pages, sorted by path, and each page's first path. */
  readonly documentPages: { readonly firstPaths: readonly string[]; readonly pages: readonly ShardRef[] };
  readonly fragments: { readonly perFragment: number; readonly perPage: number; readonly pages: readonly ShardRef[] };
  readonly lexical: {
    readonly stats: LexicalStats;
    /** The keyword chunks' directory, in pages of `CHUNKS_PER_PAGE` chunks, and each page's first term. */
    readonly directory: { readonly firstTerms: readonly string[]; readonly pages: readonly ShardRef[] };
  };
}

/** One page of the keyword chunks' directory: each chunk's first term and its shard. */
export interface ChunkDirectoryPage {
  readonly firstTerms: readonly string[];
  readonly chunks: readonly ShardRef[];
}

/** Keyword chunks listed per directory page: the manifest stays small however large the bundle (a million
 * passages make thousands of chunks), at the cost of one small request per query on a large site. */
export const CHUNKS_PER_PAGE = 512;

function isChunkDirectoryPage(value: unknown): value is ChunkDirectoryPage {
  const page = value as Partial<ChunkDirectoryPage> | null;
  return (
    typeof page === 'object' &&
    page !== null &&
    Array.isArray(page.firstTerms) &&
    page.firstTerms.every((t) => typeof t === 'string') &&
    Array.isArray(page.chunks) &&
    page.chunks.length === page.firstTerms.length &&
    page.chunks.every(isShardRef)
  );
}

export interface ShardedBundleFiles {
  readonly manifest: ShardedManifest;
  /** Every file of the folder by name, `manifest.json` included. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

export interface ShardedWriteOptions {
  readonly encoding?: ShardEncoding;
  readonly perFragment?: number;
  readonly perPage?: number;
  readonly chunkBytes?: number;
  readonly documentsPerPage?: number;
  readonly chunksPerPage?: number;
  readonly createdAt?: string;
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** A document's passages as consecutive entries, in their order, documents in the order they first appear. */
function groupByDocument(content: LibraryContent): { passages: Passage[]; keys: IndexKey[] } {
  const order = new Map<string, number[]>();
  content.passages.forEach((p, i) => {
    const list = order.get(p.documentPath);
    if (list) list.push(i);
    else order.set(p.documentPath, [i]);
  });
  const positions = [...order.values()].flat();
  return { passages: positions.map((i) => content.passages[i]!), keys: positions.map((i) => content.keys[i]!) };
}

/** Writes a library as a sharded bundle folder: every file's bytes by name. */
export async function shardedBundle(
  content: LibraryContent,
  options: ShardedWriteOptions = {},
): Promise<ShardedBundleFiles> {
  if (content.keys.length !== content.passages.length) throw new Error('one key per passage is needed');
  const encoding = options.encoding ?? 'gzip';
  const perPage = options.perPage ?? FRAGMENTS_PER_PAGE;
  const { passages, keys } = groupByDocument(content);
  const perFragment = options.perFragment ?? fragmentPassages(passages);
  const files = new Map<string, Uint8Array>();
  const put = async (bytes: Uint8Array): Promise<ShardRef> => {
    const { ref, stored } = await encodeShard(bytes, encoding);
    files.set(ref.file, stored);
    return ref;
  };

  const index = await put(
    new Uint8Array(serializeIndex(CorpusIndex.build(keys, { endToken: content.tokenizer.eosTokenId }))),
  );
  const firstEntry = new Map<string, number>();
  passages.forEach((p, entry) => firstEntry.has(p.documentPath) || firstEntry.set(p.documentPath, entry));
  const documents: ShardedDocument[] = content.documents.map(({ hash: _hash, ingestedAt: _at, title, ...d }) => {
    const first = firstEntry.get(d.path);
    if (first === undefined) return { ...d, title };
    // The first passage's fragment carries the title already.
    return passages[first]!.title === title ? { ...d, firstEntry: first } : { ...d, title, firstEntry: first };
  });
  const paged = pageDocuments(documents, options.documentsPerPage);
  const documentPages = { firstPaths: paged.firstPaths, pages: [] as ShardRef[] };
  for (const page of paged.pages) documentPages.pages.push(await put(json(page)));
  const fragmentRefs: ShardRef[] = [];
  for (const fragment of cutFragments(passages, content.sources, perFragment))
    fragmentRefs.push(await put(json(fragment)));
  const pages: ShardRef[] = [];
  for (let i = 0; i < fragmentRefs.length; i += perPage)
    pages.push(await put(json(fragmentRefs.slice(i, i + perPage))));
  // Keyword chunks are encoded as they are cut: the whole split index is never held at once.
  const lexical = new LexicalIndexBuilder();
  passages.forEach((p, entry) => lexical.add({ entry, title: p.title, text: p.text }));
  const firstTerms: string[] = [];
  const chunks: ShardRef[] = [];
  for (const { firstTerm, chunk } of lexical.chunks(options.chunkBytes)) {
    firstTerms.push(firstTerm);
    chunks.push(await put(encodeChunk(chunk)));
  }
  const chunksPerPage = options.chunksPerPage ?? CHUNKS_PER_PAGE;
  const directory = { firstTerms: [] as string[], pages: [] as ShardRef[] };
  for (let i = 0; i < chunks.length; i += chunksPerPage) {
    const page: ChunkDirectoryPage = {
      firstTerms: firstTerms.slice(i, i + chunksPerPage),
      chunks: chunks.slice(i, i + chunksPerPage),
    };
    directory.firstTerms.push(page.firstTerms[0]!);
    directory.pages.push(await put(json(page)));
  }

  const manifest: ShardedManifest = {
    format: BUNDLE_FORMAT,
    version: SHARDED_VERSION,
    tokenizer: content.tokenizer,
    passages: passages.length,
    documents: documents.length,
    createdAt: options.createdAt ?? new Date().toISOString(),
    encoding,
    index,
    documentPages,
    fragments: { perFragment, perPage, pages },
    lexical: { stats: lexical.stats, directory },
  };
  files.set(MANIFEST_FILE, json(manifest));
  return { manifest, files };
}

/** Validates a parsed version-2 manifest; throws BundleError naming what is wrong. */
export function parseShardedManifest(value: unknown): ShardedManifest {
  checkBundleVersion(value, SHARDED_VERSION);
  const m = value as Partial<ShardedManifest>;
  const { fragments, lexical, documentPages } = m;
  const valid =
    hasLibraryHeader(m) &&
    (m.encoding === 'gzip' || m.encoding === 'identity') &&
    isShardRef(m.index) &&
    Array.isArray(documentPages?.firstPaths) &&
    documentPages.firstPaths.every((p) => typeof p === 'string') &&
    Array.isArray(documentPages.pages) &&
    documentPages.pages.length === documentPages.firstPaths.length &&
    documentPages.pages.every(isShardRef) &&
    Number.isInteger(fragments?.perFragment) &&
    fragments!.perFragment > 0 &&
    Number.isInteger(fragments?.perPage) &&
    fragments!.perPage > 0 &&
    Array.isArray(fragments?.pages) &&
    fragments.pages.every(isShardRef) &&
    Array.isArray(lexical?.directory?.firstTerms) &&
    lexical.directory.firstTerms.every((t) => typeof t === 'string') &&
    Array.isArray(lexical.directory.pages) &&
    lexical.directory.pages.length === lexical.directory.firstTerms.length &&
    lexical.directory.pages.every(isShardRef) &&
    Number.isInteger(lexical.stats?.documentCount) &&
    Array.isArray(lexical.stats?.averageFieldLength);
  if (!valid) throw new BundleError('BUNDLE_CORRUPT', 'the bundle manifest is malformed');
  return m as ShardedManifest;
}

/** Reads a file of the bundle folder (fetch for a static site, the file system in Node); rejects when it cannot. */
export type ReadBundleFile = (file: string) => Promise<Uint8Array>;

/** What a reader has fetched so far. */
export interface FetchStats {
  readonly requests: number;
  readonly bytes: number;
}

/** Decoded shards a reader keeps by default (the least recently used beyond it are dropped, and fetched again if
 * asked: from the HTTP or service-worker cache in a browser). The corpus index is not among them: its owner holds
 * it. */
export const SHARD_CACHE_BYTES = 4 * 2 ** 20;

export interface ShardedBundleOptions {
  /** Decoded bytes of shards kept for reuse (default SHARD_CACHE_BYTES). */
  readonly cacheBytes?: number;
}

interface CachedShard {
  readonly content: Promise<Uint8Array>;
  /** Decoded bytes, once they are here (0 while in flight: never dropped then). */
  bytes: number;
}

/**
 * A sharded bundle read lazily: nothing but the manifest until asked, each shard fetched when needed and checked,
 * recent shards kept (up to `cacheBytes`), a failed fetch tried again on the next ask. A shard that cannot be had is
 * a BundleError (`BUNDLE_SHARD_MISSING`, `BUNDLE_SHARD_CORRUPT`) for the work that needed it only.
 */
export class ShardedBundle {
  readonly #read: ReadBundleFile;
  readonly #cacheBytes: number;
  /** In order of use, the most recent last. */
  readonly #shards = new Map<string, CachedShard>();
  #kept = 0;
  #requests = 0;
  #bytes = 0;

  private constructor(
    readonly manifest: ShardedManifest,
    read: ReadBundleFile,
    manifestBytes: number,
    options: ShardedBundleOptions,
  ) {
    this.#read = read;
    this.#cacheBytes = options.cacheBytes ?? SHARD_CACHE_BYTES;
    this.#requests = 1;
    this.#bytes = manifestBytes;
  }

  static async open(read: ReadBundleFile, options: ShardedBundleOptions = {}): Promise<ShardedBundle> {
    let bytes: Uint8Array;
    try {
      bytes = await read(MANIFEST_FILE);
    } catch (error) {
      // The reader's own coded errors (not found, unreachable) say it best.
      if (typeof (error as { code?: unknown } | null)?.code === 'string') throw error;
      throw new BundleError('BUNDLE_NOT_A_BUNDLE', `no readable ${MANIFEST_FILE} (${String(error)})`);
    }
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw new BundleError('BUNDLE_NOT_A_BUNDLE', `${MANIFEST_FILE} is not JSON: not a Self-Retrieval index bundle`);
    }
    return new ShardedBundle(parseShardedManifest(value), read, bytes.length, options);
  }

  get fetched(): FetchStats {
    return { requests: this.#requests, bytes: this.#bytes };
  }

  /** Decoded bytes of the shards kept now. */
  get cachedBytes(): number {
    return this.#kept;
  }

  /** Fetches and checks a shard (not kept). */
  async #fetch(ref: ShardRef): Promise<Uint8Array> {
    let stored: Uint8Array;
    try {
      this.#requests += 1;
      stored = await this.#read(ref.file);
    } catch (error) {
      throw new BundleError('BUNDLE_SHARD_MISSING', `shard ${ref.file} could not be fetched (${String(error)})`);
    }
    this.#bytes += stored.length;
    return decodeShard(ref, stored, this.manifest.encoding);
  }

  #shard(ref: ShardRef): Promise<Uint8Array> {
    const cached = this.#shards.get(ref.file);
    if (cached) {
      this.#shards.delete(ref.file);
      this.#shards.set(ref.file, cached);
      return cached.content;
    }
    const shard: CachedShard = { content: this.#fetch(ref), bytes: 0 };
    this.#shards.set(ref.file, shard);
    shard.content.then(
      (content) => {
        if (this.#shards.get(ref.file) !== shard) return;
        shard.bytes = content.length;
        this.#kept += content.length;
        this.#trim();
      },
      () => this.#shards.get(ref.file) === shard && this.#shards.delete(ref.file),
    );
    return shard.content;
  }

  /** Drops the least recently used shards while more than the cache's bytes are kept. */
  #trim(): void {
    for (const [file, shard] of this.#shards) {
      if (this.#kept <= this.#cacheBytes) return;
      if (shard.bytes === 0) continue;
      this.#shards.delete(file);
      this.#kept -= shard.bytes;
    }
  }

  async #json<T>(ref: ShardRef, valid: (value: unknown) => boolean): Promise<T> {
    const bytes = await this.#shard(ref);
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw new BundleError('BUNDLE_SHARD_CORRUPT', `shard ${ref.file} is not valid JSON`);
    }
    if (!valid(value)) throw new BundleError('BUNDLE_SHARD_CORRUPT', `shard ${ref.file} is malformed`);
    return value as T;
  }

  /** The whole library at once (the CLI's search and eval of a folder): every shard fetched and checked. */
  async loadAll(): Promise<LoadedLibrary> {
    const { perFragment } = this.manifest.fragments;
    const [index, documents, fragments] = await Promise.all([
      this.corpusIndex(),
      this.documents(),
      Promise.all(Array.from({ length: Math.ceil(this.manifest.passages / perFragment) }, (_, k) => this.#fragment(k))),
    ]);
    const passages = Array.from({ length: this.manifest.passages }, (_, entry) =>
      fragmentPassage(fragments[Math.floor(entry / perFragment)]!, entry % perFragment),
    );
    const lexical = LexicalIndex.empty();
    lexical.add(passages.map((p, entry) => ({ entry, title: p.title, text: p.text })));
    const pieces = new Map<string, FragmentPiece[]>();
    for (const piece of fragments.flatMap((f) => f.pieces)) {
      const list = pieces.get(piece.path);
      if (list) list.push(piece);
      else pieces.set(piece.path, [piece]);
    }
    const sources = [...pieces.values()].map(joinPieces).filter((s): s is BundleSource => s !== undefined);
    return {
      manifest: this.manifest,
      documents: documents.map((d) => ({
        ...d,
        // Left out of the record when it is the first passage's.
        title: d.title ?? (d.firstEntry !== undefined ? passages[d.firstEntry]!.title : ''),
        hash: '',
        ingestedAt: this.manifest.createdAt,
      })),
      passages,
      index,
      lexical,
      sources,
    };
  }

  async #chunk(ref: ShardRef): Promise<LexicalChunk> {
    const bytes = await this.#shard(ref);
    try {
      return decodeChunk(bytes);
    } catch {
      throw new BundleError('BUNDLE_SHARD_CORRUPT', `shard ${ref.file} is not a keyword chunk`);
    }
  }

  /** The corpus index, for the model's decode: fetched on each call (the caller holds it, and this reader keeps no
   * second copy), and read in place. */
  async corpusIndex(): Promise<CorpusIndex> {
    const bytes = await this.#fetch(this.manifest.index);
    return loadIndex(bytes.byteOffset % 4 === 0 ? bytes : bytes.slice());
  }

  /** Every document's record, by path. */
  async documents(): Promise<ShardedDocument[]> {
    const pages = await Promise.all(
      this.manifest.documentPages.pages.map((ref) => this.#json<DocumentPage>(ref, isDocumentPage)),
    );
    return pages.flatMap(pageRecords);
  }

  /** One document's record, fetching the one page that would hold it; undefined when the bundle has no such path. */
  async document(path: string): Promise<ShardedDocument | undefined> {
    const { firstPaths, pages } = this.manifest.documentPages;
    const k = pageOf(firstPaths, path);
    if (k < 0) return undefined;
    return pageRecords(await this.#json<DocumentPage>(pages[k]!, isDocumentPage)).find((d) => d.path === path);
  }

  async #fragment(k: number): Promise<PassageFragment> {
    const { perPage, pages } = this.manifest.fragments;
    const page = pages[Math.floor(k / perPage)];
    if (!page) throw new RangeError(`no fragment ${k} in this bundle`);
    const refs = await this.#json<ShardRef[]>(page, (v) => Array.isArray(v) && v.every(isShardRef));
    const ref = refs[k % perPage];
    if (!ref) throw new BundleError('BUNDLE_SHARD_CORRUPT', `directory page ${page.file} has no fragment ${k}`);
    return this.#json(ref, isPassageFragment);
  }

  /** The passages of these entries, in the same order, fetching only their fragments. */
  async passages(entries: readonly number[]): Promise<Passage[]> {
    const { perFragment } = this.manifest.fragments;
    for (const entry of entries) {
      if (!Number.isInteger(entry) || entry < 0 || entry >= this.manifest.passages) {
        throw new RangeError(`no passage ${entry} in this bundle`);
      }
    }
    const fragments = new Map(
      await Promise.all(
        [...new Set(entries.map((e) => Math.floor(e / perFragment)))].map(
          async (k) => [k, await this.#fragment(k)] as const,
        ),
      ),
    );
    return entries.map((entry) =>
      fragmentPassage(fragments.get(Math.floor(entry / perFragment))!, entry % perFragment),
    );
  }

  /** A document's parsed text from the fragments of its passages; null when the bundle does not hold it. */
  async documentText(path: string): Promise<BundleSource | null> {
    const document = await this.document(path);
    if (document?.firstEntry === undefined) return null;
    const { perFragment } = this.manifest.fragments;
    const first = Math.floor(document.firstEntry / perFragment);
    const last = Math.floor((document.firstEntry + document.passages - 1) / perFragment);
    const pieces: FragmentPiece[] = [];
    for (let k = first; k <= last; k++) {
      pieces.push(...(await this.#fragment(k)).pieces.filter((piece) => piece.path === path));
    }
    return joinPieces(pieces) ?? null;
  }

  /** The shard of the keyword chunk that would hold `term` (its directory page fetched); undefined when none would. */
  async keywordChunk(term: string): Promise<ShardRef | undefined> {
    const { directory } = this.manifest.lexical;
    const k = chunkOf(directory.firstTerms, term);
    if (k < 0) return undefined;
    const page = await this.#json<ChunkDirectoryPage>(directory.pages[k]!, isChunkDirectoryPage);
    const c = chunkOf(page.firstTerms, term);
    return c >= 0 ? page.chunks[c] : undefined;
  }

  /**
   * BM25 hits for `text`, best first, fetching only the chunks of its terms: the same hits as a one-file bundle.
   * A chunk that cannot be had leaves its terms out (the rest still rank) and is reported in `errors`.
   */
  async lexicalQuery(text: string, limit = 10): Promise<{ hits: LexicalHit[]; errors: BundleError[] }> {
    const { stats } = this.manifest.lexical;
    const terms = [...new Set(queryTerms(text))];
    const errors: BundleError[] = [];
    const attempt = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof BundleError)) throw error;
        // A directory page that several terms need fails for each of them: say it once.
        if (!errors.some((e) => e.message === error.message)) errors.push(error);
        return undefined;
      }
    };
    // Each term's chunk through its directory page (a page or chunk shared by terms is fetched once), then the chunks.
    const refs = new Map<string, ShardRef | undefined>();
    await Promise.all(terms.map(async (term) => refs.set(term, await attempt(() => this.keywordChunk(term)))));
    const chunks = new Map<string, LexicalChunk | undefined>();
    const wanted = new Map([...refs.values()].filter((r): r is ShardRef => r !== undefined).map((r) => [r.file, r]));
    await Promise.all(
      [...wanted.values()].map(async (ref) => chunks.set(ref.file, await attempt(() => this.#chunk(ref)))),
    );
    const postings = (term: string) => {
      const ref = refs.get(term);
      const chunk = ref && chunks.get(ref.file);
      return chunk && termPostings(chunk, term);
    };
    return { hits: scoreTerms(text, stats, postings, limit), errors };
  }
}
