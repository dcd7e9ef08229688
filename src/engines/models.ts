// The model registry: the models the app offers, where each comes from, what it weighs per weight format, its
// licence and how it is prompted. Pure data and the file layout transformers.js reads (config, tokenizer files and
// onnx/model_<dtype>.onnx); downloading is model-sources.ts and model-store.ts.
import type { Dtype } from '../core/model-card';

export interface RegistryModel {
  /** Stable id used by the app, the CLI and URLs (`?model=`). */
  readonly id: string;
  readonly name: string;
  /** Repository on the Hugging Face hub holding the ONNX build; absent for a model served with the app. */
  readonly repo?: string;
  /** Served by the app itself under `models/<id>/` (the demo model). */
  readonly builtin?: boolean;
  readonly parameters: number;
  readonly licence: string;
  /** `self-retrieval`: trained on the corpus with its own templates (model-card.json); `chat`: zero-shot. */
  readonly profile: 'self-retrieval' | 'chat';
  /** Download size of the weights per format, approximately as listed on the hub (bytes). For display only: a
   * download uses the sizes its source gives, and checks the quota against those. */
  readonly sizes: Readonly<Partial<Record<Dtype, number>>>;
  readonly description: string;
}

const MB = 1e6;

export const MODELS: readonly RegistryModel[] = [
  {
    id: 'cranfield-tiny',
    name: 'Cranfield tiny (demo)',
    builtin: true,
    parameters: 1.8e6,
    licence: 'MIT (trained on the Cranfield collection and on English text Debian ships)',
    profile: 'self-retrieval',
    sizes: { fp32: 7.3 * MB },
    description:
      'A tiny model pretrained on general English, then trained on the Cranfield abstracts: it knows the demo library by heart.',
  },
  {
    id: 'smollm2-135m-instruct',
    name: 'SmolLM2 135M Instruct',
    repo: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    parameters: 135e6,
    licence: 'Apache-2.0',
    profile: 'chat',
    sizes: { q4f16: 134 * MB, q4: 200 * MB, q8: 171 * MB, fp16: 327 * MB, fp32: 654 * MB },
    description: 'The smallest instruction model here: quick to download, weak at judging relevance.',
  },
  {
    id: 'smollm2-360m-instruct',
    name: 'SmolLM2 360M Instruct',
    repo: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    parameters: 362e6,
    licence: 'Apache-2.0',
    profile: 'chat',
    sizes: { q4f16: 299 * MB, q4: 420 * MB, q8: 387 * MB, fp16: 726 * MB, fp32: 1452 * MB },
    description: 'A better judge and writer than the 135M model at a little over twice the size.',
  },
  {
    id: 'qwen2.5-0.5b-instruct',
    name: 'Qwen2.5 0.5B Instruct',
    repo: 'onnx-community/Qwen2.5-0.5B-Instruct',
    parameters: 494e6,
    licence: 'Apache-2.0',
    profile: 'chat',
    sizes: { q4f16: 483 * MB, q4: 786 * MB, q8: 499 * MB, fp16: 988 * MB },
    description: 'Multilingual (CJK included) and the strongest answers of the small models.',
  },
  {
    id: 'llama-3.2-1b-instruct',
    name: 'Llama 3.2 1B Instruct',
    repo: 'onnx-community/Llama-3.2-1B-Instruct',
    parameters: 1236e6,
    licence: 'Llama 3.2 Community License',
    profile: 'chat',
    sizes: { q4f16: 1070 * MB, q4: 1700 * MB, q8: 1240 * MB, fp16: 2470 * MB },
    description: 'The largest model offered: needs WebGPU and about 2 GB of free memory.',
  },
];

export function registryModel(id: string): RegistryModel | undefined {
  return MODELS.find((m) => m.id === id);
}

/** The dtypes a registry model ships, largest to smallest preference is the runtime's (pickDtype). */
export function registryDtypes(model: RegistryModel): Dtype[] {
  return Object.keys(model.sizes) as Dtype[];
}

const ONNX_SUFFIX: Readonly<Record<Dtype, string>> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
};

/** The weights file transformers.js reads for `dtype` (its `onnx/model<suffix>.onnx` layout). */
export function onnxFile(dtype: Dtype): string {
  return `onnx/model${ONNX_SUFFIX[dtype]}.onnx`;
}

/** The dtype of a weights file name, or undefined when it is not one transformers.js reads for a causal LM. */
export function dtypeOfOnnxFile(path: string): Dtype | undefined {
  const match = /(?:^|\/)onnx\/model(_[a-z0-9]+)?\.onnx$/.exec(path);
  if (!match) return undefined;
  const suffix = match[1] ?? '';
  return (Object.keys(ONNX_SUFFIX) as Dtype[]).find((d) => ONNX_SUFFIX[d] === suffix);
}

/** Files besides the weights that a model folder must hold for transformers.js. */
export const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
/** Files read when present. `model-card.json` is ours: a model trained for Self-Retrieval ships its templates. */
export const OPTIONAL_FILES = ['generation_config.json', 'model-card.json'] as const;
