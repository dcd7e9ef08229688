// Where the workers read models from: the app's own `models/` folder (the demo model), and the model cache in the
// origin-private file system for downloaded and imported models (model ids `store/<key>`), never the network at
// load time. Imported for its effect by both workers, so they tokenize with the same files.
import { ModelStore } from '../src/engines/model-store';
import { configureOffline } from '../src/engines/transformers/runtime';

const BASE = import.meta.env.BASE_URL;
export const MODEL_ROOT = `${BASE}models/`;
export const modelStore = ModelStore.open();

configureOffline({
  modelRoot: MODEL_ROOT,
  // Absolute: ONNX Runtime copies a runtime it cannot place on this origin into a blob: URL, which the app's
  // script policy ('self' only) refuses.
  ortRoot: new URL(`${BASE}ort/`, self.location.href).href,
  stored: async (key, path) => (await modelStore).read(key, path),
});
