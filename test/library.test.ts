// The library store (src/store) over a real IndexedDB implementation (fake-indexeddb) with the demo model's real
// tokenizer: a folder of real files is internalized, survives reopening, is searchable by the index's lookups,
// and stays consistent through interrupted runs, failed transactions, changes, removals, re-keying and bundles.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BundleError } from '../src/core/bundle';
import { parseModelCard } from '../src/core/model-card';
import { keyingName, type PassageKeyer } from '../src/core/passage-keyer';
import { lookup } from '../src/core/prefix-index';
import { findFiles } from '../src/cli/corpora';
import { loadKeyer } from '../src/engines/transformers/keyer';
import { configureOffline } from '../src/engines/transformers/runtime';
import { cranfieldPassages } from '../src/ingest/cranfield';
import { exportLibraryBundle, importLibraryBundle } from '../src/store/bundle-io';
import { checkLibrary } from '../src/store/consistency-check';
import { ingestQueued, rescanFolder, stageFiles } from '../workers/ingest-run';
import { Library, LibraryError, type IncomingFile } from '../src/store/library';
import { openLibraryDb, SCHEMA_VERSION, type LibraryDb } from '../src/store/schema';
import { makeBadInputFolder } from './bad-input-folder';
import { DEMO_CRANFIELD, DEMO_MODEL_ID, MODEL_ROOT, ROOT } from './paths';

let keyer: PassageKeyer;
let dbCount = 0;
const freshDb = () => openLibraryDb(`library-test-${dbCount++}`);

const file = (path: string, content: string | Uint8Array, mtime = 1_700_000_000_000): IncomingFile => ({
  path,
  blob: new Blob([typeof content === 'string' ? content : Uint8Array.from(content)]),
  mtime,
});

