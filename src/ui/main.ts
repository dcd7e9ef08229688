// The app page: a thin view over the model worker and the training worker (each through a WorkerClient, which
// restarts it if it dies) and the ingest worker. It never parses, tokenizes or runs the model itself. Three views
// (Search, Library, Model) under one header that always holds the search box, which library is searched and which
// model answers, and any long work in progress.
import type { DeviceRequest, LoadRequest, ModelRef, ModelStatus, ModelWorkerApi } from '../../workers/protocol';
import type { TrainWorkerApi } from '../../workers/train-protocol';
import type { LibraryView } from '../../workers/library-protocol';
import { element } from './dom';
import { describeError, errorLine } from './error-help';
import { mountInstallButton } from './install';
import { mountLibraryPanel } from './library-panel';
import { mountRouter } from './router';
import { WorkerClient } from './worker-client';
import { mountModelPanel } from './model-panel';
import { mountSearchPanel } from './search-panel';
import { mountThemeChoice } from './theme';
import { mountTrainPanel } from './train-panel';
import './offline';

const DEMO: ModelRef = { kind: 'builtin', id: 'cranfield-tiny' };
/** The model loaded last, loaded again on the next visit (from the model cache: offline too). */
const LAST_MODEL = 'self-retrieval-model';
/** What a model knows of the libraries, as the header says it: the demo model has internalized the demo collection;
 * a model trained in this page, the user's library; a downloaded one, neither (a base model). */
type ModelRole = 'demo' | 'internalized' | 'base';

mountThemeChoice();
mountInstallButton();
const go = mountRouter();

const client = new WorkerClient<ModelWorkerApi>(
  () => new Worker(new URL('../../workers/model.worker.ts', import.meta.url), { type: 'module', name: 'model' }),
  'the model worker',
);
const worker = client.api;

const statusEl = element<HTMLParagraphElement>('model-status');
const answeringEl = element<HTMLAnchorElement>('answering');
const searchingEl = element<HTMLAnchorElement>('searching');
const searchLibraryEl = element<HTMLSelectElement>('search-library');
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
  onModel: (model) => void loadModel({ kind: 'stored', key: model.key }, model.name, 'internalized'),
});
trainer.onRestart(() => training.reopen());

let demoLibrary: { name: string; passages: number } | null = null;
let myLibrary: LibraryView | null = null;

/** The header's "searching" line: the library the search box searches, and how big it is. */
function showSearching(): void {
  const mine = searchLibraryEl.value === 'mine';
  searchingEl.dataset['library'] = searchLibraryEl.value;
  searchingEl.href = mine ? '#library' : '#search';
  searchingEl.textContent = mine
    ? myLibrary
      ? `Searching your documents: ${myLibrary.indexedDocuments.toLocaleString('en')} documents, ` +
        `${myLibrary.passages.toLocaleString('en')} passages`
      : 'Searching your documents'
    : `Searching the demo collection${demoLibrary ? `: ${demoLibrary.passages.toLocaleString('en')} passages` : ''}`;
  searchingEl.title = mine ? '' : (demoLibrary?.name ?? '');
}
searchLibraryEl.addEventListener('change', showSearching);

const openLibraryFor = mountLibraryPanel({
  onChange: (view) => {
    // The first documents the user adds in this page: the search box searches them from then on.
    if (myLibrary && myLibrary.documents.length === 0 && view.indexedDocuments > 0) searchLibraryEl.value = 'mine';
    myLibrary = view;
    showSearching();
    training.libraryChanged();
  },
  onFilesDragged: () => go('library'),
});

/** The header's "answering" line: which model state answers the search box now. */
function showAnswering(state: 'loading' | 'ready' | 'error', text: string, role?: ModelRole): void {
  answeringEl.dataset['state'] = state;
  if (role) answeringEl.dataset['role'] = role;
  else delete answeringEl.dataset['role'];
  answeringEl.textContent = text;
}

