// The app page: a thin view over the model worker and the training worker (each through a WorkerClient, which
// restarts it if it dies) and the ingest worker. It never parses, tokenizes or runs the model itself.
import type { DeviceRequest, LoadRequest, ModelRef, ModelStatus, ModelWorkerApi } from '../../workers/protocol';
import type { TrainWorkerApi } from '../../workers/train-protocol';
import { element, errorText } from './dom';
import { mountLibraryPanel } from './library-panel';
import { WorkerClient } from './worker-client';
import { mountModelPanel } from './model-panel';
import { mountSearchPanel } from './search-panel';
import { mountThemeChoice } from './theme';
import { mountTrainPanel } from './train-panel';
import './offline';

const DEMO: ModelRef = { kind: 'builtin', id: 'cranfield-tiny' };
/** The model loaded last, loaded again on the next visit (from the model cache: offline too). */
const LAST_MODEL = 'self-retrieval-model';

mountThemeChoice();

const client = new WorkerClient<ModelWorkerApi>(
  () => new Worker(new URL('../../workers/model.worker.ts', import.meta.url), { type: 'module', name: 'model' }),
  'the model worker',
);
const worker = client.api;

const statusEl = element<HTMLParagraphElement>('model-status');
const noticeEl = element<HTMLParagraphElement>('model-notice');
const deviceEl = element<HTMLSelectElement>('device');

// Training runs in a worker of its own, restarted like the model worker: an interrupted run resumes there.
const trainer = new WorkerClient<TrainWorkerApi>(
  () => new Worker(new URL('../../workers/train.worker.ts', import.meta.url), { type: 'module', name: 'train' }),
  'the training worker',
);
const training = mountTrainPanel({
  api: trainer.api,
  current: () => lastLoad.model,
  device: () => deviceEl.value as DeviceRequest,
  // Search switches to the internalized model once it is stored (keywords serve while it loads).
  onModel: (model) => void loadModel({ kind: 'stored', key: model.key }, model.name),
});
trainer.onRestart(() => training.reopen());
const openLibraryFor = mountLibraryPanel(() => training.libraryChanged());

function showStatus(status: ModelStatus): void {
  statusEl.dataset['state'] = 'ready';
  statusEl.dataset['device'] = status.device;
  statusEl.dataset['dtype'] = status.dtype;
  statusEl.dataset['modelId'] = status.modelId;
  statusEl.dataset['cacheLocation'] = status.cacheLocation;
  statusEl.dataset['warmupArgmax'] = String(status.warmupArgmax);
  delete statusEl.dataset['code'];
  const params = status.parameters ? ` (${(status.parameters / 1e6).toFixed(1)}M parameters)` : '';
  statusEl.textContent =
    `${status.modelName}${params}, ${status.dtype}, is ready on ${status.device === 'webgpu' ? 'WebGPU' : 'WebAssembly'}` +
    ` — ${status.deviceReason}. Loaded in ${Math.round(status.loadMillis)} ms.` +
    (status.answers ? '' : ' This model retrieves but cannot write answers.');
}

let lastLoad: LoadRequest = { model: DEMO, device: 'auto' };

async function loadModel(model: ModelRef, name: string): Promise<void> {
  const request: LoadRequest = { model, device: deviceEl.value as DeviceRequest };
  lastLoad = request;
  statusEl.dataset['state'] = 'loading';
  statusEl.textContent = `Loading ${name}… Searches use keywords (BM25) until it is ready.`;
  try {
    const status = await worker.load(request);
    if (lastLoad !== request) return;
    showStatus(status);
    localStorage.setItem(LAST_MODEL, JSON.stringify(model));
    // The ingest worker keys the user's library with the same model (re-keying it if it was keyed for another).
    void openLibraryFor(status.modelId);
  } catch (error) {
    if (lastLoad !== request) return;
    const code = (error as { code?: string }).code ?? 'ERROR';
    // A session ONNX Runtime refused can leave its instance unusable: start from a fresh worker.
    if (code === 'MODEL_LOAD_FAILED') client.restart('a model failed to load');
    statusEl.dataset['state'] = 'error';
    statusEl.dataset['code'] = code;
    statusEl.textContent = `${errorText(error)} Searches use keywords (BM25) until a model loads.`;
  }
}

function lastModel(): ModelRef {
  try {
    const saved = JSON.parse(localStorage.getItem(LAST_MODEL) ?? 'null') as ModelRef | null;
    if (saved?.kind === 'stored' && typeof saved.key === 'string') return saved;
  } catch {
    // a damaged entry: the demo model
  }
  return DEMO;
}

const params = new URLSearchParams(location.search);
const requested = params.get('device');
if (requested === 'webgpu' || requested === 'wasm') deviceEl.value = requested;
// `?debug` hands the worker's API to the console (and to the browser tests' long runs).
if (params.has('debug')) {
  Object.assign(globalThis, {
    selfRetrievalWorker: worker,
    selfRetrievalClient: client,
    selfRetrievalTrainer: trainer,
  });
}

void openLibraryFor('cranfield-tiny');
const initial = lastModel();
void loadModel(initial, initial.kind === 'builtin' ? 'the demo model' : 'the last model').then(() => {
  // The last model is gone (deleted, or its storage was cleared): the demo model instead.
  if (statusEl.dataset['state'] === 'error' && initial.kind === 'stored') return loadModel(DEMO, 'the demo model');
});
const load = (model: ModelRef, name: string) => loadModel(model, name);
deviceEl.addEventListener('change', () => void load(lastLoad.model, 'the model'));
const models = mountModelPanel({
  worker,
  device: () => deviceEl.value as DeviceRequest,
  load,
  ...(params.get('hub') ? { hubHost: params.get('hub')! } : {}),
});
const runSearch = mountSearchPanel(worker);

/** Worker deaths in the last minute: a model that kills the worker on every load is not loaded again and again. */
const deaths: number[] = [];
client.onRestart((reason) => {
  const now = Date.now();
  deaths.push(now);
  while (deaths[0]! < now - 60_000) deaths.shift();
  noticeEl.hidden = false;
  noticeEl.dataset['restarts'] = String(client.restarts);
  if (deaths.length > 2) {
    noticeEl.textContent =
      `The model worker stopped again: ${reason}. It was restarted without a model: choose a smaller model or ` +
      'WebAssembly. Searches use keywords (BM25) meanwhile.';
    statusEl.dataset['state'] = 'error';
    statusEl.dataset['code'] = 'WORKER_DIED';
    statusEl.textContent = 'No model is loaded.';
    return;
  }
  noticeEl.textContent = `The model worker stopped: ${reason}. It was restarted and the model is loading again.`;
  void load(lastLoad.model, 'the model again').then(() => models.refresh());
});

void worker.describeDemoLibrary().then(
  (library) => {
    element('library').textContent = `${library.name}: ${library.passages.toLocaleString('en')} passages.`;
    const list = element<HTMLUListElement>('examples');
    for (const text of library.exampleQueries) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = text;
      button.addEventListener('click', () => runSearch(text));
      const item = document.createElement('li');
      item.append(button);
      list.append(item);
    }
  },
  (error: unknown) => {
    const el = element('library');
    el.dataset['state'] = 'error';
    el.textContent = errorText(error);
  },
);
