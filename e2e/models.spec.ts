// The model runtime in the browser, in both projects: a model downloaded from "the hub" and "a mirror" (a local
// server, e2e/model-hub.ts, serving the fixture model under SmolLM2-135M-Instruct's layout) with progress, resumed
// after the server drops the connection mid-file, cancelled, deleted, and loaded again with the network off; a
// model folder picked from disk, which re-keys the user's library; forced failures, each with its own message while
// keyword search keeps working; the worker killed mid-search and restarted; the device in use.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_MODEL_ID, MODEL_ROOT } from '../test/paths';
import { makeLibraryFolder } from './library-folders';
import type { ModelWorkerApi } from '../workers/protocol';
import { chatFixtureFiles, MIRROR_PATH, ModelHub } from './model-hub';
import { screenshot } from './screenshot';

const QUERY =
  'what similarity laws must be obeyed when constructing aeroelastic models of heated high speed aircraft .';

let hub: ModelHub;
test.beforeEach(async () => {
  hub = await ModelHub.start();
});
test.afterEach(async () => {
  await hub.close();
});

async function openApp(page: Page, device: string): Promise<void> {
  await page.goto(`/?debug&device=${device}&hub=${encodeURIComponent(hub.url)}#model`);
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('model-list').locator('li[data-builtin]')).toHaveCount(1);
}

/** Searches the chosen library through the page and waits for a final ranking. */
async function search(page: Page, library: 'demo' | 'mine' = 'demo', mode = 'hybrid') {
  await page.getByTestId('search-library').selectOption(library);
  await page.getByTestId('mode').selectOption(mode);
  await page.getByTestId('query').fill(QUERY);
  await page.getByTestId('search-form').getByRole('button', { name: 'Search' }).click();
  const status = page.getByTestId('search-status');
  await expect(status).toHaveAttribute('data-state', /^(done|error)$/);
  // Back to the Model view, where these tests work.
  await page.getByTestId('nav-model').click();
  return status;
}

const storedRow = (page: Page) => page.getByTestId('model-list').locator('li[data-key]');

test('downloads from the hub with progress, resumes after the connection drops, and loads offline from the cache', async ({
  page,
  context,
}, info) => {
  test.setTimeout(600_000);
  const device = info.project.name;
  hub.dropWeightsOnce(2_000_000);
  await openApp(page, device);
  await page.getByTestId('model-choice').selectOption('smollm2-135m-instruct');
  await expect(page.getByTestId('model-info')).toContainText('Apache-2.0');
  await page.getByTestId('download-model').click();

  // The weights stop after 2 MB: a clear message, the bytes kept, and a resume offered.
  const error = page.getByTestId('model-error');
  await expect(error).toHaveAttribute('data-code', 'DOWNLOAD_INTERRUPTED');
  await expect(error).toContainText('Resume');
  await expect(storedRow(page)).toHaveAttribute('data-state', 'partial');
  const kept = Number(await page.getByTestId('model-progress').getAttribute('data-loaded'));
  expect(kept).toBeGreaterThan(1_000_000);

  // The partial download outlives the page: after a reload it is listed, and goes on from where it stopped.
  await openApp(page, device);
  await expect(storedRow(page)).toHaveAttribute('data-state', 'partial');
  await expect(storedRow(page)).toContainText('incomplete');
  await storedRow(page).getByRole('button', { name: 'Resume download' }).click();
  const status = page.getByTestId('model-status');
  await expect(status).toHaveAttribute('data-model-id', /^store\/hub\.smollm2-135m-instruct\./);
  await expect(status).toHaveAttribute('data-state', 'ready');
  await expect(status).toHaveAttribute('data-device', device);
  await expect(storedRow(page)).toHaveAttribute('data-state', 'complete');
  await expect(page.getByTestId('model-error')).toBeHidden();
  // The resumed request asked only for the rest of the file.
  const weights = hub.weightRequests();
  expect(weights).toHaveLength(2);
  expect(weights[0]!.range).toBeUndefined();
  expect(Number(/^bytes=(\d+)-$/.exec(weights[1]!.range ?? '')?.[1])).toBeGreaterThan(1_000_000);

  // A zero-shot chat model (no card): the demo library is keyed for it and searched by it.
  const searched = await search(page);
  await expect(searched).toHaveAttribute('data-state', 'done');
  await expect(searched).not.toHaveAttribute('data-fallback', /./);
  await expect(page.getByTestId('results').locator('li')).not.toHaveCount(0);

  // Offline: the cached model loads again (a fresh session) from the model cache alone, and searches.
  const seen = hub.requests.length;
  await context.setOffline(true);
  await status.evaluate((el) => el.removeAttribute('data-model-id'));
  await storedRow(page).getByRole('button', { name: 'Load' }).click();
  await expect(status).toHaveAttribute('data-model-id', /^store\/hub\./);
  await expect(status).toHaveAttribute('data-state', 'ready');
  const offline = await search(page);
  await expect(offline).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('results').locator('li')).not.toHaveCount(0);
  expect(hub.requests.length).toBe(seen);
  await context.setOffline(false);
});

