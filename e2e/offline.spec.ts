// Offline use, in both projects: after one online visit (the service worker precaches the app shell, the ONNX Runtime
// files and the demo corpus, and keeps the demo model in a cache of its own), the app reloads with the network off,
// loads the demo model from that cache, stays cross-origin isolated and searches with the model, as it did online —
// all under a strict script-src policy. A new version waits for the page's Reload button and re-fetches nothing
// that did not change.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { screenshot } from './screenshot';

/** The built service worker, as `vite preview` serves it. */
const SW_FILE = fileURLToPath(new URL('../dist/app/sw.js', import.meta.url));
/** The service worker's cache of built-in model files (workers/sw.ts). */
const MODELS_CACHE = 'self-retrieval-models';
/** The strictest policy the app must run under (no inline scripts, no eval; wasm compiles). */
const CSP = "script-src 'self' 'wasm-unsafe-eval'";
/** A training query of the demo model, searched by the model alone (no keyword fallback can answer in 'self'). */
const QUERY = 'what are the structural and aeroelastic problems associated with flight of high speed aircraft .';

async function search(page: Page): Promise<string[]> {
  await page.getByTestId('mode').selectOption('self');
  await page.getByTestId('query').fill(QUERY);
  await page.getByTestId('search-form').getByRole('button', { name: 'Search' }).click();
  const status = page.getByTestId('search-status');
  await expect(status).toHaveAttribute('data-state', 'done');
  await expect(status).toHaveAttribute('data-mode', 'self');
  await expect(status).not.toHaveAttribute('data-fallback', /./);
  const items = page.getByTestId('results').locator('li');
  await expect(items).not.toHaveCount(0);
  return items.evaluateAll((lis) => lis.map((li) => li.dataset['passageId'] ?? ''));
}

/** Whether the page runs an inline script (a strict policy refuses it). */
function inlineScriptRuns(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'document.body.dataset.inlineRan = "yes";';
    document.head.append(script);
    script.remove();
    return document.body.dataset['inlineRan'] === 'yes';
  });
}

/** Which cache holds which of our files: the models cache and every other cache (Workbox's precache). */
function cacheContents(page: Page): Promise<{ names: string[]; models: string[]; others: string[] }> {
  return page.evaluate(async (modelsCache) => {
    const names = await caches.keys();
    const paths = async (name: string) =>
      (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname);
    const others: string[] = [];
    for (const name of names) if (name !== modelsCache) others.push(...(await paths(name)));
    return { names, models: names.includes(modelsCache) ? await paths(modelsCache) : [], others };
  }, MODELS_CACHE);
}

