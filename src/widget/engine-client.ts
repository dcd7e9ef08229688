// The widget's way to its engine: starts workers/widget.worker.ts and wraps it with Comlink. The element imports
// this module only on first open, so the shell a page loads up front holds neither Comlink nor the engine.
import * as Comlink from 'comlink';
import type {
  WidgetDocument,
  WidgetLibrarySummary,
  WidgetModelState,
  WidgetOpenRequest,
  WidgetSearchRequest,
  WidgetSearchResponse,
  WidgetWorkerApi,
} from '../../workers/widget-protocol';

export interface WidgetEngine {
  readonly library: WidgetLibrarySummary;
  search(request: WidgetSearchRequest): Promise<WidgetSearchResponse>;
  cancel(id: string): void;
  document(path: string): Promise<WidgetDocument | undefined>;
  /** Ends the worker: its model, its memory and any search in flight. */
  close(): void;
}

/** Starts a worker, opens the bundle in it (rejecting with the worker's coded error) and returns the engine. */
export async function openEngine(
  request: WidgetOpenRequest,
  onModel: (state: WidgetModelState) => void,
): Promise<WidgetEngine> {
  // The worker file is resolved against this chunk, not the page: the widget works wherever its files are copied.
  const worker = new Worker(new URL('../../workers/widget.worker.ts', import.meta.url), {
    type: 'module',
    name: 'self-retrieval-widget',
  });
  const remote = Comlink.wrap<WidgetWorkerApi>(worker);
  const close = () => {
    remote[Comlink.releaseProxy]();
    worker.terminate();
  };
  try {
    const library = await remote.open(request, Comlink.proxy(onModel));
    return {
      library,
      search: (r) => remote.search(r),
      cancel: (id) => void remote.cancel(id),
      document: (path) => remote.document(path),
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}
