// The library's keyword index lives in IndexedDB, not in memory: a base of term chunks plus the changes since, folded
// into a new base by the writer as they grow. Through ingests, a changed file, removals and several folds, the
// writer, a reader that follows its deltas (and finds the base it read replaced) and a reopened library all rank as
// a fresh MiniSearch index of the stored passages; a query reads only its terms' chunks; a fold that fails midway
// leaves the last base readable; a library saved by the previous version (MiniSearch's whole index) still searches.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LexicalIndex, type LexicalHit } from '../src/core/lexical-index';
import type { PassageKeyer } from '../src/core/passage-keyer';
import { cranfieldPassages } from '../src/ingest/cranfield';
import { checkLibrary } from '../src/store/consistency-check';
import { Library, LibraryError, type IncomingFile, type LibraryDelta, type LibraryOptions } from '../src/store/library';
import { allChunks } from '../src/store/lexical-store';
import { openLibraryDb, type LibraryDb } from '../src/store/schema';
import { ingestQueued, stageFiles } from '../workers/ingest-run';
import { loadDemoKeyer } from './demo-model';
import { DEMO_CRANFIELD } from './paths';

let keyer: PassageKeyer;
let dbCount = 0;

const papers = cranfieldPassages(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8'))
  .slice(0, 120)
  .map((p): IncomingFile => ({ path: `papers/${p.id}.txt`, blob: new Blob([`${p.title}\n\n${p.text}\n`]), mtime: 1 }));
const queries = ['boundary layer transition', 'panel flutter', 'heat transfer hypersonic', 'the of and'];

/** A small bound, so a few files' changes already fold into a new base. */
const options: LibraryOptions = { batchPassages: 15, lexicalFoldAt: () => 25 };

async function freshRanking(library: Library) {
  const index = LexicalIndex.empty();
  index.add((await library.allPassages()).map(({ entry, title, text }) => ({ entry, title, text })));
  return queries.map((q) => index.query(q, Infinity));
}

async function ranking(library: Library) {
  return Promise.all(queries.map((q) => library.lexical.query(q, Infinity)));
}

function expectSameRankings(actual: LexicalHit[][], expected: LexicalHit[][]) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((hits, q) => {
    const score = new Map(expected[q]!.map((h) => [h.entry, h.score]));
    expect(hits.map((h) => h.entry).sort((a, b) => a - b)).toEqual([...score.keys()].sort((a, b) => a - b));
    for (const hit of hits) expect(hit.score).toBeCloseTo(score.get(hit.entry)!, 9);
  });
}

const shardNames = async (db: LibraryDb) => (await db.getAllKeys('shards')).map(String);

beforeAll(async () => {
  keyer = await loadDemoKeyer();
});

afterEach(() => vi.restoreAllMocks());