test('after one online visit the app opens, loads the cached model and searches offline', async ({
  page,
  context,
}, info) => {
  const device = info.project.name;
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));

  const violations: string[] = [];
  await context.exposeFunction('reportViolation', (text: string) => violations.push(text));
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (event) =>
      (globalThis as unknown as { reportViolation: (text: string) => void }).reportViolation(
        `${event.violatedDirective} ${event.blockedURI}`,
      ),
    ),
  );

  // What the service worker itself asks the network for: offline, that would fail (and a missing model file would
  // be answered with a 404 that looks like an absent optional file).
  const swNetwork: string[] = [];
  context.on('request', (request) => {
    if (request.serviceWorker()) swNetwork.push(new URL(request.url()).pathname);
  });

  // Online, first visit: the service worker installs, precaches and takes the page.
  const visited = Date.now();
  // The preview server sends the policy on every response (page, workers, service worker, runtime), as a strict
  // host would; the caches keep it, so the offline run is under it too.
  const first = await page.goto(`/?device=${device}`);
  expect(first?.headers()['content-security-policy']).toBe(CSP);
  const offlineStatus = page.getByTestId('offline-status');
  await expect(offlineStatus).toHaveAttribute('data-state', 'ready');
  await expect(offlineStatus).toContainText('Ready to work offline');
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  const precacheMillis = Date.now() - visited;

  const modelStatus = page.getByTestId('model-status');
  await expect(modelStatus).toHaveAttribute('data-state', 'ready');
  await expect(modelStatus).toHaveAttribute('data-device', device);
  const isolated = await page.evaluate(() => crossOriginIsolated);
  expect(isolated).toBe(true);
  const online = await search(page);
  // The page ran under the policy without breaking it, and the policy is in force (an inline script is refused).
  expect(violations).toEqual([]);
  expect(await inlineScriptRuns(page)).toBe(false);
  // The policy comes twice (the server's header and index.html's <meta>): each reports the refused script.
  await expect.poll(() => violations.length).toBe(2);
  const probes = [...violations];

  // The model files are in the models cache, and only there; the shell and the runtime are in the precache.
  const cached = await cacheContents(page);
  expect(cached.names).toContain(MODELS_CACHE);
  expect(cached.models.sort()).toEqual(
    [
      'config.json',
      'generation_config.json',
      'model-card.json',
      'onnx/model.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ].map((file) => `/models/cranfield-tiny/${file}`),
  );
  expect(cached.others.filter((path) => path.startsWith('/models/'))).toEqual([]);
  expect(cached.others).toEqual(
    expect.arrayContaining([
      '/index.html',
      '/ort/ort-wasm-simd-threaded.asyncify.mjs',
      '/ort/ort-wasm-simd-threaded.asyncify.wasm',
      '/demo/bundle/manifest.json',
      '/demo/cranfield/cran.qry',
    ]),
  );
  // Every file of the demo's sharded bundle is kept, read or not yet.
  expect(cached.others.filter((path) => path.startsWith('/demo/bundle/')).length).toBeGreaterThan(100);

  // Offline: a fresh page load, with every request of the page and its workers answered by the service worker.
  const failed: string[] = [];
  const fromNetwork: string[] = [];
  page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    // blob: URLs are the page's own objects (e.g. a worker's blob), not requests.
    if (!response.fromServiceWorker() && /^https?:/.test(response.url())) fromNetwork.push(response.url());
  });
  const installed = swNetwork.length;
  await context.setOffline(true);
  const reloaded = Date.now();
  await page.reload();
  await expect(modelStatus).toHaveAttribute('data-state', 'ready');
  const readyMillis = Date.now() - reloaded;
  await expect(modelStatus).toHaveAttribute('data-device', device);
  await expect(page.getByTestId('library')).toHaveText('Cranfield (aeronautics abstracts): 1,400 passages.');
  await expect(offlineStatus).toHaveAttribute('data-state', 'ready');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(isolated);
  expect(await search(page)).toEqual(online);
  await screenshot(page, info, 'offline-results');

  expect(failed).toEqual([]);
  expect(fromNetwork).toEqual([]);
  // The install's fetches were seen (so the listener sees the worker's requests); the offline run made none.
  expect(swNetwork.slice(0, installed)).toEqual(
    expect.arrayContaining([
      '/index.html',
      '/ort/ort-wasm-simd-threaded.asyncify.wasm',
      '/models/cranfield-tiny/onnx/model.onnx',
    ]),
  );
  expect(swNetwork.slice(installed)).toEqual([]);
  expect(pageErrors).toEqual([]);
  // Offline too: nothing but the online probe broke the policy, and the page from the cache still carries it.
  expect(violations).toEqual(probes);
  expect(await inlineScriptRuns(page)).toBe(false);
  await context.setOffline(false);
  info.annotations.push({
    type: 'timing',
    description: `first visit to precached: ${precacheMillis} ms; offline reload to model ready: ${readyMillis} ms`,
  });
  console.log(`[${device}] precached in ${precacheMillis} ms; offline reload to model ready in ${readyMillis} ms`);
});

test('a new version waits for the Reload button, and fetches neither the model nor unchanged files', async ({
  page,
  context,
}) => {
  await page.goto('/');
  const offlineStatus = page.getByTestId('offline-status');
  await expect(offlineStatus).toHaveAttribute('data-state', 'ready');
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  // A new deploy: the same service worker with one more line (so the browser sees a new version), the same files.
  // `vite preview` reads files from disk on each request; the built file is restored whatever happens.
  const built = readFileSync(SW_FILE, 'utf8');
  const swNetwork: string[] = [];
  context.on('request', (request) => {
    if (request.serviceWorker()) swNetwork.push(new URL(request.url()).pathname);
  });
  try {
    writeFileSync(SW_FILE, `${built}\n// the next version\n`);
    await page.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())?.update();
    });
    await expect(offlineStatus).toHaveAttribute('data-state', 'update');
    await expect(offlineStatus).toContainText('A new version of the app is ready');
    // Its install fetched nothing but its own script: every file, and the model, were cached at that revision. (The
    // script's own fetch is the browser's update check, which is not always attributed to the worker.)
    expect(swNetwork.filter((path) => path !== '/sw.js')).toEqual([]);

    // Reload: the new version takes over, and the page reloads under it (the next version stays served meanwhile:
    // restoring the file earlier would be one more new version).
    const reloaded = page.waitForEvent('load');
    await page.getByTestId('offline-reload').click();
    await reloaded;
    await expect(offlineStatus).toHaveAttribute('data-state', 'ready');
    expect(
      await page.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        return { waiting: registration?.waiting ?? null, controlled: navigator.serviceWorker.controller !== null };
      }),
    ).toEqual({ waiting: null, controlled: true });
    await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'ready');
  } finally {
    writeFileSync(SW_FILE, built);
  }
});
