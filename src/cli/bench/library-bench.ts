// The `library` benchmark: what the app's library holds in a worker's memory once opened, on a generated library of
// 50,000 passages of real text (the ingest benchmark's pinned corpus, parsed and split, repeated under new paths until
// there are enough), in IndexedDB (fake-indexeddb in Node: the same code the browser runs). Beside it, in the same
// run, the baseline: MiniSearch over the same passages (`LexicalIndex`), which is what the library held for keyword
// search before its index moved into the store as term chunks.
// - openMB: retained by `Library.open` (V8 heap + ArrayBuffers, after gc): the corpus index, the documents, the
//   keyword index's directory and the changes held since its base (keys stay in the store);
// - keywordOnlyMB: retained when opened for BM25 alone (as the model worker opens it before a model loads);
// - keysMB: what the passages' keys take held in memory as the library held them before (a typed array each, by
//   entry): the baseline of what the corpus index's changes no longer keep;
// - miniSearchMB: retained by MiniSearch over the same passages; openOverMiniSearch: the ratio;
// - queryMs / miniSearchQueryMs: the median of the same keyword queries (hits' text not read), and their ratio;
// - foldPassagesPerSec: rebuilding the keyword base from every stored passage (what the writer does as changes grow).
import { readFileSync } from 'node:fs';
import { UsageError } from '../args';
import { LexicalIndex } from '../../core/lexical-index';
import { parseModelCard } from '../../core/model-card';
import type { Passage } from '../../core/passage';
import type { PassageKeyer } from '../../core/passage-keyer';
import { loadKeyer } from '../../engines/transformers/keyer';
import { configureOffline } from '../../engines/transformers/runtime';
import { IngestError } from '../../ingest/document';
import { parseFile } from '../../ingest/parse';
import { splitPassages } from '../../ingest/passages';
import { Library } from '../../store/library';
import { openLibraryDb, type DocumentRecord, type PassageRecord } from '../../store/schema';
import { loadManifest, readPinnedCorpus } from './corpus-manifest';
import { heapInUse, median, round } from './stats';

const PASSAGES = 50_000;
const MODEL = 'cranfield-tiny';
const QUERIES = [
  'install package manager',
  'configuration options default value',
  'error handling callback',
  'stream buffer encoding',
  'license permission notice',
  'command line arguments parser',
  'promise async await',
  'test runner coverage report',
];

const MB = 2 ** 20;

/** A keyer of no tokenizer: the library opens for BM25 only and reads no keys. */
const KEYWORD_ONLY: PassageKeyer = { tokenizer: { id: '', vocabSize: 0, eosTokenId: 0 }, keys: () => [] };

/** Bytes retained (V8 heap + ArrayBuffer backing stores) by what `make` resolves to. */
async function retained<T>(make: () => Promise<T>): Promise<{ value: T; bytes: number }> {
  // fake-indexeddb lets go of finished transactions on later turns of the event loop: let them go first.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
  await settle();
  const before = heapInUse();
  const value = await make();
  await settle();
  const bytes = heapInUse() - before;
  if (Number.isNaN(bytes)) throw new Error('the library benchmark measures memory: run it with node --expose-gc');
  return { value, bytes };
}

/** The pinned corpus's passages, repeated under new paths until there are `count`. */
async function generatedPassages(root: string, count: number): Promise<{ passages: Passage[]; inputFiles: number }> {
  const { files } = readPinnedCorpus(root, loadManifest(root), (entry) => entry.path.endsWith('.md'));
  const once: Passage[] = [];
  for (const file of files) {
    try {
      once.push(...splitPassages(file.name, await parseFile(file.name, file.bytes)));
    } catch (error) {
      if (!(error instanceof IngestError)) throw error; // a file no parser accepts: the ingest benchmark counts those
    }
  }
  if (once.length === 0) throw new Error('the pinned corpus gave no passages: run `npm ci`');
  const passages: Passage[] = [];
  for (let round = 0; passages.length < count; round++) {
    for (const p of once.slice(0, count - passages.length)) {
      passages.push({ ...p, id: `${round}/${p.id}`, documentPath: `copy-${round}/${p.documentPath}` });
    }
  }
  return { passages, inputFiles: files.length };
}

/** `--library-passages=N` generates a library of another size. */
export async function benchLibrary(root: string, args: readonly string[] = []): Promise<Record<string, unknown>> {
  const count = Number(
    args.find((a) => a.startsWith('--library-passages='))?.slice('--library-passages='.length) ?? PASSAGES,
  );
  if (!Number.isSafeInteger(count) || count < 1)
    throw new UsageError('--library-passages takes a whole number of passages');
  // IndexedDB in Node: fake-indexeddb's classes as the browser's globals (what its `auto` entry does).
  const fake = await import('fake-indexeddb');
  Object.assign(
    globalThis,
    Object.fromEntries(Object.entries(fake).filter(([name]) => name === 'indexedDB' || name.startsWith('IDB'))),
  );
  configureOffline({ modelRoot: `${root}public/models/` });
  const card = parseModelCard(JSON.parse(readFileSync(`${root}public/models/${MODEL}/model-card.json`, 'utf8')));
  const keyer = await loadKeyer(MODEL, card);

  const { passages, inputFiles } = await generatedPassages(root, count);
  const records: PassageRecord[] = passages.map((p, entry) => ({ ...p, entry }));
  const counts = new Map<string, number>();
  for (const p of passages) counts.set(p.documentPath, (counts.get(p.documentPath) ?? 0) + 1);
  const documents: DocumentRecord[] = [...counts].map(([path, n]) => ({
    path,
    size: 0,
    mtime: 0,
    hash: '',
    status: 'indexed',
    passages: n,
    ingestedAt: new Date(0).toISOString(),
  }));

  const db = await openLibraryDb('bench-library');
  const writer = await Library.open(db, keyer);
  // The keys are made inline: nothing of this run holds them while the library is measured.
  await writer.replaceWith({ documents, sources: [], passages: records, keys: keyer.keys(passages) });
  const foldStarted = performance.now();
  await writer.foldLexical(true);
  const foldMs = performance.now() - foldStarted;

  const opened = await retained(() => Library.open(db, keyer));
  const library = opened.value;
  // As the model worker holds it before a model is loaded: no keys, no corpus index (BM25 alone).
  const keywordOnly = await retained(() => Library.open(db, KEYWORD_ONLY));
  const heldKeys = await retained(async () => library.keysByEntry());
  const miniSearch = await retained(() => {
    const index = LexicalIndex.empty();
    index.add(records.map(({ entry, title, text }) => ({ entry, title, text })));
    return Promise.resolve(index);
  });

  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const query of QUERIES) {
      let started = performance.now();
      await library.lexical.query(query, 10);
      ours.push(performance.now() - started);
      started = performance.now();
      miniSearch.value.query(query, 10);
      theirs.push(performance.now() - started);
    }
  }
  const queryMs = median(ours);
  const miniSearchQueryMs = median(theirs);
  return {
    passages: records.length,
    inputFiles,
    openMB: round(opened.bytes / MB, 1),
    keywordOnlyMB: round(keywordOnly.bytes / MB, 1),
    keysMB: round(heldKeys.bytes / MB, 1),
    miniSearchMB: round(miniSearch.bytes / MB, 1),
    openOverMiniSearch: round(opened.bytes / miniSearch.bytes, 3),
    queryMs: round(queryMs, 2),
    miniSearchQueryMs: round(miniSearchQueryMs, 2),
    queryMsOverMiniSearch: round(queryMs / miniSearchQueryMs, 2),
    foldPassagesPerSec: round(records.length / (foldMs / 1000), 0),
  };
}
