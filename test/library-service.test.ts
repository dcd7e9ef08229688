// The ingest worker's real code (workers/library-service.ts, what ingest.worker.ts serves) driven through Comlink over
// a MessageChannel, as the page drives the worker: a library is opened for the demo model, files are added and
// internalized in the background with progress events, searched, checked, and a second tab's service is refused
// the writer's lock while the first writes. Node has no Web Locks: a minimal in-memory LockManager stands in.
import 'fake-indexeddb/auto';
import '../workers/coded-errors';
import { readFileSync } from 'node:fs';
import * as Comlink from 'comlink';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseModelCard } from '../src/core/model-card';
import type { PassageKeyer } from '../src/core/passage-keyer';
import { loadKeyer } from '../src/engines/transformers/keyer';
import { configureOffline } from '../src/engines/transformers/runtime';
import { cranfieldPassages } from '../src/ingest/cranfield';
import type { LibraryDelta } from '../src/store/library';
import { openLibraryDb } from '../src/store/schema';
import type { LibraryChannelMessage, LibraryEvent, LibraryWorkerApi } from '../workers/library-protocol';
import { serveLibrary } from '../workers/library-service';
import { memoryLocks } from './memory-locks';
import { DEMO_CRANFIELD, DEMO_MODEL_ID, MODEL_ROOT } from './paths';

let keyer: PassageKeyer;
let dbCount = 0;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  configureOffline({ modelRoot: MODEL_ROOT });
  const card = parseModelCard(JSON.parse(readFileSync(`${MODEL_ROOT}${DEMO_MODEL_ID}/model-card.json`, 'utf8')));
  keyer = await loadKeyer(DEMO_MODEL_ID, card);
});

afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** One tab's library worker: the service on one end of a channel, the page's Comlink proxy on the other. */
function tab(dbName: string, locks: Pick<LockManager, 'request'>, channel: string): Comlink.Remote<LibraryWorkerApi> {
  const { port1, port2 } = new MessageChannel();
  const service = serveLibrary(port1, {
    openDb: (onVersionChange) => openLibraryDb(dbName, { onVersionChange }),
    keyerFor: () => Promise.resolve(keyer),
    locks,
    channel,
  });
  const remote = Comlink.wrap<LibraryWorkerApi>(port2);
  cleanups.push(() => {
    service.close();
    remote[Comlink.releaseProxy]();
    port1.close();
    port2.close();
  });
  return remote;
}

/** Resolves with the events heard until `done` says stop. */
function listen(done: (event: LibraryEvent) => boolean): {
  listener: (e: LibraryEvent) => void;
  heard: Promise<LibraryEvent[]>;
} {
  const events: LibraryEvent[] = [];
  let finish!: (events: LibraryEvent[]) => void;
  const heard = new Promise<LibraryEvent[]>((resolve) => (finish = resolve));
  return {
    listener: (event) => {
      events.push(event);
      if (done(event)) finish(events);
    },
    heard,
  };
}

const papers = (n: number) =>
  cranfieldPassages(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8'))
    .slice(0, n)
    .map((p) => ({ path: `papers/${p.id}.txt`, file: new File([`${p.title}\n\n${p.text}\n`], `${p.id}.txt`) }));

describe('the library service over a MessageChannel', () => {
  it('opens, internalizes files in the background with progress, searches, checks, and publishes deltas', async () => {
    const dbName = `service-${dbCount++}`;
    const channelName = `library-${dbName}`;
    const deltas: LibraryDelta[] = [];
    const observer = new BroadcastChannel(channelName);
    observer.onmessage = (e: MessageEvent<LibraryChannelMessage>) => {
      if (e.data.type === 'committed') deltas.push(e.data.delta);
    };
    cleanups.push(() => observer.close());
    const library = tab(dbName, memoryLocks(), channelName);
    const { listener, heard } = listen((e) => e.type === 'progress' && e.progress.phase === 'done');
    const opened = await library.open(DEMO_MODEL_ID, Comlink.proxy(listener));
    expect(opened).toMatchObject({ modelId: DEMO_MODEL_ID, passages: 0, queued: 0, needsRekey: false });

    const files = papers(30);
    const added = await library.add(files);
    // Queued (kept with their bytes) or already internalized by the run that started at once.
    expect(added.queued + added.indexedDocuments).toBe(30);
    const events = await heard;
    expect(events.some((e) => e.type === 'progress' && e.progress.phase === 'ingesting')).toBe(true);
    const view = await library.view();
    expect(view.queued).toBe(0);
    expect(view.indexedDocuments).toBe(30);
    expect(view.passages).toBeGreaterThanOrEqual(30);

    const hits = await library.search('boundary layer', 5);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]?.rank).toBe(1);
    expect(hits[0]?.passage.documentPath).toMatch(/^papers\//);
    expect(hits[0]!.scores.fused).toBe(hits[0]!.scores.lexical);
    expect(await library.check()).toMatchObject({ ok: true, storedPassages: view.passages });

    // Every commit went out as a delta, in order, ending at the library's generation.
    const lastGeneration = () => {
      const delta = deltas.at(-1);
      return delta?.kind === 'passages' ? delta.manifest.generation : undefined;
    };
    await expect.poll(lastGeneration).toBe(view.generation);
    expect(deltas.reduce((n, d) => n + (d.kind === 'passages' ? d.added.length : 0), 0)).toBe(view.passages);
  });

  it('a second tab is refused the writer’s lock while the first writes, and sees the result', async () => {
    const dbName = `service-${dbCount++}`;
    const channelName = `library-${dbName}`;
    const locks = memoryLocks();
    const first = tab(dbName, locks, channelName);
    const second = tab(dbName, locks, channelName);
    const { listener, heard } = listen((e) => e.type === 'progress' && e.progress.phase === 'done');
    await first.open(DEMO_MODEL_ID, Comlink.proxy(listener));
    await second.open(
      DEMO_MODEL_ID,
      Comlink.proxy(() => undefined),
    );
    await first.add(papers(40));
    const refused = await second.remove(['papers/1.txt']).then(
      () => 'removed',
      (error: unknown) => (error as { code?: string }).code,
    );
    await heard;
    // The first tab's run took the lock when `add` returned, and holds it for the whole run (40 files to parse and
    // key): the second tab is told at once, and follows the first's commits.
    expect(refused).toBe('LIBRARY_BUSY');
    await expect.poll(async () => (await second.view()).indexedDocuments).toBe(40);
  });
});
