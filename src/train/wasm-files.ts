// The WebAssembly backend's .wasm files in a browser build: bundled as assets of our own origin (Vite's `?url`), so
// they are fetched from there — never a CDN — and kept offline by the service worker's precache, which lists every
// .wasm. Imported by the training worker only: Node reads them from the package (src/cli/internalize-command.ts).
import { env } from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

// The app's page is cross-origin isolated (ONNX Runtime's threads need it), which makes the backend pick its
// multi-threaded build; that build's thread workers took the whole browser down in Chromium here. One thread.
env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

setWasmPaths({
  'tfjs-backend-wasm.wasm': plain,
  'tfjs-backend-wasm-simd.wasm': simd,
  'tfjs-backend-wasm-threaded-simd.wasm': threaded,
});