test('a download can be cancelled, then deleted; a mirror serves the same layout', async ({ page }, info) => {
  test.setTimeout(600_000);
  const release = hub.holdWeights(1_000_000);
  await openApp(page, info.project.name);
  await page.getByTestId('download-model').click(); // the first registry model: SmolLM2 135M
  const progress = page.getByTestId('model-progress');
  await expect(progress).toHaveAttribute('data-loaded', /^[1-9]\d{6,}$/);
  await expect(page.getByTestId('model-progress-text')).toContainText('onnx/model');
  await page.getByTestId('cancel-download').click();
  await expect(page.getByTestId('model-error')).toHaveAttribute('data-code', 'DOWNLOAD_CANCELLED');
  release();
  await expect(storedRow(page)).toHaveAttribute('data-state', 'partial');
  await storedRow(page).getByRole('button', { name: 'Delete' }).click();
  await expect(storedRow(page)).toHaveCount(0);

  // The same model from a mirror URL: no checksums there, sizes from HEAD.
  await page.getByTestId('source-url').check();
  await page.getByTestId('mirror-url').fill(`${hub.url}${MIRROR_PATH}`);
  await page.getByTestId('download-model').click();
  const status = page.getByTestId('model-status');
  await expect(status).toHaveAttribute('data-model-id', /^store\/url\./);
  await expect(status).toHaveAttribute('data-state', 'ready');
  await expect(storedRow(page)).toContainText(`from ${hub.url}${MIRROR_PATH}`);
  expect(hub.requests.some((r) => r.method === 'HEAD' && r.path === 'config.json')).toBe(true);
});

