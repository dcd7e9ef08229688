// The widget's worker, so the host page never blocks: serves the widget service (widget-service.ts) on its own
// scope with the browser's device choice and this origin's model cache. Unlike the app's model worker it knows
// nothing of the app's origin layout: ONNX Runtime's files are found next to this file.
import './coded-errors';
import { ModelStore } from '../src/engines/model-store';
import { chooseDevice } from './device';
import { acquireFrom } from './model-acquire';
import { serveWidget } from './widget-service';

/** ONNX Runtime's files sit in `ort/` beside the widget's chunks wherever the site owner copied them. Held in a
 * variable so the bundler does not take `new URL('./ort/', import.meta.url)` for an asset to resolve. */
const ORT_FOLDER = './ort/';
const modelStore = ModelStore.open();

/** transformers.js is configured (and so fetched) with the first model: keyword search never loads it. A failed
 * fetch of it is tried again by the next model. */
let runtime: Promise<void> | undefined;
const configureRuntime = () => {
  runtime ??= import('../src/engines/transformers/runtime').then(({ configureOffline }) =>
    configureOffline({
      // Only cached models (`store/<key>`) are loaded, each file answered from OPFS: this root is never fetched. A
      // path, not a URL: transformers.js reads "local" model files only from paths (an http URL would count as
      // remote).
      modelRoot: '/__self-retrieval-model-cache__/',
      ortRoot: new URL(ORT_FOLDER, import.meta.url).href,
      stored: async (key, path) => (await modelStore).read(key, path),
    }),
  );
  runtime.catch(() => (runtime = undefined));
  return runtime;
};

const acquire = acquireFrom(modelStore);
serveWidget(self, {
  chooseDevice,
  acquireModel: async (...args) => {
    await configureRuntime();
    return acquire(...args);
  },
});
