// The model worker: serves the model service (model-service.ts) on its own scope, with the browser's device choice,
// the app's demo bundle and models, the model cache in OPFS, IndexedDB and Web Locks — the model, the retrievers and
// everything that tokenizes or runs them live here, never on the page's thread. The page restarts it when it dies
// (src/ui/model-client.ts): it holds a Web Lock for its whole life to make that visible.
import './coded-errors';
import { ShardedBundle } from '../src/core/sharded-bundle';
import { fetchModelCard } from '../src/engines/transformers/runtime';
import { cranfieldQueries } from '../src/ingest/cranfield';
import { openLibraryDb } from '../src/store/schema';
import { chooseDevice } from './device';
import { MODEL_ROOT, modelStore } from './model-files';
import { serveModel } from './model-service';

const DEMO = `${import.meta.env.BASE_URL}demo/`;

async function fetchDemo(name: string): Promise<Response> {
  const response = await fetch(`${DEMO}${name}`);
  if (!response.ok) throw new Error(`demo file ${name}: HTTP ${response.status}`);
  return response;
}

serveModel(self, {
  chooseDevice,
  demo: {
    name: 'Cranfield (aeronautics abstracts)',
    // A sharded bundle built by the CLI at build time (`index --cranfield --sharded`), keyed for the demo model; the
    // service worker keeps its files for offline use.
    open: () =>
      ShardedBundle.open(async (file) => new Uint8Array(await (await fetchDemo(`bundle/${file}`)).arrayBuffer())),
    exampleQueries: async () =>
      cranfieldQueries(await (await fetchDemo('cranfield/cran.qry')).text())
        .slice(0, 4)
        .map((q) => q.text),
  },
  builtinCard: (id) => fetchModelCard(MODEL_ROOT, id),
  modelStore,
  openDb: (onVersionChange) => openLibraryDb(undefined, { onVersionChange }),
  locks: navigator.locks,
  storageEstimate: () => navigator.storage.estimate(),
  exit: () => self.close(),
});
