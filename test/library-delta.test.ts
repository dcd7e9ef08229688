// A reader of the library (the model worker) follows the writer's commits by the deltas it publishes: after an
// ingest, a changed file and a removal, the reader — which read the store once, when it opened — has exactly what a
// freshly reopened library has, and applying the deltas read nothing from the store but the keys of the few passages
// an added key moves out of the corpus index's main part; compacting its corpus index from the store's keys changes
// nothing it finds. A delta it cannot follow (one missed, a reset) says so, and the reader reopens.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PassageKeyer } from '../src/core/passage-keyer';
import { lookup } from '../src/core/prefix-index';
import { cranfieldPassages } from '../src/ingest/cranfield';
import { Library, type IncomingFile, type LibraryDelta } from '../src/store/library';
import { openLibraryDb, passageOf } from '../src/store/schema';
import { ingestQueued, stageFiles } from '../workers/ingest-run';
import { loadDemoKeyer } from './demo-model';
import { DEMO_CRANFIELD } from './paths';

let keyer: PassageKeyer;
let dbCount = 0;

const file = (path: string, content: string, mtime = 1_700_000_000_000): IncomingFile => ({
  path,
  blob: new Blob([content]),
  mtime,
});

const records = () => cranfieldPassages(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8'));

/** Counts every read request made of the store (object stores and their indexes) while `work` runs, and those of
 * the `keys` store. */
async function countReads<T>(work: () => Promise<T>): Promise<{ result: T; reads: number; keyReads: number }> {
  const methods = ['get', 'getAll', 'getAllKeys', 'getKey', 'count', 'openCursor', 'openKeyCursor'] as const;
  const spies = [IDBObjectStore.prototype, IDBIndex.prototype].flatMap((proto) =>
    methods.map((m) => vi.spyOn(proto as unknown as Record<string, () => unknown>, m)),
  );
  const result = await work();
  const stores = spies.flatMap((spy) =>
    (spy.mock.contexts as (IDBObjectStore | IDBIndex)[]).map((c) => ('objectStore' in c ? c.objectStore : c).name),
  );
  for (const spy of spies) spy.mockRestore();
  return { result, reads: stores.length, keyReads: stores.filter((name) => name === 'keys').length };
}

/** What a searcher sees of a library: its manifest, what BM25 finds, and whether the corpus index finds each stored
 * passage (passage text is read from the store, as a searcher reads it). */
async function view(library: Library, queries: readonly string[], probe: readonly number[]) {
  const found = [];
  for (const entry of probe) {
    const record = await library.passage(entry);
    if (!record) {
      found.push(null);
      continue;
    }
    const key = keyer.keys([passageOf(record)])[0]!;
    found.push([record.id, [...lookup(library.index, key.tokens, keyer.tokenizer.eosTokenId)].includes(entry)]);
  }
  return {
    generation: library.state.generation,
    passages: library.state.passages,
    documents: library.documents().map((d) => `${d.path} ${d.status} ${d.passages}`),
    lexical: await Promise.all(queries.map((q) => library.lexical.query(q, 10))),
    found,
  };
}

beforeAll(async () => {
  keyer = await loadDemoKeyer();
});

afterEach(() => vi.restoreAllMocks());

describe('LibraryDelta', () => {
  it('a reader applies the writer’s commits without reading the store and ends as a reopened library', async () => {
    const db = await openLibraryDb(`delta-${dbCount++}`);
    const deltas: LibraryDelta[] = [];
    const writer = await Library.open(db, keyer, { batchPassages: 40, onCommit: (d) => deltas.push(d) });
    const folder = records()
      .slice(0, 150)
      .map((p) => file(`papers/${p.id}.txt`, `${p.title}\n\n${p.text}\n`));
    await stageFiles(writer, folder.slice(0, 50));
    await ingestQueued(writer);

    // The reader opens now (one read of the store), then the writer goes on: more files, a changed one, a removal.
    const reader = await Library.open(db, keyer);
    deltas.length = 0;
    await stageFiles(writer, folder.slice(50));
    await ingestQueued(writer);
    await stageFiles(writer, [file('papers/7.txt', 'Wing flutter\n\nA new text about panel flutter at Mach 3.\n', 2)]);
    await ingestQueued(writer);
    await writer.remove(['papers/1.txt', 'papers/60.txt']);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.every((d) => d.kind === 'passages')).toBe(true);

    const {
      result: applied,
      reads,
      keyReads,
    } = await countReads(async () => {
      const results: boolean[] = [];
      for (const d of deltas) results.push(await reader.applyDelta(d));
      return results;
    });
    expect(applied.every(Boolean)).toBe(true);
    // Only the keys of passages that an added key moves out of the corpus index's main part (near-duplicates).
    expect(reads).toBe(keyReads);
    expect(keyReads).toBeLessThan(5);
    // What following saves: opening reads every store.
    const opening = await countReads(() => Library.open(db, keyer));
    expect(opening.reads).toBeGreaterThanOrEqual(6);

    const queries = ['boundary layer transition', 'panel flutter', 'heat transfer hypersonic'];
    const probe = Array.from({ length: writer.state.nextEntry }, (_, entry) => entry);
    const reopened = await Library.open(db, keyer);
    expect(await view(reader, queries, probe)).toEqual(await view(reopened, queries, probe));
    const index = reader.index;
    expect(index.parts.deltaSize).toBeGreaterThan(0);
    await reader.compactIfDue(true);
    expect(reader.index).toBe(index); // what a retriever holds is compacted in place
    expect(reader.index.parts).toMatchObject({ deltaSize: 0, tombstones: 0 });
    expect(await view(reader, queries, probe)).toEqual(await view(reopened, queries, probe));
    expect(reader.documents().map((d) => d.path)).not.toContain('papers/1.txt'); // removed
    expect((await reader.lexical.query('panel flutter Mach 3', 1))[0]?.entry).toBe(
      (await reopened.lexical.query('panel flutter Mach 3', 1))[0]?.entry,
    );
    // A delta the reader already has (published before it opened) is a no-op.
    expect(await reopened.applyDelta(deltas[0]!)).toBe(true);
    expect(reopened.state.generation).toBe(writer.state.generation);
  });

  it('a missed delta or a reset cannot be followed: the reader reopens', async () => {
    const db = await openLibraryDb(`delta-${dbCount++}`);
    const deltas: LibraryDelta[] = [];
    const writer = await Library.open(db, keyer, { batchPassages: 5, onCommit: (d) => deltas.push(d) });
    const reader = await Library.open(db, keyer);
    const folder = records()
      .slice(0, 20)
      .map((p) => file(`papers/${p.id}.txt`, `${p.title}\n\n${p.text}\n`));
    await stageFiles(writer, folder);
    await ingestQueued(writer);
    expect(deltas.length).toBeGreaterThan(1);
    expect(await reader.applyDelta(deltas[1]!)).toBe(false); // the first is missing
    expect(await reader.applyDelta(deltas[0]!)).toBe(true);
    expect(await reader.applyDelta({ kind: 'reset', generation: writer.state.generation + 1 })).toBe(false);
  });
});
