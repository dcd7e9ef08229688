// The app page: a thin view over the model worker. It never parses, tokenizes or runs the model itself.
import * as Comlink from 'comlink';
import type { DeviceRequest, ModelStatus, ModelWorkerApi } from '../../workers/protocol';
import { element, errorText } from './dom';
import { mountLibraryPanel } from './library-panel';
import { mountSearchPanel } from './search-panel';

const DEMO_MODEL = 'cranfield-tiny';

const worker = Comlink.wrap<ModelWorkerApi>(
  new Worker(new URL('../../workers/model.worker.ts', import.meta.url), { type: 'module', name: 'model' }),
);

const statusEl = element<HTMLParagraphElement>('model-status');
const deviceEl = element<HTMLSelectElement>('device');

function showStatus(status: ModelStatus): void {
  statusEl.dataset['state'] = 'ready';
  statusEl.dataset['device'] = status.device;
  statusEl.dataset['cacheLocation'] = status.cacheLocation;
  statusEl.dataset['warmupArgmax'] = String(status.warmupArgmax);
  const params = (status.parameters / 1e6).toFixed(1);
  statusEl.textContent =
    `${status.modelName} (${params}M parameters) is ready on ${status.device === 'webgpu' ? 'WebGPU' : 'WebAssembly'}` +
    ` — ${status.deviceReason}. Loaded in ${Math.round(status.loadMillis)} ms.` +
    (status.answers ? '' : ' This model retrieves but cannot write answers.');
}

async function loadModel(device: DeviceRequest): Promise<void> {
  statusEl.dataset['state'] = 'loading';
  statusEl.textContent = 'Loading the demo model…';
  try {
    showStatus(await worker.load({ modelId: DEMO_MODEL, device }));
  } catch (error) {
    statusEl.dataset['state'] = 'error';
    statusEl.textContent = errorText(error);
  }
}

const params = new URLSearchParams(location.search);
const requested = params.get('device');
if (requested === 'webgpu' || requested === 'wasm') deviceEl.value = requested;
// `?debug` hands the worker's API to the console (and to the browser tests' long runs).
if (params.has('debug')) Object.assign(globalThis, { selfRetrievalWorker: worker });

let modelReady = loadModel(deviceEl.value as DeviceRequest);
deviceEl.addEventListener('change', () => {
  modelReady = loadModel(deviceEl.value as DeviceRequest);
});
const runSearch = mountSearchPanel(worker, () => modelReady);

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
mountLibraryPanel(DEMO_MODEL);
