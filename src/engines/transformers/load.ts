// Loading a model as the core's LanguageModel: the transformers.js model and tokenizer wrapped in TransformersLM
// (the weight format per device is pick-dtype.ts's). Browser worker and Node CLI alike.
import type { Dtype } from '../../core/model-card';
import { configureOffline, loadCausalLM, type Device, type OfflineSources } from './runtime';
import { coreTokenizer } from './tokenizer';
import { TransformersLM } from './transformers-lm';

export async function loadTransformersLM(
  sources: OfflineSources,
  modelId: string,
  options: { readonly device: Device; readonly dtype: Dtype },
): Promise<TransformersLM> {
  configureOffline(sources);
  const causal = await loadCausalLM(modelId, options.device, options.dtype);
  return new TransformersLM(causal, coreTokenizer(causal.tokenizer));
}
