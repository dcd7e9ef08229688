// TensorFlow.js for training, set up once: the core, every op's gradient, and the backends we train on (WebGPU in
// browsers that have it, WebAssembly everywhere, the plain-JS CPU backend as the last resort). The rest of src/train
// imports `tf` from here, never the packages, so the gradients and backends are always registered first.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';

export { tf };

/**
 * UnsortedSegmentSum — the gradient of `gather`, which embeddings and the selection of target positions use — for
 * the WebAssembly backend, which lacks it (the CPU and WebGPU backends have it): each row of `x` added to its
 * segment's row of the output. Without it the graph needed one-hot matrix products there, a third slower.
 */
tf.registerKernel({
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
    const out = wasm.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
    // Views taken after the output is allocated: allocating may grow the wasm memory and detach older views.
    const target = wasm.typedArrayFromHeap(out) as Float32Array;
    const values = wasm.typedArrayFromHeap(x) as Float32Array;
    const ids = wasm.typedArrayFromHeap(segmentIds) as Int32Array;
    const inner = ids.length === 0 ? 0 : values.length / ids.length;
    target.fill(0);
    for (let i = 0; i < ids.length; i++) {
      const segment = ids[i]!;
      if (segment < 0 || segment >= numSegments) continue;
      const to = segment * inner;
      const from = i * inner;
      for (let j = 0; j < inner; j++) target[to + j]! += values[from + j]!;
    }
    return out;
  },
});

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

/** The training backend's memory at its high-water mark, in bytes: the WebAssembly heap (it only grows), the GPU
 * buffers WebGPU has allocated (it keeps them pooled), else the bytes of the tensors alive now. */
export function backendMemoryBytes(): number {
  if (tf.getBackend() === 'wasm') {
    // An Emscripten module: its heap is HEAPU8 (our typings of the module leave Emscripten's fields out).
    const module = (tf.backend() as BackendWasm).wasm as unknown as { readonly HEAPU8: Uint8Array };
    return module.HEAPU8.buffer.byteLength;
  }
  const memory = tf.memory() as tf.MemoryInfo & { numBytesInGPUAllocated?: number };
  return memory.numBytesInGPUAllocated ?? memory.numBytes;
}
