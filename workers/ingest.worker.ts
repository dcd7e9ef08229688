// The ingest worker: serves the library service (library-service.ts) on its own scope, with the browser's
// IndexedDB, Web Locks and the app's models — parsing, tokenizing, indexing and storing happen here, never on the
// page's thread.
import './coded-errors';
import { loadKeyer } from '../src/engines/transformers/keyer';
import { fetchModelCard } from '../src/engines/transformers/runtime';
import { openLibraryDb } from '../src/store/schema';
import { serveLibrary } from './library-service';
import { MODEL_ROOT } from './model-files';

serveLibrary(self, {
  openDb: (onVersionChange) => openLibraryDb(undefined, { onVersionChange }),
  keyerFor: async (modelId) => loadKeyer(modelId, await fetchModelCard(MODEL_ROOT, modelId)),
  locks: navigator.locks,
});
