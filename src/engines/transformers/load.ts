// Loading a model as the core's LanguageModel: the weight format per device, then the transformers.js model and
// tokenizer wrapped in TransformersLM. Browser worker and Node CLI alike.
import type { Dtype } from '../../core/model-card';
import { configureOffline, loadCausalLM, type Device, type OfflineSources } from './runtime';
import { coreTokenizer } from './tokenizer';
import { TransformersLM } from './transformers-lm';

/**
 * The weight format to load on a device, from those a model ships: on WebGPU half precision when the
 * adapter has `shader-f16` (q4f16, then fp16), else q4 or fp32; on wasm and Node's CPU q8 first (their fastest
 * kernels), then q4, then fp32.
 */
export function pickDtype(available: readonly Dtype[], device: Device, shaderF16 = false): Dtype {
  const preference: readonly Dtype[] =
    device === 'webgpu' ? (shaderF16 ? ['q4f16', 'fp16', 'q4', 'fp32'] : ['q4', 'fp32']) : ['q8', 'q4', 'fp32'];
  const choice = preference.find((d) => available.includes(d));
  if (!choice) {
    throw new Error(
      `no weight format for ${device}${shaderF16 ? ' with shader-f16' : ''} among ${available.join(', ')}`,
    );
  }
  return choice;
}

export async function loadTransformersLM(
  sources: OfflineSources,
  modelId: string,
  options: { readonly device: Device; readonly dtype: Dtype },
): Promise<TransformersLM> {
  configureOffline(sources);
  const causal = await loadCausalLM(modelId, options.device, options.dtype);
  return new TransformersLM(causal, coreTokenizer(causal.tokenizer));
}
