// The app page: a thin view over the model worker. It never parses, tokenizes or runs the model itself.
import * as Comlink from 'comlink';
import type { DeviceRequest, ModelStatus, ModelWorkerApi } from '../../workers/protocol';
import { mountLibraryPanel } from './library-panel';

const DEMO_MODEL = 'cranfield-tiny';

function element<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

const worker = Comlink.wrap<ModelWorkerApi>(
  new Worker(new URL('../../workers/model.worker.ts', import.meta.url), { type: 'module', name: 'model' }),
);

const statusEl = element<HTMLParagraphElement>('model-status');
const deviceEl = element<HTMLSelectElement>('device');
const queryEl = element<HTMLInputElement>('query');
const guessEl = element<HTMLOutputElement>('guess');

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

function showError(where: HTMLElement, error: unknown): void {
  where.dataset['state'] = 'error';
  where.textContent = error instanceof Error ? error.message : String(error);
}

async function loadModel(device: DeviceRequest): Promise<void> {
  statusEl.dataset['state'] = 'loading';
  statusEl.textContent = 'Loading the demo model…';
  try {
    showStatus(await worker.load({ modelId: DEMO_MODEL, device }));
  } catch (error) {
    showError(statusEl, error);
  }
}

async function ask(query: string): Promise<void> {
  guessEl.dataset['state'] = 'busy';
  guessEl.textContent = 'Thinking…';
  try {
    const guess = await worker.guessTitle(query);
    guessEl.dataset['state'] = 'done';
    guessEl.textContent = guess.title ? `“${guess.title}”` : '(the model wrote no title)';
  } catch (error) {
    showError(guessEl, error);
  }
}

const requested = new URLSearchParams(location.search).get('device');
if (requested === 'webgpu' || requested === 'wasm') deviceEl.value = requested;
deviceEl.addEventListener('change', () => void loadModel(deviceEl.value as DeviceRequest));
element<HTMLFormElement>('ask').addEventListener('submit', (event) => {
  event.preventDefault();
  void ask(queryEl.value);
});

void worker.describeDemoLibrary().then(
  (library) => {
    element('library').textContent = `${library.name}: ${library.passages.toLocaleString('en')} passages.`;
    const list = element<HTMLUListElement>('examples');
    for (const text of library.exampleQueries) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = text;
      button.addEventListener('click', () => {
        queryEl.value = text;
        void ask(text);
      });
      const item = document.createElement('li');
      item.append(button);
      list.append(item);
    }
  },
  (error: unknown) => showError(element('library'), error),
);
void loadModel(deviceEl.value as DeviceRequest);
mountLibraryPanel(DEMO_MODEL);
