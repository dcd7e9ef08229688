// TensorFlow.js for training, set up once: the core, every op's gradient, and the backends we train on (WebGPU in
// browsers that have it, WebAssembly everywhere, the plain-JS CPU backend as the last resort). The rest of src/train
// imports `tf` from here, never the packages, so the gradients and backends are always registered first.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';

export { tf };

/** Where training runs: a GPU through WebGPU, or the CPU through WebAssembly or plain JavaScript. */
export type TrainingDevice = 'webgpu' | 'wasm' | 'cpu';

export interface BackendOptions {
  /** Where the WebAssembly backend's `.wasm` files are served (a URL or path prefix ending in `/`); the package's
   * own folder when not given, which works in Node. */
  readonly wasmPaths?: string;
}

/** Selects the backend for `device` and waits until it is ready. Rejects when this environment has no such device
 * (no `navigator.gpu`, say), so a caller can fall back to the next. */
export async function useTrainingBackend(device: TrainingDevice, options: BackendOptions = {}): Promise<void> {
  if (device === 'wasm' && options.wasmPaths) setWasmPaths(options.wasmPaths);
  if (!(await tf.setBackend(device))) throw new Error(`The ${device} training backend could not start here.`);
  await tf.ready();
}
