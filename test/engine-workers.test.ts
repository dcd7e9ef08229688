// The engine workers' real code driven through Comlink over a MessageChannel, as the page and the widget drive the
// workers: the app's model service (what model.worker.ts serves) and the widget's service (what widget.worker.ts
// serves), both over one engine session, with the demo model on the CPU backend of transformers.js. The demo is a
// sharded bundle, read lazily as the widget reads a site's; a model load keys a bundle at most once; the user's library is
// followed by the ingest worker's deltas, so a search after a commit reads only the library's manifest and the text
// of its hits.
import 'fake-indexeddb/auto';
import '../workers/coded-errors';
import { readFileSync } from 'node:fs';
import * as Comlink from 'comlink';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { packBundle } from '../src/core/bundle';
import { CorpusIndex } from '../src/core/corpus-index';
import { libraryBundle, readLibraryBundle } from '../src/core/library-bundle';
import { parseModelCard, type ModelCard } from '../src/core/model-card';
import { parseShardedManifest, ShardedBundle, shardedBundle, type ShardedManifest } from '../src/core/sharded-bundle';
import type { PassageKeyer } from '../src/core/passage-keyer';
import { loadKeyer } from '../src/engines/transformers/keyer';
import { configureOffline } from '../src/engines/transformers/runtime';
import { cranfieldLibrary, cranfieldPassages } from '../src/ingest/cranfield';
import { openLibraryDb } from '../src/store/schema';
import type { DeviceChoice } from '../workers/device';
import type { LibraryChannelMessage, LibraryEvent, LibraryWorkerApi } from '../workers/library-protocol';
import { serveLibrary } from '../workers/library-service';
import { serveModel } from '../workers/model-service';
import type { ModelWorkerApi, SearchProgress } from '../workers/protocol';
import type { WidgetModelState, WidgetWorkerApi } from '../workers/widget-protocol';
import { serveWidget } from '../workers/widget-service';
import { memoryLocks } from './memory-locks';
import { DEMO_CRANFIELD, DEMO_MODEL_ID, MODEL_ROOT } from './paths';

/** A training query of the demo model: the model alone finds its passages. */
const QUERY = 'what are the structural and aeroelastic problems associated with flight of high speed aircraft .';
const CPU: DeviceChoice = { device: 'cpu', reason: 'Node: the CPU backend', shaderF16: false };

let keyer: PassageKeyer;
let card: ModelCard;
let source: string;
let demoFiles: ReadonlyMap<string, Uint8Array>;
/** Files of the demo bundle read so far, in order. */
const demoReads: string[] = [];
let dbCount = 0;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  configureOffline({ modelRoot: MODEL_ROOT });
  card = parseModelCard(JSON.parse(readFileSync(`${MODEL_ROOT}${DEMO_MODEL_ID}/model-card.json`, 'utf8')));
  keyer = await loadKeyer(DEMO_MODEL_ID, card);
  source = readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8');
  // What `npm run build:demo` writes with the CLI: the collection as a sharded bundle, keyed for the demo model.
  demoFiles = (await shardedBundle(cranfieldLibrary(source, keyer))).files;
});

afterEach(() => {
  vi.restoreAllMocks();
  cleanups.splice(0).forEach((c) => c());
});

function shardedManifest(files: ReadonlyMap<string, Uint8Array>): ShardedManifest {
  return parseShardedManifest(JSON.parse(new TextDecoder().decode(files.get('manifest.json'))));
}

/** Both ends of a channel: `serve` gets one, the caller's Comlink proxy the other. */
function connect<T>(serve: (endpoint: MessagePort) => { close(): void } | void): Comlink.Remote<T> {
  const { port1, port2 } = new MessageChannel();
  const service = serve(port1);
  const remote = Comlink.wrap<T>(port2);
  cleanups.push(() => {
    service?.close();
    remote[Comlink.releaseProxy]();
    port1.close();
    port2.close();
  });
  return remote;
}

/** This test loads the built-in model only: the model cache is never opened. */
function noModelCache(): Promise<never> {
  const none = Promise.reject(new Error('no model cache in this test'));
  none.catch(() => undefined);
  return none;
}

