// Retrieval in the browser, in both projects (wasm, WebGPU on SwiftShader), from the model worker: the same query
// gives the same ranking and the same scores as the same pipeline in Node; a cancelled search frees its cache; a
// long run of searches leaks no cache tensor (the adapter counts every tensor it owns; on WebGPU they are GPU
// buffers).
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type * as Comlink from 'comlink';
import { buildLibrary, libraryCorpus } from '../src/core/library-bundle';
import { parseModelCard } from '../src/core/model-card';
import { promptProfile } from '../src/core/prompt-profile';
import { SelfRetriever, type RetrievalMode, type SearchResult } from '../src/core/self-retriever';
import { loadKeyer } from '../src/engines/transformers/keyer';
import { loadTransformersLM } from '../src/engines/transformers/load';
import type { EngineStats } from '../src/engines/transformers/transformers-lm';
import { cranfieldLibrary } from '../src/ingest/cranfield';
import { DEMO_CRANFIELD, DEMO_MODEL_ID, MODEL_ROOT } from '../test/paths';
import type { ModelWorkerApi } from '../workers/protocol';

/** Training queries 1 and 2 (memorised) and tuning query 101 (new wording). */
const QUERIES: [string, RetrievalMode][] = [
  [
    'what similarity laws must be obeyed when constructing aeroelastic models of heated high speed aircraft .',
    'hybrid',
  ],
  ['what are the structural and aeroelastic problems associated with flight of high speed aircraft .', 'self'],
  ['what is the heat transfer to a blunt body in hypersonic flow', 'hybrid'],
];

const expected = new Map<string, SearchResult>();
let expectedLexical: SearchResult;
/** The passage ids of a ranking, as the page marks its results. */
let passageIds: (result: SearchResult) => string[];

test.beforeAll(async () => {
  const card = parseModelCard(JSON.parse(readFileSync(`${MODEL_ROOT}${DEMO_MODEL_ID}/model-card.json`, 'utf8')));
  const lm = await loadTransformersLM({ modelRoot: MODEL_ROOT }, DEMO_MODEL_ID, { device: 'cpu', dtype: card.dtype });
  const source = readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8');
  const library = buildLibrary(cranfieldLibrary(source, await loadKeyer(DEMO_MODEL_ID, card)));
  const retriever = new SelfRetriever(libraryCorpus(library), { lm, card, profile: promptProfile(card, lm.tokenizer) });
  for (const [query, mode] of QUERIES) expected.set(query, await retriever.search(query, { mode }));
  expectedLexical = await retriever.search(QUERIES[0]![0], { mode: 'lexical' });
  passageIds = (result) => result.results.map((r) => library.passages[r.entry]!.id);
});

const shownIds = (page: Page) =>
  page
    .getByTestId('results')
    .locator('li')
    .evaluateAll((lis) => lis.map((li) => li.dataset['passageId']));

test('answers with BM25 while the model loads, then replaces the results with the model’s', async ({
  page,
  context,
}, info) => {
  // Hold the model's weights back: the page is up, the model is not.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await context.route('**/models/cranfield-tiny/onnx/model.onnx', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`/?device=${info.project.name}`);
  await expect(page.getByTestId('library')).toContainText('1,400 passages');
  const [query] = QUERIES[0]!;
  await page.getByTestId('mode').selectOption('hybrid');
  await page.getByTestId('query').fill(query);
  await page.getByTestId('search-form').getByRole('button', { name: 'Search' }).click();
  const status = page.getByTestId('search-status');
  await expect(status).toHaveAttribute('data-state', 'interim');
  await expect(status).toHaveAttribute('data-fallback', 'model-loading');
  await expect(status).toHaveAttribute('data-mode', 'lexical');
  await expect(status).toContainText('keyword matches while the model loads');
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loading');
  expect(await shownIds(page)).toEqual(passageIds(expectedLexical));

  release();
  await expect(status).toHaveAttribute('data-state', 'done');
  await expect(status).toHaveAttribute('data-mode', 'hybrid');
  await expect(status).not.toHaveAttribute('data-fallback');
  expect(await shownIds(page)).toEqual(passageIds(expected.get(query)!));
});