/** A realistic folder: Cranfield records as text files, the project's docs, and markdown from node_modules. */
function realFolder(): IncomingFile[] {
  const records = cranfieldPassages(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8')).slice(0, 120);
  const docs = ['README.md', 'ARCHITECTURE.md', 'tools/fixture-model/README.md'];
  const markdown = findFiles(`${ROOT}node_modules/idb`, ['.md']).slice(0, 5);
  return [
    ...records.map((p) => file(`library/cranfield/${p.id}.txt`, `${p.title}\n\n${p.text}\n`)),
    ...docs.map((d) => file(`library/docs/${d}`, readFileSync(`${ROOT}${d}`, 'utf8'))),
    ...markdown.map((m) => file(`library/vendor/${relative(ROOT, m)}`, readFileSync(m, 'utf8'))),
    file('library/broken/empty.txt', ''),
    file('library/broken/movie.mp4', new Uint8Array(1000)),
  ];
}

/** What a user can observe: every document's status and every passage's id and offsets, order-free. */
async function snapshot(db: LibraryDb) {
  const docs = (await db.getAll('documents')).map((d) => `${d.path} ${d.status} ${d.passages} ${d.hash}`).sort();
  const passages = (await db.getAll('passages')).map((p) => `${p.id} ${p.documentPath} ${p.start}-${p.end}`).sort();
  return { docs, passages };
}

async function expectConsistent(library: Library) {
  const report = await checkLibrary(library);
  expect(report.notIndexed).toEqual([]);
  expect(report.notStored).toEqual([]);
  expect(report.ok).toBe(true);
  return report;
}

beforeAll(async () => {
  configureOffline({ modelRoot: MODEL_ROOT });
  const card = parseModelCard(JSON.parse(readFileSync(`${MODEL_ROOT}${DEMO_MODEL_ID}/model-card.json`, 'utf8')));
  keyer = await loadKeyer(DEMO_MODEL_ID, card);
});

describe('Library (IndexedDB store)', () => {
  it('internalizes a folder, reports every file, and reopens to the same searchable index', async () => {
    const db = await freshDb();
    const library = await Library.open(db, keyer, { batchPassages: 50 });
    const folder = realFolder();
    const queued = await stageFiles(library, folder);
    expect(queued).toBe(folder.length - 1); // the .mp4 is recorded as skipped, never queued
    const phases: string[] = [];
    const done = await ingestQueued(library, { onProgress: (p) => phases.push(p.phase) });
    expect(done.phase).toBe('done');
    expect(done.filesDone).toBe(queued);
    expect(phases.filter((p) => p === 'ingesting').length).toBeGreaterThan(3);
    const docs = new Map(library.documents().map((d) => [d.path, d]));
    expect(docs.get('library/broken/empty.txt')).toMatchObject({ status: 'failed', error: { code: 'EMPTY_DOCUMENT' } });
    expect(docs.get('library/broken/movie.mp4')).toMatchObject({
      status: 'skipped',
      error: { code: 'UNSUPPORTED_TYPE' },
    });
    expect(docs.get('library/docs/README.md')).toMatchObject({ status: 'indexed', title: 'Self-Retrieval Web' });
    const report = await expectConsistent(library);
    expect(report.storedPassages).toBeGreaterThan(150);
    expect(library.state.passages).toBe(report.storedPassages);
    expect(await library.queued()).toBe(0);

    // Reopen: the saved shards are used, and every passage is found again by walking its key.
    const before = await snapshot(db);
    const reopened = await Library.open(db, keyer);
    expect(await snapshot(db)).toEqual(before);
    await expectConsistent(reopened);
    const passage = (await db.getAll('passages')).find((p) => p.documentPath === 'library/docs/README.md')!;
    const key = keyer.keys([passage])[0]!;
    const hits = lookup(reopened.index, key.tokens, keyer.tokenizer.eosTokenId);
    expect([...hits]).toContain(passage.entry);
    expect((await reopened.passage(passage.entry))?.text).toBe(passage.text);
    expect((await reopened.source(passage.documentPath))?.text.slice(passage.start, passage.end)).toBe(passage.text);
    expect(await reopened.lexical.query('boundary layer', 5)).toHaveLength(5);
  });

  it('re-ingesting unchanged files is a no-op; a changed file replaces its passages; duplicates are marked', async () => {
    const db = await freshDb();
    const library = await Library.open(db, keyer);
    const a = file('notes/a.md', '# Wings\n\nThe wing stalls at high angles of attack. Lift falls sharply.\n');
    const b = file('notes/b.md', '# Engines\n\nThe jet engine compresses air. Combustion adds heat.\n');
    await stageFiles(library, [a, b]);
    await ingestQueued(library);
    const first = await snapshot(db);
    await stageFiles(library, [a, b]);
    await ingestQueued(library);
    expect(await snapshot(db)).toEqual(first);

    await stageFiles(library, [file('notes/b.md', '# Engines\n\nA turbofan moves more air at lower speed.\n', 2)]);
    await stageFiles(library, [
      file('copies/a-copy.md', '# Wings\n\nThe wing stalls at high angles of attack. Lift falls sharply.\n'),
    ]);
    await ingestQueued(library);
    const docs = new Map(library.documents().map((d) => [d.path, d]));
    expect(docs.get('copies/a-copy.md')).toMatchObject({ status: 'duplicate', duplicateOf: 'notes/a.md' });
    const texts = (await db.getAll('passages')).map((p) => p.text);
    expect(texts.some((t) => t.includes('turbofan'))).toBe(true);
    expect(texts.some((t) => t.includes('jet engine'))).toBe(false);
    await expectConsistent(library);

    // Removing the original also forgets its recorded copy (never indexed), so a re-scan picks the copy up.
    expect(await library.remove(['notes/a.md'])).toBe(2);
    expect(library.documents().map((d) => d.path)).toEqual(['notes/b.md']);
    await expectConsistent(library);
  });

  it('gives every file of a bad-input folder its own status and internalizes all the others', async () => {
    const db = await freshDb();
    const library = await Library.open(db, keyer);
    // The 50 MB file is covered at the parser level (test/ingest-bad-input.test.ts); here it would only time the
    // tokenizer.
    const folder = makeBadInputFolder().filter((f) => f.path !== 'huge.txt');
    await stageFiles(
      library,
      folder.map((f) => file(`bad/${f.path}`, f.bytes)),
    );
    expect((await ingestQueued(library)).phase).toBe('done');
    const docs = new Map(library.documents().map((d) => [d.path, d]));
    expect(docs.size).toBe(folder.length);
    for (const f of folder) {
      const doc = docs.get(`bad/${f.path}`)!;
      if (f.expect === 'error') {
        expect(doc.error?.code, f.path).toBe(f.code);
        expect(doc.status, f.path).toBe(f.code === 'UNSUPPORTED_TYPE' ? 'skipped' : 'failed');
      } else {
        expect(['indexed', 'duplicate'], f.path).toContain(doc.status);
      }
    }
    expect(docs.get('bad/b/notes-copy.md')).toMatchObject({ status: 'duplicate', duplicateOf: 'bad/a/notes.md' });
    await expectConsistent(library);
  });

  it('cancelling keeps what was committed and drops the rest of the queue', async () => {
    const db = await freshDb();
    const library = await Library.open(db, keyer, { batchPassages: 5 });
    const folder = realFolder().slice(0, 40);
    await stageFiles(library, folder);
    const controller = new AbortController();
    const result = await ingestQueued(library, {
      signal: controller.signal,
      onProgress: (p) => p.filesDone >= 10 && controller.abort(),
    });
    expect(result.phase).toBe('cancelled');
    expect(await library.queued()).toBe(0);
    const kept = library.documents().length;
    expect(kept).toBeGreaterThanOrEqual(10);
    expect(kept).toBeLessThan(folder.length);
    await expectConsistent(library);
    await expectConsistent(await Library.open(db, keyer));
  });

  it('refuses a library saved by a newer version of the app, with a clear error', async () => {
    const name = `library-test-${dbCount++}`;
    const newer = indexedDB.open(name, SCHEMA_VERSION + 1);
    await new Promise((resolve) => (newer.onsuccess = resolve));
    newer.result.close();
    await expect(openLibraryDb(name)).rejects.toMatchObject({ code: 'STORE_TOO_NEW' });
  });

  it('re-scans a folder: added and changed files are queued, vanished ones removed', async () => {
    const db = await freshDb();
    const library = await Library.open(db, keyer);
    await stageFiles(library, [
      file('f/one.txt', 'First file about drag.'),
      file('f/two.txt', 'Second file about lift.'),
    ]);
    await ingestQueued(library);
    const result = await rescanFolder(library, 'f', [
      file('f/one.txt', 'First file about drag.'),
      file('f/three.txt', 'Third file about thrust.'),
    ]);
    expect(result).toEqual({ queued: 1, removed: 1 });
    await ingestQueued(library);
    expect(library.documents().map((d) => d.path)).toEqual(['f/one.txt', 'f/three.txt']);
    await expectConsistent(library);
  });

  it('an ingest interrupted at random points resumes to the same state as an uninterrupted run', async () => {
    const folder = realFolder().slice(0, 60);
    const reference = await freshDb();
    const straight = await Library.open(reference, keyer, { batchPassages: 7 });
    await stageFiles(straight, folder);
    await ingestQueued(straight);
    const expected = await snapshot(reference);

    const db = await freshDb();
    let library = await Library.open(db, keyer, { batchPassages: 7 });
    await stageFiles(library, folder);
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let crash = 0; crash < 10; crash++) {
      const remaining = await library.queued();
      expect(remaining).toBeGreaterThan(0);
      let reports = 0;
      const at = 2 + Math.floor(random() * Math.min(remaining, 8));
      await expect(
        ingestQueued(library, {
          onProgress: () => {
            if (++reports === at) throw new Error('tab closed');
          },
        }),
      ).rejects.toThrow('tab closed');
      // A new page: everything in memory is gone; the store must be consistent on its own.
      library = await Library.open(db, keyer, { batchPassages: 7 });
      await expectConsistent(library);
    }
    await ingestQueued(library);
    expect(await snapshot(db)).toEqual(expected);
    await expectConsistent(await Library.open(db, keyer));
  });

  it('a batch that fails to save (storage full) is rolled back and nothing else is lost', async () => {
    const db = await freshDb();
    const library = await Library.open(db, keyer);
    await stageFiles(library, [file('q/kept.txt', 'Kept before the disk filled up.')]);
    await ingestQueued(library);
    const before = await snapshot(db);
    await stageFiles(library, [file('q/big.txt', 'This one does not fit. '.repeat(50))]);
    const { put } = IDBObjectStore.prototype; // eslint-disable-line @typescript-eslint/unbound-method -- restored below
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'passages') throw new DOMException('quota exceeded', 'QuotaExceededError');
      return put.apply(this, args);
    };
    try {
      const error = await ingestQueued(library).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LibraryError);
      expect((error as LibraryError).code).toBe('STORAGE_FULL');
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    expect(await snapshot(db)).toEqual(before);
    expect(await library.queued()).toBe(1); // still queued: it goes in once there is room
    await expectConsistent(library);
    await ingestQueued(library);
    expect(library.documents().map((d) => d.status)).toEqual(['indexed', 'indexed']);
    await expectConsistent(library);
  });

  it('re-keys for a new tokenizer from the stored passages, resumably, without re-reading files', async () => {
    const db = await freshDb();
    const library = await Library.open(db, keyer);
    await stageFiles(library, realFolder().slice(0, 30));
    await ingestQueued(library);
    const stored = await snapshot(db);
    // Another "model": same tokenizer, different templates — keys differ (so does the fingerprint): rebuild.
    const other: PassageKeyer = {
      tokenizer: { ...keyer.tokenizer, id: 'other-model', fingerprint: '0123456789abcdef' },
      keys: (passages) => keyer.keys(passages.map((p) => ({ title: `${p.title} (v2)`, text: p.text }))),
    };
    const reopened = await Library.open(db, other, { batchPassages: 10 });
    expect(reopened.needsRekey).toBe(true);
    expect(() => reopened.index).toThrow(LibraryError);
    const controller = new AbortController();
    const partial = await reopened.rekey({
      signal: controller.signal,
      onProgress: (p) => p.filesDone >= 20 && controller.abort(),
    });
    expect(partial.phase).toBe('cancelled');
    const resumed = await Library.open(db, other, { batchPassages: 10 });
    expect(resumed.needsRekey).toBe(true);
    expect((await resumed.rekey()).phase).toBe('done');
    expect(resumed.needsRekey).toBe(false);
    expect(await snapshot(db)).toEqual(stored);
    expect((await db.getAll('keys')).every((k) => k.tokenizer === keyingName(other.tokenizer))).toBe(true);
    await expectConsistent(resumed);
  });

  it('keeps its keys for a model that keys alike under another id (one internalized from the same base)', async () => {
    const db = await freshDb();
    const library = await Library.open(db, keyer);
    await stageFiles(library, realFolder().slice(0, 10));
    await ingestQueued(library);
    const stored = await db.getAll('keys');
    const internalized: PassageKeyer = {
      tokenizer: { ...keyer.tokenizer, id: 'store/x.internalized-1' },
      keys: (p) => keyer.keys(p),
    };
    const reopened = await Library.open(db, internalized);
    expect(reopened.needsRekey).toBe(false);
    expect(reopened.index.size).toBe(library.index.size);
    expect(await db.getAll('keys')).toEqual(stored);
    await expectConsistent(reopened);
  });

  it('exports a bundle that imports into another library; a damaged bundle changes nothing', async () => {
    const db = await freshDb();
    const library = await Library.open(db, keyer);
    await stageFiles(library, realFolder().slice(0, 20));
    await ingestQueued(library);
    const bytes = await exportLibraryBundle(library);

    const target = await Library.open(await freshDb(), keyer);
    await stageFiles(target, [file('mine/keep.txt', 'A document the import replaces.')]);
    await ingestQueued(target);
    const damaged = bytes.slice();
    damaged[damaged.length - 10]! ^= 0xff;
    const error = await importLibraryBundle(target, damaged).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect(target.documents().map((d) => d.path)).toEqual(['mine/keep.txt']);
    await expect(importLibraryBundle(target, new TextEncoder().encode('not a bundle'))).rejects.toMatchObject({
      code: 'BUNDLE_NOT_A_BUNDLE',
    });

    const imported = await importLibraryBundle(target, bytes);
    expect(imported.passages).toBe(library.state.passages);
    expect(target.documents().map((d) => d.path)).toEqual(library.documents().map((d) => d.path));
    await expectConsistent(target);
    const passage = (await db.getAll('passages'))[0]!;
    const hit = lookup(target.index, keyer.keys([passage])[0]!.tokens, keyer.tokenizer.eosTokenId);
    expect((await target.passage(hit[0]!))?.text).toBe(passage.text);
  });
});