function showStatus(status: ModelStatus, role: ModelRole): void {
  statusEl.dataset['state'] = 'ready';
  statusEl.dataset['device'] = status.device;
  statusEl.dataset['dtype'] = status.dtype;
  statusEl.dataset['modelId'] = status.modelId;
  statusEl.dataset['cacheLocation'] = status.cacheLocation;
  statusEl.dataset['warmupArgmax'] = String(status.warmupArgmax);
  delete statusEl.dataset['code'];
  const params = status.parameters ? ` (${(status.parameters / 1e6).toFixed(1)}M parameters)` : '';
  const device = status.device === 'webgpu' ? 'WebGPU' : 'WebAssembly';
  statusEl.textContent =
    `${status.modelName}${params}, ${status.dtype}, is ready on ${device} — ${status.deviceReason}. ` +
    `Loaded in ${Math.round(status.loadMillis)} ms.` +
    (status.answers ? '' : ' This model retrieves but cannot write answers.');
  const knows =
    role === 'demo' ? 'internalized on the demo' : role === 'internalized' ? 'internalized on your documents' : 'base';
  showAnswering('ready', `Answering: ${status.modelName}, ${knows}, ${device}`, role);
}

let lastLoad: LoadRequest = { model: DEMO, device: 'auto' };
let lastRole: ModelRole = 'demo';

async function loadModel(model: ModelRef, name: string, role: ModelRole): Promise<void> {
  const request: LoadRequest = { model, device: deviceEl.value as DeviceRequest };
  lastLoad = request;
  lastRole = role;
  statusEl.dataset['state'] = 'loading';
  statusEl.textContent = `Loading ${name}… Searches use keywords (BM25) until it is ready.`;
  showAnswering('loading', `Answering: keywords (BM25) while ${name} loads`);
  try {
    const status = await worker.load(request);
    if (lastLoad !== request) return;
    showStatus(status, role);
    localStorage.setItem(LAST_MODEL, JSON.stringify({ ...model, role }));
    // The ingest worker keys the user's library with the same model (re-keying it if it was keyed for another).
    void openLibraryFor(status.modelId);
  } catch (error) {
    if (lastLoad !== request) return;
    const info = describeError(error);
    // A session ONNX Runtime refused can leave its instance unusable: start from a fresh worker.
    if (info.code === 'MODEL_LOAD_FAILED') client.restart('a model failed to load');
    statusEl.dataset['state'] = 'error';
    statusEl.dataset['code'] = info.code;
    statusEl.textContent = `${errorLine(info)} Searches use keywords (BM25) until a model loads.`;
    showAnswering('error', `Answering: keywords (BM25) — the model could not be loaded (${info.code})`);
  }
}

function lastModel(): { model: ModelRef; role: ModelRole } {
  try {
    const saved = JSON.parse(localStorage.getItem(LAST_MODEL) ?? 'null') as (ModelRef & { role?: ModelRole }) | null;
    if (saved?.kind === 'stored' && typeof saved.key === 'string') {
      return {
        model: { kind: 'stored', key: saved.key },
        role: saved.role === 'internalized' ? 'internalized' : 'base',
      };
    }
  } catch {
    // a damaged entry: the demo model
  }
  return { model: DEMO, role: 'demo' };
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
void loadModel(
  initial.model,
  initial.model.kind === 'builtin' ? 'the demo model' : 'the last model',
  initial.role,
).then(() => {
  // The last model is gone (deleted, or its storage was cleared): the demo model instead.
  if (statusEl.dataset['state'] === 'error' && initial.model.kind === 'stored') {
    return loadModel(DEMO, 'the demo model', 'demo');
  }
});
/** A model the Model view loads: the demo model, the one internalized on the user's library, or a downloaded one. */
const roleOf = (model: ModelRef): ModelRole =>
  model.kind === 'builtin' ? 'demo' : model.key === training.view?.model?.key ? 'internalized' : 'base';
const load = (model: ModelRef, name: string) => loadModel(model, name, roleOf(model));
deviceEl.addEventListener('change', () => void loadModel(lastLoad.model, 'the model', lastRole));
const models = mountModelPanel({
  worker,
  device: () => deviceEl.value as DeviceRequest,
  load,
  ...(params.get('hub') ? { hubHost: params.get('hub')! } : {}),
});
const runSearch = mountSearchPanel(worker, {
  onSearch: () => go('search'),
  describeLibrary: (library) =>
    library === 'mine'
      ? { name: 'your documents', empty: (myLibrary?.indexedDocuments ?? 0) === 0 }
      : { name: 'the demo collection', empty: false },
});

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
    showAnswering('error', 'Answering: keywords (BM25) — no model is loaded (WORKER_DIED)');
    return;
  }
  noticeEl.textContent = `The model worker stopped: ${reason}. It was restarted and the model is loading again.`;
  void loadModel(lastLoad.model, 'the model again', lastRole).then(() => models.refresh());
});

void worker.describeDemoLibrary().then(
  (library) => {
    demoLibrary = library;
    showSearching();
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
    el.textContent = errorLine(describeError(error));
  },
);
