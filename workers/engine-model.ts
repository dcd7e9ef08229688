// The engine's model machinery, loaded on demand: transformers.js, ONNX Runtime's glue, the tokenizer and the keyer.
// The engine session imports this module only when a model is asked for, so a worker that answers with keyword
// search (a site's widget without a model, the demo before its model loads) never fetches or parses the library.
import type { Dtype, ModelCard } from '../src/core/model-card';
import { retrievalPrompt } from '../src/core/model-card';
import { promptProfile } from '../src/core/prompt-profile';
import { keyerOf } from '../src/engines/transformers/keyer';
import {
  argmax,
  encode,
  forwardLast,
  loadCausalLM,
  webgpuDevice,
  type Device,
} from '../src/engines/transformers/runtime';
import { coreTokenizer } from '../src/engines/transformers/tokenizer';
import { TransformersLM } from '../src/engines/transformers/transformers-lm';
import type { GpuDeviceLike } from './device';
import type { EngineModel } from './engine-session';

export interface LoadedEngineModel {
  readonly model: EngineModel;
  readonly device: Device;
  /** The warm-up pass: where its cache lives, its top token, and what it took. */
  readonly cacheLocation: string;
  readonly warmupArgmax: number;
  readonly warmupMillis: number;
}

/** Loads a model on `device` and runs one warm-up pass; `failed` turns a load error into the owner's error. */
export async function loadEngineModel(
  modelId: string,
  card: ModelCard,
  device: Device,
  dtype: Dtype,
  failed: (error: unknown) => unknown,
): Promise<LoadedEngineModel> {
  let causal;
  try {
    causal = await loadCausalLM(modelId, device, dtype);
  } catch (error) {
    throw failed(error);
  }
  const lm = new TransformersLM(causal, coreTokenizer(causal.tokenizer));
  const warmStarted = performance.now();
  const warm = await forwardLast(causal, encode(causal, retrievalPrompt(card, '')));
  return {
    // One tokenizer for the runtime and the keys: the sources are keyed with the model's own.
    model: {
      modelId,
      card,
      lm,
      keyer: keyerOf(modelId, card, causal.tokenizer),
      model: { lm, card, profile: promptProfile(card, lm.tokenizer) },
    },
    device: causal.device,
    cacheLocation: warm.cacheLocation,
    warmupArgmax: argmax(warm.logits),
    warmupMillis: performance.now() - warmStarted,
  };
}

/** The WebGPU device ONNX Runtime runs on, to watch for its loss. */
export async function gpuDevice(): Promise<GpuDeviceLike | undefined> {
  return (await webgpuDevice()) as GpuDeviceLike | undefined;
}
