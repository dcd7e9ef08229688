// The model worker's typed API: what the page may ask of the worker and what comes back. The page imports only
// these types; the worker implements them (workers/model.worker.ts) and Comlink carries the calls.
import type { Device } from '../src/engines/transformers/runtime';

/** `auto` picks WebGPU when an adapter and device can be had, else wasm — and says why. */
export type DeviceRequest = 'auto' | 'webgpu' | 'wasm';

export interface LoadRequest {
  readonly modelId: string;
  readonly device: DeviceRequest;
}

export interface ModelStatus {
  readonly modelId: string;
  readonly modelName: string;
  readonly parameters: number;
  /** The device the model actually runs on. */
  readonly device: Device;
  /** Why this device: the WebGPU adapter in use, or why WebGPU is unavailable. */
  readonly deviceReason: string;
  /** Where the warm-up pass left its KV cache: 'gpu-buffer' on WebGPU, 'cpu' on wasm. */
  readonly cacheLocation: string;
  readonly loadMillis: number;
  /** Warm-up forward pass over the retrieval prompt of an empty query: its arg-max next token. */
  readonly warmupArgmax: number;
  readonly warmupMillis: number;
  readonly answers: boolean;
}

export interface LibrarySummary {
  readonly name: string;
  readonly passages: number;
  /** A few training queries of the demo collection, to click. */
  readonly exampleQueries: readonly string[];
}

export interface TitleGuess {
  /** The model's greedy, unconstrained first title line for the query. */
  readonly title: string;
  readonly millis: number;
}

export interface ModelWorkerApi {
  load(request: LoadRequest): Promise<ModelStatus>;
  describeDemoLibrary(): Promise<LibrarySummary>;
  guessTitle(query: string): Promise<TitleGuess>;
}

/** Errors that cross the worker boundary keep a stable code. */
export type ModelWorkerErrorCode = 'WEBGPU_UNAVAILABLE' | 'MODEL_NOT_LOADED' | 'MODEL_LOAD_FAILED';