describe('the library’s keyword index in IndexedDB', () => {
  it('ranks as a fresh MiniSearch index in the writer, a following reader and a reopened library, through folds', async () => {
    const db = await openLibraryDb(`lexical-${dbCount++}`);
    const deltas: LibraryDelta[] = [];
    const writer = await Library.open(db, keyer, { ...options, onCommit: (d) => deltas.push(d) });
    await stageFiles(writer, papers.slice(0, 40));
    await ingestQueued(writer);
    const firstBase = (await shardNames(db)).filter((n) => n.startsWith('lexical-chunk/'));
    expect(firstBase.length).toBeGreaterThan(1);

    // A reader opens on the first base, then the writer goes on (and folds again, so that base's chunks are gone).
    const reader = await Library.open(db, keyer, options);
    deltas.length = 0;
    await stageFiles(writer, papers.slice(40));
    await ingestQueued(writer);
    await stageFiles(writer, [
      {
        path: 'papers/7.txt',
        blob: new Blob(['Wing flutter\n\nA new text about panel flutter at Mach 3.\n']),
        mtime: 2,
      },
    ]);
    await ingestQueued(writer);
    await writer.foldLexical(true);
    await writer.remove(['papers/1.txt', 'papers/60.txt', 'papers/100.txt']);
    const names = await shardNames(db);
    expect(names.filter((n) => firstBase.includes(n))).toEqual([]);
    expect(names.some((n) => n.startsWith('lexical-log/'))).toBe(true); // removals since the last fold

    for (const d of deltas) expect(await reader.applyDelta(d)).toBe(true);
    const expected = await freshRanking(writer);
    const reopened = await Library.open(db, keyer, options);
    expectSameRankings(await ranking(writer), expected);
    expectSameRankings(await ranking(reopened), expected);
    expectSameRankings(await ranking(reader), expected); // re-read the replaced base, then served
    expect(await ranking(reader)).toEqual(await ranking(reopened));
    for (const library of [writer, reader, reopened]) {
      const report = await checkLibrary(library);
      expect(report).toMatchObject({ ok: true, lexicalPassages: report.storedPassages });
    }
  });

  it('reads only the chunks of a query’s terms', async () => {
    const db = await openLibraryDb(`lexical-${dbCount++}`);
    const writer = await Library.open(db, keyer, options);
    await stageFiles(writer, papers);
    await ingestQueued(writer);
    await writer.foldLexical(true);
    const chunks = (await shardNames(db)).filter((n) => n.startsWith('lexical-chunk/')).length;
    const reopened = await Library.open(db, keyer, options);
    const get = vi.spyOn(IDBObjectStore.prototype, 'get');
    await reopened.lexical.query('panel flutter', 10);
    const read = get.mock.calls.filter(([name]) => typeof name === 'string' && name.startsWith('lexical-chunk/'));
    expect(read.length).toBeGreaterThan(0);
    expect(read.length).toBeLessThanOrEqual(2);
    expect(chunks).toBeGreaterThan(2);
  });

  it('a fold that fails midway leaves the last base and its log readable', async () => {
    const db = await openLibraryDb(`lexical-${dbCount++}`);
    const writer = await Library.open(db, keyer, { ...options, lexicalFoldAt: () => Infinity });
    await stageFiles(writer, papers.slice(0, 60));
    await ingestQueued(writer);
    await writer.foldLexical(true);
    await stageFiles(writer, papers.slice(60));
    await ingestQueued(writer);
    await writer.remove(['papers/3.txt']);
    const before = await shardNames(db);

    const put = Object.getOwnPropertyDescriptor(IDBObjectStore.prototype, 'put')!.value as (
      this: IDBObjectStore,
      ...args: unknown[]
    ) => IDBRequest<IDBValidKey>;
    let puts = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === 'shards' && ++puts === 3) throw new DOMException('disk gone', 'UnknownError');
      return put.apply(this, args);
    });
    await expect(writer.foldLexical(true)).rejects.toBeInstanceOf(LibraryError);
    vi.restoreAllMocks();
    expect(await shardNames(db)).toEqual(before);

    const reopened = await Library.open(db, keyer, options);
    const expected = await freshRanking(reopened);
    expectSameRankings(await ranking(reopened), expected);
    expectSameRankings(await ranking(writer), expected);
    expect((await checkLibrary(reopened)).ok).toBe(true);
  });

  it('opens a library saved by the previous version (MiniSearch’s whole index) and folds it into chunks', async () => {
    const db = await openLibraryDb(`lexical-${dbCount++}`);
    const writer = await Library.open(db, keyer, { ...options, lexicalFoldAt: () => Infinity });
    await stageFiles(writer, papers.slice(0, 30));
    await ingestQueued(writer);
    // What the previous version kept: MiniSearch's JSON under 'lexical', no chunks.
    await db.clear('shards');
    await db.put('shards', {
      name: 'lexical',
      tokenizer: keyer.tokenizer.id,
      generation: 1,
      bytes: new Uint8Array([1]),
    });
    const old = await Library.open(db, keyer, options);
    expectSameRankings(await ranking(old), await freshRanking(old));
    await old.save(); // what the ingest worker does on opening: the held changes pass the bound, so it folds
    const names = await shardNames(db);
    expect(names).not.toContain('lexical');
    expect(names.filter((n) => n.startsWith('lexical-chunk/')).length).toBeGreaterThan(0);
    expect(await db.count('shards', allChunks())).toBeGreaterThan(0);
    const reopened = await Library.open(db, keyer, options);
    expectSameRankings(await ranking(reopened), await freshRanking(reopened));
  });
});
