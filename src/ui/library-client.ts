// The page's handle on the ingest worker (workers/ingest.worker.ts), as src/ui/model-client.ts is for the model
// worker: the one place that starts it and wraps it with Comlink, so the library panel speaks only the typed
// protocol (workers/library-protocol.ts) and never touches Comlink itself. Unlike the model client it does not
// watch the worker for death or restart it: a call to a dead worker simply never settles, as before this module.
import * as Comlink from 'comlink';
import type { LibraryWorkerApi } from '../../workers/library-protocol';

/** Starts the ingest worker; the returned API forwards every call to it. */
export function startLibraryWorker(): LibraryWorkerApi {
  const remote = Comlink.wrap<LibraryWorkerApi>(
    new Worker(new URL('../../workers/ingest.worker.ts', import.meta.url), { type: 'module', name: 'ingest' }),
  );
  return {
    // The listener is called from the worker, so it travels as a Comlink proxy rather than being cloned.
    open: (modelId, listener) => remote.open(modelId, Comlink.proxy(listener)),
    add: (files) => remote.add(files),
    cancel: () => remote.cancel(),
    remove: (paths) => remote.remove(paths),
    saveFolder: (name, handle) => remote.saveFolder(name, handle),
    folders: () => remote.folders(),
    rescan: (root, files) => remote.rescan(root, files),
    search: (query, limit) => remote.search(query, limit),
    exportBundle: () => remote.exportBundle(),
    importBundle: (file) => remote.importBundle(file),
    check: () => remote.check(),
    view: () => remote.view(),
  };
}
