// The page's handle on the ingest worker (workers/ingest.worker.ts), as src/ui/worker-client.ts is for the model
// worker: the one place that starts it and wraps it with Comlink, so the library panel speaks only the typed
// protocol (workers/library-protocol.ts) and never touches Comlink itself. Unlike the model client it does not
// restart the worker; a worker that cannot start at all (its script failed to load) makes every call reject with
// WORKER_DIED instead of leaving it unsettled, so the panel can say so.
import * as Comlink from 'comlink';
import type { LibraryWorkerApi } from '../../workers/library-protocol';
import { WorkerDiedError } from './worker-client';

/** Starts the ingest worker; the returned API forwards every call to it. */
export function startLibraryWorker(): LibraryWorkerApi {
  const worker = new Worker(new URL('../../workers/ingest.worker.ts', import.meta.url), {
    type: 'module',
    name: 'ingest',
  });
  const remote = Comlink.wrap<LibraryWorkerApi>(worker);
  // An uncaught exception inside the worker is an ErrorEvent and leaves it running; a plain `error` Event is a
  // script that never ran.
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      if (event instanceof ErrorEvent) return;
      reject(new WorkerDiedError('WORKER_DIED', 'The library worker could not start. Reload the page to try again.'));
    });
  });
  failed.catch(() => undefined);
  const guard = <T>(call: Promise<T>): Promise<T> => Promise.race([call, failed]);
  return {
    // The listener is called from the worker, so it travels as a Comlink proxy rather than being cloned.
    open: (modelId, listener) => guard(remote.open(modelId, Comlink.proxy(listener))),
    add: (files) => guard(remote.add(files)),
    cancel: () => guard(remote.cancel()),
    remove: (paths) => guard(remote.remove(paths)),
    saveFolder: (name, handle) => guard(remote.saveFolder(name, handle)),
    folders: () => guard(remote.folders()),
    rescan: (root, files) => guard(remote.rescan(root, files)),
    search: (query, limit) => guard(remote.search(query, limit)),
    exportBundle: () => guard(remote.exportBundle()),
    importBundle: (file) => guard(remote.importBundle(file)),
    check: () => guard(remote.check()),
    view: () => guard(remote.view()),
  };
}
