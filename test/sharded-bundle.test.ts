// Bundle format 2, a folder of content-addressed shards read lazily: on Cranfield it answers keyword queries exactly
// as the one-file bundle (version 1) does while fetching only the manifest, its terms' chunks and its results'
// fragments; passages, documents and the corpus index come back as written, the text stored once; unchanged input
// writes the same file names; a damaged or missing shard is a coded error for the work that needed it only.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BundleError } from '../src/core/bundle';
import type { IndexKey } from '../src/core/corpus-index';
import { serializeIndex } from '../src/core/index-format';
import { libraryBundle, readLibraryBundle, type LibraryContent } from '../src/core/library-bundle';
import type { Passage } from '../src/core/passage';
import { cutFragments, fragmentPassage, fragmentPassages, joinPieces } from '../src/core/passage-fragments';
import { MANIFEST_FILE, ShardedBundle, shardedBundle, type ShardedBundleFiles } from '../src/core/sharded-bundle';
import { cranfieldQueries, cranfieldStored } from '../src/ingest/cranfield';
import { splitPassages } from '../src/ingest/passages';
import { DEMO_CRANFIELD } from './paths';

const stored = cranfieldStored(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8'));
const queries = cranfieldQueries(readFileSync(`${DEMO_CRANFIELD}/cran.qry`, 'utf8')).map((q) => q.text);
/** Stand-in corpus keys: the format stores whatever keys it is given. */
const keysOf = (n: number): IndexKey[] =>
  Array.from({ length: n }, (_, i) => ({ tokens: [1 + (i % 7), 2 + (i % 97), 3 + i], titleLength: 1 }));
const content: LibraryContent = {
  ...stored,
  tokenizer: { id: 'test-tokenizer', vocabSize: 5000, eosTokenId: 0 },
  keys: keysOf(stored.passages.length),
};

/** A static host: the folder's files by name, every request counted. */
function host(files: ReadonlyMap<string, Uint8Array>) {
  const requests: string[] = [];
  const read = (file: string) => {
    requests.push(file);
    const bytes = files.get(file);
    return bytes ? Promise.resolve(bytes) : Promise.reject(new Error(`HTTP 404 for ${file}`));
  };
  return { read, requests };
}

describe('bundle format 2 (sharded)', () => {
  let written: ShardedBundleFiles;
  const v1 = readLibraryBundle(libraryBundle(content));
  beforeAll(async () => {
    written = await shardedBundle(content, { createdAt: '2026-12-01T00:00:00.000Z' });
  });

  it('reads nothing but the manifest to open, and ranks keyword queries exactly as a one-file bundle', async () => {
    const { read, requests } = host(written.files);
    const bundle = await ShardedBundle.open(read);
    expect(requests).toEqual([MANIFEST_FILE]);
    expect(bundle.manifest).toMatchObject({ version: 2, passages: 1400, documents: 1400, encoding: 'gzip' });
    for (const query of queries.slice(0, 60)) {
      const { hits, errors } = await bundle.lexicalQuery(query, Infinity);
      expect(errors).toEqual([]);
      expect(hits).toEqual(v1.lexical.query(query, Infinity));
    }
  });

  it('a large bundle lists its keyword chunks in directory pages: a query fetches only its terms’ pages', async () => {
    const paged = await shardedBundle(content, {
      chunkBytes: 2048,
      chunksPerPage: 8,
      createdAt: '2026-12-01T00:00:00.000Z',
    });
    const { directory } = paged.manifest.lexical;
    expect(directory.pages.length).toBeGreaterThan(10);
    const directoryPages = new Set(directory.pages.map((p) => p.file));
    for (const query of queries.slice(60, 100)) {
      const { read, requests } = host(paged.files);
      const bundle = await ShardedBundle.open(read);
      expect((await bundle.lexicalQuery(query, Infinity)).hits).toEqual(v1.lexical.query(query, Infinity));
      const fetchedPages = requests.filter((f) => directoryPages.has(f)).length;
      expect(fetchedPages).toBeGreaterThan(0);
      expect(fetchedPages).toBeLessThan(directory.pages.length);
    }
  });

  it('a query fetches its terms’ chunks and its results’ fragments only', async () => {
    const { read, requests } = host(written.files);
    const bundle = await ShardedBundle.open(read);
    const { hits } = await bundle.lexicalQuery('boundary layer transition', 10);
    // The manifest, the one directory page of a small bundle's chunks, then the chunks of the three terms.
    expect(bundle.manifest.lexical.directory.pages).toHaveLength(1);
    const chunks = requests.length - 2;
    expect(chunks).toBeGreaterThan(0);
    expect(chunks).toBeLessThanOrEqual(3);
    const passages = await bundle.passages(hits.map((h) => h.entry));
    expect(passages).toEqual(hits.map((h) => v1.passages[h.entry]));
    const { perFragment } = bundle.manifest.fragments;
    const fragments = new Set(hits.map((h) => Math.floor(h.entry / perFragment))).size;
    // One directory page, then one file per fragment holding a result.
    expect(requests.length - 2 - chunks).toBe(1 + fragments);
    expect(bundle.fetched.requests).toBe(requests.length);
    const total = [...written.files.values()].reduce((n, b) => n + b.length, 0);
    expect(bundle.fetched.bytes).toBeLessThan(total / 5);
  });

  it('gives back every passage, the corpus index and each document’s text as written, the text stored once', async () => {
    const bundle = await ShardedBundle.open(host(written.files).read);
    const all = await bundle.passages(stored.passages.map((_, i) => i));
    expect(all).toEqual(v1.passages);
    expect(new Uint8Array(serializeIndex(await bundle.corpusIndex()))).toEqual(
      new Uint8Array(serializeIndex(v1.index)),
    );
    for (const source of stored.sources.slice(0, 50)) expect(await bundle.documentText(source.path)).toEqual(source);
    expect(await bundle.documentText('no/such/document')).toBeNull();
    const documents = new Map((await bundle.documents()).map((d) => [d.path, d]));
    expect(documents.size).toBe(stored.documents.length);
    // A published record leaves out the file's hash, when it was ingested, and the title its first passage has.
    const record = stored.documents[5]!;
    const published = Object.fromEntries(
      Object.entries(record).filter(([field]) => !['hash', 'ingestedAt', 'title'].includes(field)),
    );
    expect(documents.get(record.path)).toStrictEqual({ ...published, firstEntry: 5 });
    expect((await bundle.passages([5]))[0]!.title).toBe(record.title);
    // Loaded whole, every record has its title again.
    const loaded = await bundle.loadAll();
    const titles = new Map(stored.documents.map((d) => [d.path, d.title]));
    expect(loaded.documents.map((d) => d.title)).toEqual(loaded.documents.map((d) => titles.get(d.path)));
    // Text once: the stored folder is smaller than the input text itself (gzip), where version 1 holds it twice.
    const text = stored.sources.reduce((n, s) => n + new TextEncoder().encode(s.text).length, 0);
    const folder = [...written.files.values()].reduce((n, b) => n + b.length, 0);
    expect(folder).toBeLessThan(text);
  });

  it('keeps recent shards up to its cache bytes, fetching a dropped one again; the corpus index is not kept', async () => {
    const { read, requests } = host(written.files);
    const cacheBytes = 64 * 1024;
    const bundle = await ShardedBundle.open(read, { cacheBytes });
    const { perFragment } = bundle.manifest.fragments;
    // Every passage once: far more than 64 KB of fragments, never more than that kept.
    for (let entry = 0; entry < 1400; entry += perFragment) {
      expect((await bundle.passages([entry]))[0]).toEqual(v1.passages[entry]);
      expect(bundle.cachedBytes).toBeLessThanOrEqual(cacheBytes);
    }
    expect(bundle.cachedBytes).toBeGreaterThan(cacheBytes / 2);
    // The most recent fragment is kept; the first was dropped and is fetched again.
    const before = requests.length;
    await bundle.passages([1400 - 1]);
    expect(requests.length).toBe(before);
    expect(await bundle.passages([0])).toEqual([v1.passages[0]]);
    expect(requests.length).toBeGreaterThan(before);
    // The corpus index goes to its caller whole: nothing of it stays in the cache.
    const kept = bundle.cachedBytes;
    await bundle.corpusIndex();
    expect(bundle.cachedBytes).toBe(kept);
  });

  it('opening a document fetches the page of records that holds its path, then its fragments', async () => {
    const small = await shardedBundle(content, { documentsPerPage: 100, createdAt: '2026-12-01T00:00:00.000Z' });
    expect(small.manifest.documentPages.pages).toHaveLength(Math.ceil(stored.documents.length / 100));
    const { read, requests } = host(small.files);
    const bundle = await ShardedBundle.open(read);
    const source = stored.sources[700]!;
    expect(await bundle.documentText(source.path)).toEqual(source);
    const pages = new Set(small.manifest.documentPages.pages.map((p) => p.file));
    expect(requests.filter((file) => pages.has(file))).toHaveLength(1);
    // Manifest, one page of records, one directory page, the fragment of its one passage.
    expect(requests).toHaveLength(4);
    expect(await bundle.documentText('zzz/not/there')).toBeNull();
    expect(await bundle.documentText('')).toBeNull();
    expect((await bundle.documents()).map((d) => d.path)).toEqual(stored.documents.map((d) => d.path).sort());
  });

  it('writes the same file names for the same input, and only a changed document’s shards anew', async () => {
    const again = await shardedBundle(content, { createdAt: '2026-12-02T00:00:00.000Z' });
    const names = (files: ReadonlyMap<string, Uint8Array>) => [...files.keys()].filter((f) => f !== MANIFEST_FILE);
    expect(names(again.files)).toEqual(names(written.files));
    // The last document changed: its fragment, its page, the corpus index, the documents and some lexical chunks.
    const last = stored.passages.length - 1;
    const changed = await shardedBundle({
      ...content,
      passages: content.passages.map((p, i) => (i === last ? { ...p, text: `${p.text} revised` } : p)),
      sources: stored.sources.map((s, i) => (i === last ? { ...s, text: `${s.text} revised` } : s)),
    });
    const before = new Set(names(written.files));
    const fresh = names(changed.files).filter((f) => !before.has(f));
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.length).toBeLessThan(names(written.files).length / 4);
  });

  it('a damaged or missing shard is a coded error for what needed it; keyword search of the rest goes on', async () => {
    const files = new Map(written.files);
    const bundle0 = await ShardedBundle.open(host(files).read);
    const query = 'supersonic flutter';
    const [a, b] = await Promise.all(['supersonic', 'flutter'].map((term) => bundle0.keywordChunk(term)));
    expect(a!.file).not.toBe(b!.file);
    const damaged = files.get(a!.file)!.slice();
    damaged[damaged.length - 5]! ^= 0xff;
    files.set(a!.file, damaged);
    const bundle = await ShardedBundle.open(host(files).read);
    const { hits, errors } = await bundle.lexicalQuery(query, 10);
    expect(errors.map((e) => e.code)).toEqual(['BUNDLE_SHARD_CORRUPT']);
    expect(hits).toEqual(v1.lexical.query('flutter', 10));

    files.delete(bundle.manifest.fragments.pages[0]!.file);
    await expect(bundle.passages([0])).rejects.toMatchObject({ code: 'BUNDLE_SHARD_MISSING' });
    await expect(bundle.passages([0])).rejects.toBeInstanceOf(BundleError);
    files.set(bundle.manifest.fragments.pages[0]!.file, written.files.get(bundle.manifest.fragments.pages[0]!.file)!);
    // A failed fetch is not kept: the shard is fetched again once it is there.
    expect(await bundle.passages([0])).toEqual([v1.passages[0]]);

    const foreign = new Map(written.files);
    foreign.set(
      MANIFEST_FILE,
      new TextEncoder().encode(JSON.stringify({ format: 'self-retrieval-bundle', version: 9 })),
    );
    await expect(ShardedBundle.open(host(foreign).read)).rejects.toMatchObject({ code: 'BUNDLE_VERSION_UNSUPPORTED' });
    await expect(ShardedBundle.open(host(new Map()).read)).rejects.toMatchObject({ code: 'BUNDLE_NOT_A_BUNDLE' });
  });
});

