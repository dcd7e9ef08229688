// The weights of a LLaMA-architecture model by parameter, in the layout the training graph (src/train/llama.ts)
// and PyTorch use ([out, in] for linear layers), read from and written back to the model's ONNX file. The project's
// models are exported by tools/fixture-model with every initializer named after its parameter: as itself, or as
// `{parameter}.T` where constant folding stored a linear layer's weight transposed ([in, out]) for MatMul.
import { CodedError } from './errors';
import { onnxInitializers, OnnxWeightsError, readOnnxWeights, writeOnnxWeights } from './onnx-initializers';

/** The shape of a LLaMA model, from its Hugging Face `config.json`. */
export interface LlamaShape {
  readonly vocabSize: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly intermediate: number;
  readonly maxPositions: number;
  readonly ropeTheta: number;
  readonly eps: number;
  /** The output layer reuses the token embeddings (no `lm_head.weight` of its own). */
  readonly tiedEmbeddings: boolean;
}

/** NOT_LLAMA: the config describes another architecture, or one this graph does not build (biases, scaled RoPE). */
export class LlamaConfigError extends CodedError<'NOT_LLAMA'> {}

/** Reads a Hugging Face LLaMA `config.json`. */
export function llamaShape(config: unknown): LlamaShape {
  const c = (config ?? {}) as Record<string, unknown>;
  const num = (key: string, fallback?: number): number => {
    const value = c[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new LlamaConfigError('NOT_LLAMA', `config.json has no number "${key}".`);
    }
    return value;
  };
  if (c['model_type'] !== 'llama') {
    throw new LlamaConfigError(
      'NOT_LLAMA',
      `Only LLaMA models can be trained here; this one is "${String(c['model_type'])}".`,
    );
  }
  if (c['attention_bias'] === true || c['mlp_bias'] === true || (c['rope_scaling'] ?? null) !== null) {
    throw new LlamaConfigError(
      'NOT_LLAMA',
      'Biases and scaled rotary positions are not supported by the training graph.',
    );
  }
  const hidden = num('hidden_size');
  const heads = num('num_attention_heads');
  const shape: LlamaShape = {
    vocabSize: num('vocab_size'),
    hidden,
    layers: num('num_hidden_layers'),
    heads,
    kvHeads: num('num_key_value_heads', heads),
    headDim: num('head_dim', hidden / heads),
    intermediate: num('intermediate_size'),
    maxPositions: num('max_position_embeddings'),
    ropeTheta: num('rope_theta', 10000),
    eps: num('rms_norm_eps'),
    tiedEmbeddings: c['tie_word_embeddings'] === true,
  };
  if (shape.heads % shape.kvHeads !== 0) {
    throw new LlamaConfigError('NOT_LLAMA', 'The attention heads are not a multiple of the key/value heads.');
  }
  return shape;
}

/** One trainable parameter: its name (as PyTorch and the ONNX export call it) and shape. */
export interface LlamaParameter {
  readonly name: string;
  readonly shape: readonly [number] | readonly [number, number];
}

/** Every parameter of the model, in a fixed order (the order checkpoints store them in). */
export function llamaParameters(s: LlamaShape): LlamaParameter[] {
  const params: LlamaParameter[] = [{ name: 'embed_tokens.weight', shape: [s.vocabSize, s.hidden] }];
  for (let l = 0; l < s.layers; l++) {
    const p = `layers.${l}.`;
    params.push(
      { name: `${p}input_layernorm.weight`, shape: [s.hidden] },
      { name: `${p}self_attn.q_proj.weight`, shape: [s.heads * s.headDim, s.hidden] },
      { name: `${p}self_attn.k_proj.weight`, shape: [s.kvHeads * s.headDim, s.hidden] },
      { name: `${p}self_attn.v_proj.weight`, shape: [s.kvHeads * s.headDim, s.hidden] },
      { name: `${p}self_attn.o_proj.weight`, shape: [s.hidden, s.heads * s.headDim] },
      { name: `${p}post_attention_layernorm.weight`, shape: [s.hidden] },
      { name: `${p}gate_proj.weight`, shape: [s.intermediate, s.hidden] },
      { name: `${p}up_proj.weight`, shape: [s.intermediate, s.hidden] },
      { name: `${p}down_proj.weight`, shape: [s.hidden, s.intermediate] },
    );
  }
  params.push({ name: 'norm.weight', shape: [s.hidden] });
  if (!s.tiedEmbeddings) params.push({ name: 'lm_head.weight', shape: [s.vocabSize, s.hidden] });
  return params;
}

/** Weights by parameter name, PyTorch layout. */
export type LlamaWeights = Map<string, Float32Array>;

/** A [rows × cols] row-major matrix as [cols × rows]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  }
  return out;
}

/** Where each parameter is in the file: under its own name, or transposed under `{name}.T`. */
function onnxNames(
  bytes: Uint8Array,
  s: LlamaShape,
): Array<{ param: LlamaParameter; onnx: string; transposed: boolean }> {
  const names = new Set(onnxInitializers(bytes).map((init) => init.name));
  return llamaParameters(s).map((param) => {
    if (names.has(param.name)) return { param, onnx: param.name, transposed: false };
    if (param.shape.length === 2 && names.has(`${param.name}.T`)) {
      return { param, onnx: `${param.name}.T`, transposed: true };
    }
    throw new OnnxWeightsError(
      'ONNX_WEIGHT_MISSING',
      `The model has no weight named ${param.name}: only models exported with their weights named after their ` +
        'parameters (as tools/fixture-model does) can be trained in the page.',
    );
  });
}

/** The model's weights, read from its ONNX file. */
export function llamaWeightsFromOnnx(bytes: Uint8Array, s: LlamaShape): LlamaWeights {
  const places = onnxNames(bytes, s);
  const raw = readOnnxWeights(
    bytes,
    places.map((p) => p.onnx),
  );
  const weights: LlamaWeights = new Map();
  for (const { param, onnx, transposed } of places) {
    const data = raw.get(onnx)!;
    const [rows, cols] = param.shape;
    // Stored [in, out] = [cols, rows] of the parameter.
    weights.set(param.name, transposed ? transpose2d(data, cols!, rows) : data);
  }
  return weights;
}

/** A copy of the ONNX file holding `weights` (every parameter); the graph is unchanged. */
export function onnxWithLlamaWeights(bytes: Uint8Array, s: LlamaShape, weights: LlamaWeights): Uint8Array {
  const values = new Map<string, Float32Array>();
  for (const { param, onnx, transposed } of onnxNames(bytes, s)) {
    const data = weights.get(param.name);
    if (!data) throw new OnnxWeightsError('ONNX_WEIGHT_MISSING', `No new values for ${param.name}.`);
    const [rows, cols] = param.shape;
    values.set(onnx, transposed ? transpose2d(data, rows, cols!) : data);
  }
  return writeOnnxWeights(bytes, values);
}
