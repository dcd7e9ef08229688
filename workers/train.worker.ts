// The training worker: serves the training service (train-service.ts) on its own scope, with the browser's pieces —
// the run's files in the origin-private file system (`internalize/`), the library's passages from IndexedDB (read
// only: the ingest worker owns the library), models from the app's `models/` folder or the model cache, trained
// models written into that cache, and TensorFlow.js on WebGPU or WebAssembly. Training never runs on the page's
// thread; the page restarts this worker when it dies, and an interrupted run resumes from its checkpoint.
import './coded-errors';
import { planFromFolder } from '../src/engines/model-sources';
import { ModelStore } from '../src/engines/model-store';
import { storedModelId } from '../src/engines/transformers/store-id';
import { openLibraryDb } from '../src/store/schema';
import type { TrainingDevice } from '../src/train/tf';
import { opfsFiles } from './opfs-files';
import { serveTraining } from './train-service';
import type { ModelRef, TrainDevice } from './train-protocol';

const MODEL_ROOT = `${import.meta.env.BASE_URL}models/`;
const modelStore = ModelStore.open();

async function modelFile(ref: ModelRef, path: string): Promise<Uint8Array | undefined> {
  if (ref.kind === 'stored') {
    const blob = await (await modelStore).read(ref.key, path);
    return blob ? new Uint8Array(await blob.arrayBuffer()) : undefined;
  }
  const response = await fetch(`${MODEL_ROOT}${ref.id}/${path}`);
  return response.ok ? new Uint8Array(await response.arrayBuffer()) : undefined;
}

/** The backend, chosen once for the worker's life (TensorFlow.js holds one); WebGPU falls back to WebAssembly. */
let chosen: Promise<TrainDevice> | undefined;
function useDevice(request: 'auto' | 'webgpu' | 'wasm'): Promise<TrainDevice> {
  chosen ??= (async () => {
    // TensorFlow.js on first use, with its .wasm files served from our origin.
    const [{ useTrainingBackend }] = await Promise.all([import('../src/train/tf'), import('../src/train/wasm-files')]);
    const order: TrainingDevice[] = request === 'wasm' ? ['wasm'] : ['webgpu', 'wasm'];
    for (const device of order) {
      try {
        await useTrainingBackend(device);
        return device;
      } catch {
        // no WebGPU here (or it failed to start): the next
      }
    }
    await useTrainingBackend('cpu');
    return 'cpu';
  })();
  return chosen;
}

serveTraining(self, {
  files: opfsFiles('internalize'),
  async libraryPassages() {
    const db = await openLibraryDb(undefined, { onVersionChange: () => db.close() });
    try {
      const [manifest, passages] = await Promise.all([db.get('meta', 'manifest'), db.getAll('passages')]);
      return {
        generation: manifest?.generation ?? 0,
        passages: passages.map(({ id, title, text }) => ({ id, title, text })),
      };
    } finally {
      db.close();
    }
  },
  modelFile,
  async tokenizer(ref) {
    // transformers.js, configured to read models as the model worker does (./model-files), on first use.
    const [{ loadTokenizer }] = await Promise.all([
      import('../src/engines/transformers/tokenizer'),
      import('./model-files'),
    ]);
    return loadTokenizer(ref.kind === 'builtin' ? ref.id : storedModelId(ref.key));
  },
  async storeModel(name, files) {
    const picked = [...files].map(([path, bytes]) => ({
      path: `${name}/${path}`,
      file: new Blob([bytes as Uint8Array<ArrayBuffer>]),
    }));
    const plan = await planFromFolder(picked, () => 'fp32');
    return (await (await modelStore).download(plan)).key;
  },
  async removeModel(key) {
    await navigator.locks.request(`self-retrieval-model:${key}`, async () => (await modelStore).remove(key));
  },
  useDevice,
  locks: navigator.locks,
});