describe('passage fragments', () => {
  const text =
    '# Wing flutter\n\nFlutter is a dynamic instability of an elastic structure in a fluid flow. '.repeat(30) +
    '\n\n# Testing\n\nWind-tunnel models are built to similarity laws. '.repeat(40);
  const document = {
    title: 'Wing flutter',
    text,
    sections: [
      { heading: 'Wing flutter', start: 0 },
      { heading: 'Testing', start: text.indexOf('# Testing') },
    ],
    pages: [],
  };
  const source = { path: 'docs/flutter.md', text, sections: document.sections, pages: [] };
  const passages = splitPassages('docs/flutter.md', document, { words: 40 });

  it('keeps each passage a slice of its document, and the document whole across fragments', () => {
    expect(passages.length).toBeGreaterThan(8);
    const fragments = cutFragments(passages, [source], 3);
    expect(fragments.flatMap((f, k) => f.passages.map((_, i) => fragmentPassage(fragments[k]!, i)))).toEqual(passages);
    expect(fragments.every((f) => f.passages.every((p) => 'piece' in p))).toBe(true);
    // What a reader derives is not stored: content-derived ids, a title the previous passage has, a section that is
    // the title.
    const storedPassages = fragments.flatMap((f) => f.passages);
    expect(storedPassages.filter((p) => p.id !== undefined)).toEqual([]);
    expect(storedPassages.filter((p) => p.title !== undefined)).toHaveLength(
      passages.filter((p, i) => i % 3 === 0 || p.title !== passages[i - 1]!.title).length,
    );
    expect(storedPassages.filter((p) => p.title !== undefined).length).toBeLessThan(passages.length);
    expect(passages.some((p) => p.section === p.title)).toBe(true);
    expect(storedPassages.filter((p) => p.section !== undefined)).toHaveLength(
      passages.filter((p) => p.section !== p.title).length,
    );
    expect(joinPieces(fragments.flatMap((f) => f.pieces))).toEqual(source);
    // Stored once: the pieces add up to the document's text.
    expect(fragments.flatMap((f) => f.pieces).reduce((n, p) => n + p.text.length, 0)).toBe(text.length);
  });

  it('holds about 4,500 characters of passages: 8 abstracts, 19 short passages, never below 4 or above 64', () => {
    const of = (length: number, count = 10) => Array.from({ length: count }, () => ({ text: 'x'.repeat(length) }));
    expect(fragmentPassages(of(558))).toBe(8);
    expect(fragmentPassages(of(237))).toBe(19);
    expect(fragmentPassages(of(5000))).toBe(4);
    expect(fragmentPassages(of(10))).toBe(64);
    expect(fragmentPassages([])).toBe(16);
  });

  it('a passage that is not a slice of its document, or has none, carries its own text', () => {
    const odd = passages.map((p, i) => (i === 2 ? { ...p, text: 'rewritten' } : i === 3 ? { ...p, id: 'own id' } : p));
    const orphan: Passage = { ...passages[0]!, id: 'x', documentPath: 'gone.md' };
    delete (orphan as { section?: string }).section;
    const fragments = cutFragments([...odd, orphan], [source], 4);
    const back = fragments.flatMap((f) => f.passages.map((_, i) => fragmentPassage(f, i)));
    expect(back).toEqual([...odd, orphan]);
    expect(back.at(-1)).not.toHaveProperty('section');
    expect(joinPieces(fragments.flatMap((f) => f.pieces).filter((p) => p.path === source.path))).toEqual(source);
  });
});