test('forced failures each say what happened, and keyword search keeps working', async ({ page }, info) => {
  test.setTimeout(600_000);
  const device = info.project.name;
  await openApp(page, device);
  const error = page.getByTestId('model-error');
  const status = page.getByTestId('model-status');

  // A file the listing names is missing on the server.
  hub.missing.add('tokenizer.json');
  await page.getByTestId('download-model').click();
  await expect(error).toHaveAttribute('data-code', 'MODEL_FILE_NOT_FOUND');
  await expect(error).toContainText('tokenizer.json not found');
  hub.missing.clear();
  await storedRow(page).getByRole('button', { name: 'Delete' }).click();
  await expect(storedRow(page)).toHaveCount(0);

  // Damaged weights from the hub: the published SHA-256 catches them.
  const weights = chatFixtureFiles().get('onnx/model.onnx')!;
  const damaged = Buffer.from(weights);
  damaged.fill(7, 1000, 5000);
  for (const name of ['model.onnx', 'model_quantized.onnx', 'model_q4.onnx', 'model_q4f16.onnx', 'model_fp16.onnx']) {
    hub.damaged.set(`onnx/${name}`, damaged);
  }
  await page.getByTestId('download-model').click();
  await expect(error).toHaveAttribute('data-code', 'CHECKSUM_MISMATCH');
  await storedRow(page).getByRole('button', { name: 'Delete' }).click();
  await expect(storedRow(page)).toHaveCount(0);

  // A corrupt ONNX file from a mirror (no checksum to catch it): ONNX Runtime refuses it, the page says so.
  const garbage = Buffer.alloc(weights.length, 0x5a);
  for (const name of hub.damaged.keys()) hub.damaged.set(name, garbage);
  await page.getByTestId('source-url').check();
  await page.getByTestId('mirror-url').fill(`${hub.url}${MIRROR_PATH}`);
  await page.getByTestId('download-model').click();
  await expect(status).toHaveAttribute('data-code', 'MODEL_LOAD_FAILED');
  await expect(status).toContainText('could not be loaded');
  // The header says what answers instead, from every view.
  await expect(page.getByTestId('answering')).toHaveAttribute('data-state', 'error');
  await expect(page.getByTestId('answering')).toContainText('keywords (BM25)');
  await screenshot(page, info, 'models-load-failed');
  // The page starts a fresh worker after a failed load (ONNX Runtime may be left unusable): no model, not a failed one.
  let searched = await search(page);
  await expect(searched).toHaveAttribute('data-fallback', 'no-model');
  await expect(page.getByTestId('results').locator('li')).toHaveCount(10);
  await storedRow(page).getByRole('button', { name: 'Delete' }).click();
  await expect(storedRow(page)).toHaveCount(0);
  await page.getByTestId('model-list').locator('li[data-builtin]').getByRole('button', { name: 'Load' }).click();
  await expect(status).toHaveAttribute('data-state', 'ready');

  // Too little storage: refused before a byte is downloaded. (CDP's Storage.overrideQuotaForOrigin does not reach
  // navigator.storage.estimate() in Playwright's contexts, so the model is made larger than the real quota.)
  hub.damaged.clear();
  const { quota } = await page.evaluate(() => navigator.storage.estimate());
  for (const name of ['model.onnx', 'model_quantized.onnx', 'model_q4.onnx', 'model_q4f16.onnx', 'model_fp16.onnx']) {
    hub.listedSizes.set(`onnx/${name}`, (quota ?? 0) + 1e9);
  }
  const before = hub.weightRequests().length;
  await page.locator('input[name="model-source"][value="hub"]').check();
  await page.getByTestId('download-model').click();
  await expect(error).toHaveAttribute('data-code', 'NOT_ENOUGH_STORAGE');
  await expect(error).toContainText('storage is free');
  expect(hub.weightRequests().length).toBe(before);
  await expect(storedRow(page)).toHaveCount(0);

  // WebGPU asked for where there is none (the wasm project): its own message; keyword search still answers.
  if (device === 'wasm') {
    await page.getByTestId('device-choice').selectOption('webgpu');
    await expect(status).toHaveAttribute('data-code', 'WEBGPU_UNAVAILABLE');
    await expect(status).toContainText('WebGPU unavailable');
    searched = await search(page);
    await expect(searched).toHaveAttribute('data-fallback', 'model-failed');
    await expect(page.getByTestId('results').locator('li')).toHaveCount(10);
    await page.getByTestId('device-choice').selectOption('auto');
    await expect(status).toHaveAttribute('data-state', 'ready');
    await expect(status).toHaveAttribute('data-device', 'wasm');
    await expect(status).toContainText('WebGPU unavailable');
  } else {
    await expect(status).toHaveAttribute('data-device', 'webgpu');
    await expect(status).toContainText('WebGPU adapter');
  }
});