function modelService(dbName: string, channel: string): Comlink.Remote<ModelWorkerApi> {
  return connect<ModelWorkerApi>((endpoint) =>
    serveModel(endpoint, {
      chooseDevice: () => Promise.resolve(CPU),
      demo: {
        name: 'Cranfield',
        open: () =>
          ShardedBundle.open((file) => {
            const bytes = demoFiles.get(file);
            demoReads.push(file);
            return bytes ? Promise.resolve(bytes) : Promise.reject(new Error(`no file ${file}`));
          }),
        exampleQueries: () => Promise.resolve(['what similarity laws must be obeyed']),
      },
      builtinCard: () => Promise.resolve(card),
      modelStore: noModelCache(),
      openDb: (onVersionChange) => openLibraryDb(dbName, { onVersionChange }),
      locks: memoryLocks(),
      storageEstimate: () => Promise.resolve({}),
      exit: () => undefined,
      channel,
    }),
  );
}

describe('the model service over a MessageChannel', () => {
  it('answers from the demo bundle with BM25 before a model, then loads one without re-keying the demo', async () => {
    const worker = modelService(`engine-${dbCount++}`, `library-engine-${dbCount}`);
    demoReads.length = 0;
    const demo = await worker.describeDemoLibrary();
    expect(demo).toMatchObject({ name: 'Cranfield', passages: 1400 });
    // The demo is read lazily: its manifest to open it, then what each search needs.
    expect(demoReads).toEqual(['manifest.json']);

    const before = await worker.search({ id: 's1', query: QUERY, settings: { mode: 'self' } });
    expect(before).toMatchObject({ library: 'demo', mode: 'lexical', fallback: 'no-model' });
    expect(before.hits).toHaveLength(10);
    expect(before.hits[0]?.rank).toBe(1);
    expect(before.hits[0]?.passage.documentPath).toMatch(/^cranfield\//);
    const manifest = shardedManifest(demoFiles);
    expect(demoReads).not.toContain(manifest.index.file);
    expect(demoReads.length).toBeLessThan(demoFiles.size / 4);

    const builds = vi.spyOn(CorpusIndex, 'build');
    const status = await worker.load({ model: { kind: 'builtin', id: DEMO_MODEL_ID }, device: 'auto' });
    expect(status).toMatchObject({ modelId: DEMO_MODEL_ID, device: 'cpu', passages: 1400, answers: false });
    // The bundle was keyed for this model at build time: the load fetched its index and built none.
    expect(builds).not.toHaveBeenCalled();
    expect(demoReads).toContain(manifest.index.file);

    const progress: SearchProgress['type'][] = [];
    const searched = await worker.search(
      { id: 's2', query: QUERY, settings: { mode: 'self' }, answer: { force: true, maxTokens: 4 } },
      Comlink.proxy((p: SearchProgress) => void progress.push(p.type)),
    );
    expect(searched.mode).toBe('self');
    expect(searched.fallback).toBeUndefined();
    expect(searched.hits.length).toBeGreaterThan(0);
    expect(searched.answer).toBeDefined();
    expect(searched.engine).toMatchObject({ liveTensors: 0, liveHandles: 0 });
    await expect.poll(() => progress.includes('answering')).toBe(true);
    expect(progress).toContain('candidate');
    expect(progress).toContain('ranked');

    const text = await worker.documentText('demo', searched.hits[0]!.passage.documentPath);
    expect(text?.text).toContain(searched.hits[0]!.passage.text.slice(0, 40));

    // A search cancelled mid-decode rejects, and the next one works.
    const cancelled = worker.search({ id: 's3', query: QUERY, settings: { mode: 'self' } });
    await worker.cancel('s3');
    await expect(cancelled).rejects.toThrow();
    expect((await worker.search({ id: 's4', query: 'heat transfer', settings: { mode: 'hybrid' } })).mode).toBe(
      'hybrid',
    );
  });

  it('follows the user library by deltas: a search after a commit reads the manifest and its hits’ text', async () => {
    const dbName = `engine-${dbCount++}`;
    const channel = `library-${dbName}`;
    const library = connect<LibraryWorkerApi>((endpoint) =>
      serveLibrary(endpoint, {
        openDb: (onVersionChange) => openLibraryDb(dbName, { onVersionChange }),
        keyerFor: () => Promise.resolve(keyer),
        locks: memoryLocks(),
        channel,
      }),
    );
    const committed: number[] = [];
    const observer = new BroadcastChannel(channel);
    observer.onmessage = (e: MessageEvent<LibraryChannelMessage>) => {
      if (e.data.type === 'committed' && e.data.delta.kind === 'passages') {
        committed.push(e.data.delta.manifest.generation);
      }
    };
    cleanups.push(() => observer.close());
    const papers = cranfieldPassages(source).map((p) => ({
      path: `papers/${p.id}.txt`,
      file: new File([`${p.title}\n\n${p.text}\n`], `${p.id}.txt`),
    }));
    const ingested = async (files: typeof papers) => {
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      await library.open(
        DEMO_MODEL_ID,
        Comlink.proxy((e: LibraryEvent) => e.type === 'progress' && e.progress.phase === 'done' && done()),
      );
      await library.add(files);
      await finished;
      const { generation } = await library.view();
      await expect.poll(() => committed.at(-1)).toBe(generation);
    };
    await ingested(papers.slice(0, 20));

    const worker = modelService(dbName, channel);
    await worker.load({ model: { kind: 'builtin', id: DEMO_MODEL_ID }, device: 'auto' });
    const first = await worker.search({ id: 'm1', query: QUERY, library: 'mine', settings: { mode: 'hybrid' } });
    expect(first).toMatchObject({ library: 'mine', mode: 'hybrid' });
    expect(first.fallback).toBeUndefined();

    // The paper the query was written for, added now: the model worker hears the commit's delta and applies it.
    await ingested(papers.slice(20, 40));
    const reads = countReads();
    const second = await worker.search({ id: 'm2', query: QUERY, library: 'mine', settings: { mode: 'lexical' } });
    // The manifest, to know the copy is current, and the text of the hits: passages are read, never held.
    expect(reads()).toBeGreaterThan(1);
    expect(reads()).toBeLessThanOrEqual(1 + second.hits.length);
    const found = second.hits.map((h) => h.passage.documentPath);
    expect(found.some((path) => Number(/papers\/(\d+)/.exec(path)?.[1]) > 20)).toBe(true);
  });
});

/** Counts read requests made of IndexedDB from now until the returned function is called. */
function countReads(): () => number {
  const methods = ['get', 'getAll', 'getAllKeys', 'getKey', 'count', 'openCursor', 'openKeyCursor'] as const;
  const spies = [IDBObjectStore.prototype, IDBIndex.prototype].flatMap((proto) =>
    methods.map((m) => vi.spyOn(proto as unknown as Record<string, () => unknown>, m)),
  );
  return () => spies.reduce((n, spy) => n + spy.mock.calls.length, 0);
}

describe('the widget service over a MessageChannel', () => {
  it('reads a sharded bundle lazily: the manifest to open, a query’s chunks and fragments, the index for the model', async () => {
    // Indexed with the same model under another name (as a site owner's folder is named): the keys are the same
    // (the fingerprint says so), so the model uses the bundle's index.
    const content = cranfieldLibrary(source, keyer);
    const { files } = await shardedBundle({ ...content, tokenizer: { ...content.tokenizer, id: 'docs-model' } });
    const requests: string[] = [];
    const widget = connect<WidgetWorkerApi>((endpoint) =>
      serveWidget(endpoint, {
        chooseDevice: () => Promise.resolve(CPU),
        acquireModel: () =>
          Promise.resolve({ modelId: DEMO_MODEL_ID, name: card.name, card, dtype: 'fp32', fromCache: true }),
        fetch: (url) => {
          const name = url.slice('https://example.org/search/'.length);
          requests.push(name);
          const bytes = files.get(name);
          return Promise.resolve(bytes ? new Response(new Blob([bytes.slice()])) : new Response(null, { status: 404 }));
        },
      }),
    );
    const summary = await widget.open(
      { indexUrl: 'https://example.org/search/' },
      Comlink.proxy(() => undefined),
    );
    expect(summary).toEqual({ passages: 1400, documents: 1400 });
    expect(requests).toEqual(['manifest.json']);

    const keyword = await widget.search({ id: 'k1', query: 'wing propeller slipstream lift', mode: 'lexical' });
    expect(keyword.hits).toHaveLength(10);
    const all = readLibraryBundle(libraryBundle(cranfieldLibrary(source, keyer)));
    expect(keyword.hits.map((h) => h.passage)).toEqual(
      all.lexical.query('wing propeller slipstream lift', 10).map((h) => all.passages[h.entry]),
    );
    const total = [...files.values()].reduce((n, b) => n + b.length, 0);
    const fetched = () => requests.reduce((n, name) => n + (files.get(name)?.length ?? 0), 0);
    expect(fetched()).toBeLessThan(total / 5);
    expect(requests).not.toContain(shardedManifest(files).index.file);

    // The model needs the corpus index, fetched once when it loads; then self mode decodes over it.
    const builds = vi.spyOn(CorpusIndex, 'build');
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    await widget.open(
      { indexUrl: 'https://example.org/search/manifest.json', model: { kind: 'registry', id: DEMO_MODEL_ID } },
      Comlink.proxy((state: WidgetModelState) => (state.phase === 'ready' || state.phase === 'failed') && ready()),
    );
    await isReady;
    expect(requests.filter((name) => name === shardedManifest(files).index.file)).toHaveLength(1);
    // No passage was keyed (the only index built is the empty one a corpus without a model searches).
    expect(builds.mock.calls.map(([keys]) => keys.length)).toEqual([0]);
    const searched = await widget.search({ id: 'k2', query: QUERY, mode: 'self' });
    expect(searched).toMatchObject({ mode: 'self' });
    expect(searched.fallback).toBeUndefined();
    expect(searched.hits.length).toBeGreaterThan(0);
    const document = await widget.document(searched.hits[0]!.passage.documentPath);
    expect(document?.text).toContain(searched.hits[0]!.passage.text);
    expect(fetched()).toBeLessThan(total / 2);
  });

  it('opens a site bundle, answers with BM25 at once, and keys the bundle once for a model of another tokenizer', async () => {
    const content = cranfieldLibrary(source, keyer);
    // Indexed for another model: the widget's model must key the passages itself, once.
    const tokenizer = { ...content.tokenizer, id: 'another-model', fingerprint: '0123456789abcdef' };
    const foreign = packBundle(libraryBundle({ ...content, tokenizer }));
    const widget = connect<WidgetWorkerApi>((endpoint) =>
      serveWidget(endpoint, {
        chooseDevice: () => Promise.resolve(CPU),
        acquireModel: (_source, _choice, report) => {
          report({ phase: 'downloading', name: card.name, loaded: 0, total: null });
          return Promise.resolve({ modelId: DEMO_MODEL_ID, name: card.name, card, dtype: 'fp32', fromCache: true });
        },
        fetch: (url) =>
          Promise.resolve(
            url.endsWith('/site.srbundle')
              ? new Response(new Blob([foreign.slice()]))
              : new Response(null, { status: 404 }),
          ),
      }),
    );
    await expect(
      widget.open(
        { indexUrl: 'https://example.org/missing' },
        Comlink.proxy(() => undefined),
      ),
    ).rejects.toThrow(/was not found/);

    const builds = vi.spyOn(CorpusIndex, 'build');
    const phases: WidgetModelState['phase'][] = [];
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const summary = await widget.open(
      { indexUrl: 'https://example.org/site.srbundle', model: { kind: 'registry', id: DEMO_MODEL_ID } },
      Comlink.proxy((state: WidgetModelState) => {
        phases.push(state.phase);
        if (state.phase === 'ready' || state.phase === 'failed') ready();
      }),
    );
    expect(summary).toEqual({ passages: 1400, documents: 1400 });
    const interim = await widget.search({ id: 'w1', query: 'wing propeller slipstream lift', mode: 'hybrid' });
    if (!phases.includes('ready')) expect(interim).toMatchObject({ mode: 'lexical', fallback: 'model-loading' });
    expect(interim.hits).toHaveLength(10);

    await isReady;
    expect(phases).toEqual(['downloading', 'loading', 'ready']);
    expect(builds).toHaveBeenCalledTimes(1);
    const searched = await widget.search({ id: 'w2', query: QUERY, mode: 'self' });
    expect(searched.mode).toBe('self');
    expect(searched.fallback).toBeUndefined();
    expect(searched.hits.length).toBeGreaterThan(0);
    const document = await widget.document(searched.hits[0]!.passage.documentPath);
    expect(document?.text).toContain(searched.hits[0]!.passage.text.slice(0, 40));
  });
});
