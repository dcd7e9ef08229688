// The training worker's typed API: what the page may ask of it (an estimate, start, pause, cancel) and the view it
// keeps the page up to date with. The page imports only these types; workers/train.worker.ts implements them
// (train-service.ts) and Comlink carries the calls.
import type { DeviceRequest } from './device';
import type { ModelRef } from './protocol';

export type { ModelRef };

/** Where training runs: WebGPU when the browser has it and it was not declined, else WebAssembly (the CLI: CPU). */
export type TrainDevice = 'webgpu' | 'wasm' | 'cpu';

export interface TrainRequest {
  /** The model the library is keyed for: the run starts from its weights, or from the library's internalized model
   * when that one was trained from the same base (new passages are trained on top, the rest replayed). */
  readonly base: ModelRef;
  readonly device: DeviceRequest;
}

/** What a run would cost, measured on this device before it starts: one timed step, times the steps planned. */
export interface TrainEstimate {
  readonly passages: number;
  readonly steps: number;
  readonly tokens: number;
  readonly device: TrainDevice;
  readonly secondsPerStep: number;
  readonly seconds: number;
  /** True when it would start from the library's internalized model (new passages on top). */
  readonly onTop: boolean;
}

export interface TrainProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  readonly epochs: number;
  readonly tokens: number;
  readonly totalTokens: number;
  /** Mean loss per target token over about the last 20 steps. */
  readonly loss: number | null;
  readonly tokensPerSecond: number;
  readonly etaMs: number;
  /** The step of the last checkpoint saved, which a reload or a killed worker resumes from. */
  readonly checkpointStep: number | null;
  /** The step this run resumed from, when it did. */
  readonly resumedFromStep: number | null;
  readonly device: TrainDevice;
  /** The most memory the training backend has held in this worker's run, in bytes (its high-water mark). */
  readonly peakMemoryBytes: number;
}

/** The library's internalized model: which stored model, trained from which base, on which passages. */
export interface InternalizedModel {
  /** Its key in the model cache (load it as `{ kind: 'stored', key }`). */
  readonly key: string;
  readonly name: string;
  readonly base: ModelRef;
  /** Passages it was trained on (all runs), and the library generation of the last. */
  readonly passages: number;
  readonly generation: number;
  readonly trainedAt: string;
}

/**
 * - `idle`: nothing runs (there may be an internalized model);
 * - `running`: a run trains in this tab's worker; `elsewhere`: in another tab's;
 * - `paused`: stopped by the user, kept with its checkpoint (start resumes it);
 * - `interrupted`: stopped by a reload or a dead worker: resumed as soon as the worker can.
 */
export type TrainPhase = 'idle' | 'running' | 'elsewhere' | 'paused' | 'interrupted';

export interface TrainView {
  readonly phase: TrainPhase;
  readonly progress: TrainProgress | null;
  readonly model: InternalizedModel | null;
  /** The library now against the internalized model: passages it was trained on, of all; trained ones since removed
   * (still in its weights until it is trained again without them). */
  readonly coverage: { readonly trained: number; readonly total: number; readonly removed: number } | null;
  /** Why the last run failed, when it did. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface TrainWorkerApi {
  /** Holds the Web Lock `lockName` until the worker ends (the page learns of its death through it). */
  hold(lockName: string, onFatal: (reason: string) => void): Promise<void>;
  /** The current view, then every change; resumes an interrupted run. */
  open(listener: (view: TrainView) => void): Promise<TrainView>;
  /** Times one training step on the device and plans the run, without starting it. */
  estimate(request: TrainRequest): Promise<TrainEstimate>;
  /** Starts a run (or resumes a paused one); resolves once it runs, not when it ends. */
  start(request: TrainRequest): Promise<TrainView>;
  /** Stops after the current step with a checkpoint; `start` goes on from it. */
  pause(): Promise<TrainView>;
  /** Stops and forgets the run; the internalized model, if any, stays. */
  cancel(): Promise<TrainView>;
  /** The library changed: recounts the coverage. */
  refresh(): Promise<TrainView>;
}

/** Errors the training worker throws with a stable code. */
export type TrainWorkerErrorCode =
  'TRAINING_BUSY' | 'NOTHING_TO_TRAIN' | 'MODEL_NOT_TRAINABLE' | 'TRAINING_FAILED' | 'TRAINING_DEVICE_UNAVAILABLE';
