// The service worker: after one online visit the app opens, loads its demo model and searches with the network off.
// The app shell, the ONNX Runtime files and the demo bundle are in Workbox's precache (replaced with each new
// version of the app); the built-in models are in a cache of their own, MODELS_CACHE, filled at install time and
// kept across app versions. Only our own origin is handled: model hubs and mirrors on other origins pass through.
// Registered by src/ui/offline.ts; built by vite-plugin-pwa (injectManifest), which fills in self.__WB_MANIFEST.
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
  type PrecacheEntry,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';

declare let self: ServiceWorkerGlobalScope;

/** The cache of built-in model files (src/ui/offline.ts and the browser tests read it by this name). */
const MODELS_CACHE = 'self-retrieval-models';
/** The build's revision of a cached model file, so a new app version fetches only the model files that changed. */
const REVISION_HEADER = 'x-self-retrieval-revision';

const base = new URL(self.registration.scope).pathname;
const modelsPath = `${base}models/`;

interface ModelFile {
  readonly url: string;
  readonly revision: string;
}

const models: ModelFile[] = [];
const shell: (PrecacheEntry | string)[] = [];
for (const entry of self.__WB_MANIFEST) {
  const { url, revision } = typeof entry === 'string' ? { url: entry, revision: null } : entry;
  const href = new URL(url, self.location.href);
  if (href.pathname.startsWith(modelsPath)) models.push({ url: href.href, revision: revision ?? '' });
  else shell.push(entry);
}

precacheAndRoute(shell);
cleanupOutdatedCaches();

// The app is built as 'mpa' so a missing file is a 404, never index.html: only the app's own page falls back to the
// precached index.html (with any query, e.g. `?device=wasm`); every other missing path stays a 404 from the server.
const pageUrl = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(index\\.html)?(\\?|$)`);
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { allowlist: [pageUrl] }));

// transformers.js reads model files with plain GETs (no Range requests for local models): whole 200 responses,
// served from the models cache. A file that is in neither the cache nor reachable is a 404, as on the server, so
// transformers.js treats an optional file as absent instead of failing the load on a network error.
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith(modelsPath),
  new CacheFirst({
    cacheName: MODELS_CACHE,
    matchOptions: { ignoreVary: true },
    plugins: [{ handlerDidError: () => Promise.resolve(new Response(null, { status: 404, statusText: 'Not Found' })) }],
  }),
);

/** Fetches the built-in model files the models cache lacks (or holds in another revision). The first visit's model
 * worker started before this worker existed, so its fetches were not cached: filling the cache here is what makes the
 * next visit work offline. A failure fails the install: the app is not "ready offline" without its model. */
async function cacheModels(): Promise<void> {
  const cache = await caches.open(MODELS_CACHE);
  await Promise.all(
    models.map(async ({ url, revision }) => {
      const cached = await cache.match(url, { ignoreVary: true });
      if (cached && cached.headers.get(REVISION_HEADER) === revision) return;
      const response = await fetch(url, { cache: 'reload' });
      if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
      // The server's headers (COOP/COEP, content type and length) are kept; the revision is added.
      const headers = new Headers(response.headers);
      headers.set(REVISION_HEADER, revision);
      await cache.put(url, new Response(response.body, { status: 200, statusText: response.statusText, headers }));
    }),
  );
}

/** Drops files of built-in models this version no longer ships (a complete model is never expired otherwise). */
async function pruneModels(): Promise<void> {
  const cache = await caches.open(MODELS_CACHE);
  const wanted = new Set(models.map((m) => m.url));
  await Promise.all(
    (await cache.keys()).filter((request) => !wanted.has(request.url)).map((request) => cache.delete(request)),
  );
}

self.addEventListener('install', (event) => event.waitUntil(cacheModels()));
// The first version takes the page at once (clients.claim), so the first visit already runs under it; a later
// version waits until the page asks for it (src/ui/offline.ts's Reload button): a page never mixes two versions.
self.addEventListener('activate', (event) => event.waitUntil(Promise.all([self.clients.claim(), pruneModels()])));
self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
