// A folder on disk → a library bundle (src/cli/folder-library.ts), with the demo model's real tokenizer: a temp
// folder of good, bad, duplicate, hidden and dependency files gets one record per kept file with the browser
// ingest's status and code, passages that point into their sources, a bundle that reads back, the same records the
// browser's Library gives the same files, and a FolderError for a folder that cannot be indexed.
import 'fake-indexeddb/auto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packBundle, unpackBundle } from '../src/core/bundle';
import { libraryBundle, readLibraryBundle } from '../src/core/library-bundle';
import { parseModelCard } from '../src/core/model-card';
import type { PassageKeyer } from '../src/core/passage-keyer';
import { lookup } from '../src/core/prefix-index';
import { folderLibrary, FolderError } from '../src/cli/folder-library';
import { loadKeyer } from '../src/engines/transformers/keyer';
import { configureOffline } from '../src/engines/transformers/runtime';
import { exportLibraryBundle } from '../src/store/bundle-io';
import { ingestQueued, stageFiles } from '../workers/ingest-run';
import { Library } from '../src/store/library';
import { openLibraryDb } from '../src/store/schema';
import { DEMO_MODEL_ID, MODEL_ROOT } from './paths';

let keyer: PassageKeyer;
const temp: string[] = [];

function tempFolder(files: Readonly<Record<string, string | Uint8Array>>): string {
  const root = mkdtempSync(join(tmpdir(), 'folder-library-'));
  temp.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const GUIDE = `# Wing design guide

## Boundary layers

The boundary layer on a swept wing thickens towards the tip. Transition moves forward as the sweep angle grows.

## Shock waves

At transonic speeds a shock wave forms on the upper surface. Its position depends on the lift coefficient.

## Heat transfer

Heat transfer at hypersonic speeds is dominated by the stagnation region of the leading edge.
`;

/** Bytes that are not text: a PNG signature, then NULs and noise. */
const BINARY = Uint8Array.from({ length: 600 }, (_, i) =>
  i < 8 ? [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a][i]! : i % 4 === 0 ? 0 : (i * 37) % 256,
);

const FOLDER = {
  'notes/guide.md': GUIDE,
  'notes/later/guide.md': GUIDE, // a byte-identical copy, found after the original in path order
  'plain.txt': 'Skin friction on a flat plate was measured in a wind tunnel at several Reynolds numbers.\n',
  'page.html':
    '<!doctype html><html><head><title>Nozzle flow</title></head><body><h1>Nozzle flow</h1>' +
    '<p>Flow in a convergent divergent nozzle chokes at the throat.</p><script>var x = 1;</script></body></html>',
  'empty.txt': '',
  'photo.txt': BINARY,
  'data.xyz': 'an unknown type',
  '.hidden.md': '# Secret\n\nNever indexed.',
  '.obsidian/workspace.md': '# Editor state\n\nNever indexed.',
  'node_modules/pkg/readme.md': '# A dependency\n\nNever indexed.',
  'notes/Thumbs.db': 'cache',
  'notes/draft.md~': 'editor backup',
};

/** The folder above, plus a link back to its root (a cycle) and a link to nothing. */
function sampleFolder(): string {
  const root = tempFolder(FOLDER);
  symlinkSync(root, join(root, 'notes/back'));
  symlinkSync(join(root, 'missing.md'), join(root, 'dangling.md'));
  return root;
}

beforeAll(async () => {
  configureOffline({ modelRoot: MODEL_ROOT });
  const card = parseModelCard(JSON.parse(readFileSync(`${MODEL_ROOT}${DEMO_MODEL_ID}/model-card.json`, 'utf8')));
  keyer = await loadKeyer(DEMO_MODEL_ID, card);
});

afterAll(() => {
  for (const root of temp) rmSync(root, { recursive: true, force: true });
});

describe('folderLibrary', () => {
  it('records every kept file with the status and code the browser ingest gives it', async () => {
    const root = sampleFolder();
    const progress: [number, number, string][] = [];
    const { content, report } = await folderLibrary(root, keyer, {
      passageWords: 20,
      onProgress: (done, total, path) => progress.push([done, total, path]),
    });
    const byPath = new Map(content.documents.map((d) => [d.path, d]));
    const outcome = (path: string) => {
      const d = byPath.get(path);
      return d && [d.status, d.error?.code];
    };

    // Sorted by code units; hidden files, .obsidian, node_modules, Thumbs.db, the backup and the cycle left out.
    expect(content.documents.map((d) => d.path)).toEqual([
      'dangling.md',
      'data.xyz',
      'empty.txt',
      'notes/guide.md',
      'notes/later/guide.md',
      'page.html',
      'photo.txt',
      'plain.txt',
    ]);
    expect(outcome('notes/guide.md')).toEqual(['indexed', undefined]);
    expect(outcome('page.html')).toEqual(['indexed', undefined]);
    expect(outcome('plain.txt')).toEqual(['indexed', undefined]);
    expect(outcome('notes/later/guide.md')).toEqual(['duplicate', undefined]);
    expect(byPath.get('notes/later/guide.md')?.duplicateOf).toBe('notes/guide.md');
    expect(outcome('empty.txt')).toEqual(['failed', 'EMPTY_DOCUMENT']);
    expect(outcome('photo.txt')).toEqual(['failed', 'BINARY_CONTENT']);
    expect(outcome('data.xyz')).toEqual(['skipped', 'UNSUPPORTED_TYPE']);
    expect(byPath.get('data.xyz')?.hash).toBe(''); // never read, as in the browser
    expect(outcome('dangling.md')).toEqual(['failed', 'READ_FAILED']);
    expect(byPath.get('dangling.md')?.error?.message).toMatch(/^dangling\.md could not be read: /);
    expect(report).toMatchObject({ files: 8, indexed: 3, failed: 3, duplicates: 1, outside: [] });
    // Every entry whose text is not published is listed with its reason, in path order.
    expect(report.skipped.map((s) => [s.path, s.reason])).toEqual([
      ['.hidden.md', 'IGNORED'],
      ['.obsidian', 'IGNORED'],
      ['data.xyz', 'UNSUPPORTED_TYPE'],
      ['node_modules', 'IGNORED'],
      ['notes/Thumbs.db', 'IGNORED'],
      ['notes/back', 'ALREADY_INCLUDED'],
      ['notes/draft.md~', 'IGNORED'],
    ]);

    const guide = byPath.get('notes/guide.md')!;
    expect(guide.title).toBe('Wing design guide');
    expect(guide.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(guide.size).toBe(Buffer.byteLength(GUIDE));
    expect(guide.mtime).toBe(Math.trunc(statSync(join(root, 'notes/guide.md')).mtimeMs));
    expect(byPath.get('notes/later/guide.md')?.hash).toBe(guide.hash);
    expect(Number.isNaN(Date.parse(guide.ingestedAt))).toBe(false);

    // Passages never cross a section: the guide's title heading and its three sections (each under 20 words) are one
    // passage each. The short files are one passage each.
    const countOf = (path: string) => content.passages.filter((p) => p.documentPath === path).length;
    const guidePassages = content.passages.filter((p) => p.documentPath === 'notes/guide.md');
    expect(guidePassages.map((p) => p.section)).toEqual([
      'Wing design guide',
      'Boundary layers',
      'Shock waves',
      'Heat transfer',
    ]);
    expect(countOf('page.html')).toBe(1);
    expect(countOf('plain.txt')).toBe(1);
    for (const d of content.documents) expect(d.passages).toBe(countOf(d.path));
    expect(report.passages).toBe(content.passages.length);
    expect(content.keys).toHaveLength(content.passages.length);

    // Every passage is its source's text at [start, end); only indexed documents have sources.
    const sources = new Map(content.sources!.map((s) => [s.path, s]));
    expect([...sources.keys()]).toEqual(['notes/guide.md', 'page.html', 'plain.txt']);
    for (const p of content.passages) expect(sources.get(p.documentPath)!.text.slice(p.start, p.end)).toBe(p.text);
    expect(sources.get('page.html')!.text).not.toContain('var x');

    expect(progress.map(([done]) => done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(progress.every(([, total]) => total === 8)).toBe(true);
    expect(progress.at(-1)?.[2]).toBe('plain.txt');
  });

  it('packs a bundle that reads back, every passage reachable by its key', async () => {
    const { content } = await folderLibrary(sampleFolder(), keyer, { passageWords: 20 });
    const loaded = readLibraryBundle(unpackBundle(packBundle(libraryBundle(content))));
    expect(loaded.manifest.tokenizer).toEqual(keyer.tokenizer);
    expect(loaded.documents).toEqual(content.documents);
    expect(loaded.passages).toEqual(content.passages);
    expect(loaded.sources).toEqual(content.sources);
    expect(loaded.index.size).toBe(content.passages.length);
    content.keys.forEach((key, entry) => {
      expect(lookup(loaded.index, key.tokens, keyer.tokenizer.eosTokenId)).toContain(entry);
    });
  });

  it('gives the same documents, passages and sources as the browser Library given the same files', async () => {
    const root = sampleFolder();
    const { content } = await folderLibrary(root, keyer, { passageWords: 20 });
    const readable = content.documents.filter((d) => d.error?.code !== 'READ_FAILED');
    const library = await Library.open(await openLibraryDb('folder-library-parity'), keyer, { passageWords: 20 });
    await stageFiles(
      library,
      readable.map((d) => ({ path: d.path, blob: new Blob([readFileSync(join(root, d.path))]), mtime: d.mtime })),
    );
    await ingestQueued(library);
    const exported = readLibraryBundle(unpackBundle(await exportLibraryBundle(library)));

    const comparable = ({ ingestedAt: _at, ...d }: (typeof content.documents)[number]) => d;
    const byPath = <T extends { path: string }>(items: readonly T[]) =>
      [...items].sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(byPath(exported.documents).map(comparable)).toEqual(readable.map(comparable));
    expect(exported.passages).toEqual(content.passages);
    expect(byPath(exported.sources!)).toEqual(content.sources);
  });

  // Root reads everything, so there is nothing to observe when the tests run as root.

  it('refuses a missing folder, a file and a folder with nothing indexable, naming the path', async () => {
    const root = tempFolder({ 'a.txt': 'Some text.' });
    const refusal = async (path: string) => {
      const error = await folderLibrary(path, keyer).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FolderError);
      expect((error as FolderError).message).toContain(path);
      return (error as FolderError).code;
    };
    expect(await refusal(join(root, 'nope'))).toBe('FOLDER_NOT_FOUND');
    expect(await refusal(join(root, 'a.txt', 'below'))).toBe('FOLDER_NOT_FOUND');
    expect(await refusal(join(root, 'a.txt'))).toBe('NOT_A_FOLDER');
    expect(await refusal(tempFolder({}))).toBe('FOLDER_EMPTY');
    expect(await refusal(tempFolder({ '.git/HEAD': 'ref', 'node_modules/x/a.md': '# A' }))).toBe('FOLDER_EMPTY');
    const broken = tempFolder({ 'empty.txt': '', 'clip.mp4': new Uint8Array(100) });
    expect(await refusal(broken)).toBe('FOLDER_EMPTY');
    const error = (await folderLibrary(broken, keyer).catch((e: unknown) => e)) as FolderError;
    expect(error.message).toContain('empty.txt has no text to index');
  });
});