test('a model folder from disk loads, and the library is re-keyed for it before self mode searches it', async ({
  page,
}, info) => {
  test.setTimeout(600_000);
  const parent = mkdtempSync(join(tmpdir(), 'sr-model-'));
  const folder = join(parent, 'my-model');
  cpSync(`${MODEL_ROOT}${DEMO_MODEL_ID}`, folder, { recursive: true });
  // Another separator in its card makes its keys differ from the demo's (a copy as it is keys alike: no re-key).
  const cardPath = join(folder, 'model-card.json');
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as { templates: Record<string, string> };
  card.templates['separator'] = '\n Related document text:';
  writeFileSync(cardPath, JSON.stringify(card));
  try {
    await openApp(page, info.project.name);
    await expect(page.getByTestId('your-library')).toHaveAttribute('data-state', 'ready');
    await page.getByTestId('add-folder').setInputFiles(makeLibraryFolder('papers', 40));
    await expect(page.getByTestId('library-summary')).toHaveAttribute('data-documents', /^4\d$/, { timeout: 300_000 });
    await expect(page.getByTestId('ingest-progress')).toBeHidden({ timeout: 300_000 });

    await page.getByTestId('model-folder').setInputFiles(folder);
    const status = page.getByTestId('model-status');
    await expect(status).toHaveAttribute('data-model-id', 'store/folder.my-model.fp32');
    await expect(status).toHaveAttribute('data-state', 'ready');
    await expect(status).toHaveAttribute('data-device', info.project.name);
    // The ingest worker re-keys the library with the new model's tokenizer; then the model searches it.
    const library = page.getByTestId('your-library');
    await expect(library).toHaveAttribute('data-model-id', 'store/folder.my-model.fp32', { timeout: 300_000 });
    await expect(library).toHaveAttribute('data-state', 'ready');
    await expect(page.getByTestId('ingest-progress')).toBeHidden({ timeout: 300_000 });
    const searched = await search(page, 'mine', 'self');
    await expect(searched).toHaveAttribute('data-state', 'done');
    await expect(searched).toHaveAttribute('data-library', 'mine');
    await expect(searched).not.toHaveAttribute('data-fallback', /./);
    await expect(page.getByTestId('results').locator('li').first()).toContainText('papers/');
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

type DebugWindow = typeof globalThis & {
  selfRetrievalWorker: ModelWorkerApi;
  inFlight?: Promise<string>;
};

test('the model worker killed mid-search is restarted, and the next search works', async ({ page }, info) => {
  test.setTimeout(600_000);
  await openApp(page, info.project.name);
  // A long search (many beams), then the worker ends as a crash would: no message to the page, nothing cleaned up.
  await page.evaluate((query) => {
    const w = globalThis as DebugWindow;
    w.inFlight = w.selfRetrievalWorker
      .search({ id: 'doomed', query, settings: { mode: 'self', titleBeams: 40, contentBeams: 20 } })
      .then(
        () => 'finished',
        (error: unknown) => (error as { code?: string }).code ?? String(error),
      );
  }, QUERY);
  const worker = page.workers().find((w) => w.url().includes('model.worker'));
  expect(worker).toBeDefined();
  await worker!.evaluate(() => self.close()).catch(() => undefined);

  expect(await page.evaluate(() => (globalThis as DebugWindow).inFlight)).toBe('WORKER_DIED');
  await expect(page.getByTestId('model-notice')).toContainText('The model worker stopped');
  await expect(page.getByTestId('model-notice')).toContainText('restarted');
  const model = page.getByTestId('model-status');
  await expect(model).toHaveAttribute('data-state', 'ready');
  await expect(model).toHaveAttribute('data-device', info.project.name);
  const searched = await search(page, 'demo', 'hybrid');
  await expect(searched).toHaveAttribute('data-state', 'done');
  await expect(searched).not.toHaveAttribute('data-fallback', /./);
  await expect(page.getByTestId('results').locator('li')).not.toHaveCount(0);
});