async function openApp(page: Page, device: string): Promise<void> {
  await page.goto(`/?debug&device=${device}`);
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-device', device);
}

test('ranks exactly as Node does, with the same scores, from the model worker', async ({ page }, info) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await openApp(page, info.project.name);
  for (const [query, mode] of QUERIES) {
    await page.getByTestId('mode').selectOption(mode);
    await page.getByTestId('query').fill(query);
    await page.getByTestId('search-form').getByRole('button', { name: 'Search' }).click();
    const status = page.getByTestId('search-status');
    await expect(status).toHaveAttribute('data-state', 'done');
    await expect(status).toHaveAttribute('data-mode', mode);
    const want = expected.get(query)!;
    const items = page.getByTestId('results').locator('li');
    await expect(items).toHaveCount(want.results.length);
    const got = await items.evaluateAll((lis) =>
      lis.map((li) => ({
        passageId: li.dataset['passageId'],
        fused: Number(li.dataset['fused']),
        path: Number(li.dataset['path']),
      })),
    );
    expect(got.map((g) => g.passageId)).toEqual(passageIds(want));
    got.forEach((g, i) => {
      expect(g.fused).toBeCloseTo(want.results[i]!.scores.fused, 3);
      expect(g.path).toBeCloseTo(want.results[i]!.scores.path!, 3);
    });
    // The demo model cannot write answers: the page says so plainly.
    await expect(page.getByTestId('answer')).toHaveAttribute('data-state', 'unavailable');
    await expect(page.getByTestId('answer')).toContainText('No answer model is loaded');
    await expect(status).toHaveAttribute('data-live-tensors', '0');
  }
  expect(pageErrors).toEqual([]);
});

type WorkerWindow = typeof globalThis & { selfRetrievalWorker: Comlink.Remote<ModelWorkerApi> };

test('a cancelled search stops and frees its cache; 100 searches leak no cache tensor', async ({ page }, info) => {
  test.setTimeout(900_000);
  await openApp(page, info.project.name);
  const cancelled = await page.evaluate(async (query) => {
    const worker = (globalThis as WorkerWindow).selfRetrievalWorker;
    const search = worker.search({ id: 'to-cancel', query, settings: { titleBeams: 20, contentBeams: 10 } });
    await worker.cancel('to-cancel');
    const error = await search.then(
      () => 'finished',
      (e: unknown) => (e as Error).name,
    );
    return { error, stats: await worker.engineStats() };
  }, QUERIES[0]![0]);
  expect(cancelled.error).toBe('AbortError');
  expect(cancelled.stats).toMatchObject({ liveTensors: 0, liveHandles: 0 });

  const run = await page.evaluate(
    async (queries) => {
      const worker = (globalThis as WorkerWindow).selfRetrievalWorker;
      const leaks: EngineStats[] = [];
      let results = 0;
      let forwardPasses = 0;
      for (let i = 0; i < 100; i++) {
        // Mostly greedy searches (one beam: SwiftShader runs WebGPU on the CPU, slowly); every tenth forks beams,
        // gathers cache rows and self-assesses, the paths where a tensor could be lost.
        const full = i % 10 === 0;
        const response = await worker.search({
          id: `run-${i}`,
          query: `${queries[i % queries.length]} ${i}`,
          settings: full
            ? { titleBeams: 3, contentBeams: 2, k: 3 }
            : { titleBeams: 1, contentBeams: 1, k: 1, assess: false },
        });
        results += response.hits.length;
        forwardPasses = (await worker.engineStats()).forwardPasses;
        const stats = await worker.engineStats();
        if (stats.liveTensors !== 0 || stats.liveHandles !== 0) leaks.push(stats);
      }
      return { leaks, results, forwardPasses };
    },
    QUERIES.map(([q]) => q),
  );
  expect(run.leaks).toEqual([]);
  expect(run.results).toBeGreaterThanOrEqual(100);
  expect(run.forwardPasses).toBeGreaterThan(300);
});
