// transformers.js runtime: offline configuration, loading a causal LM on a chosen device, and the raw forward
// passes the rest of the engine builds on. Works in a browser worker (webgpu, wasm) and in Node (cpu).
// Design.md §4 lists the library facts this file relies on.
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  Tensor,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import type { Dtype } from '../../core/model-card';

export type Device = 'webgpu' | 'wasm' | 'cpu';

export interface OfflineSources {
  /** Folder (Node) or URL prefix (browser) holding one sub-folder per model, in the layout transformers.js reads. */
  readonly modelRoot: string;
  /** URL prefix of the ONNX Runtime wasm files served from our own origin (browser only). */
  readonly ortRoot?: string;
}

/** Load models only from our own origin or disk: no hub, no CDN, no browser cache of model files here
 * (the model download cache is its own concern). */
export function configureOffline(sources: OfflineSources): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = sources.modelRoot;
  env.useBrowserCache = false;
  const wasm = env.backends.onnx.wasm;
  if (sources.ortRoot && wasm) {
    wasm.wasmPaths = {
      mjs: `${sources.ortRoot}ort-wasm-simd-threaded.asyncify.mjs`,
      wasm: `${sources.ortRoot}ort-wasm-simd-threaded.asyncify.wasm`,
    };
  }
}

export interface CausalLM {
  readonly id: string;
  readonly device: Device;
  readonly tokenizer: PreTrainedTokenizer;
  readonly model: PreTrainedModel;
}

export async function loadCausalLM(id: string, device: Device, dtype: Dtype): Promise<CausalLM> {
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  const model = await AutoModelForCausalLM.from_pretrained(id, { device, dtype });
  return { id, device, tokenizer, model };
}

export function encode(lm: CausalLM, text: string): number[] {
  return lm.tokenizer.encode(text, { add_special_tokens: false });
}

export function decode(lm: CausalLM, ids: readonly number[]): string {
  // transformers.js refuses an empty id list; an empty sequence is the empty string.
  return ids.length === 0 ? '' : lm.tokenizer.decode([...ids], { skip_special_tokens: true });
}

function int64(values: readonly number[]): Tensor {
  return new Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    [1, values.length],
  );
}

export interface ForwardResult {
  /** Next-token logits after the last input token. */
  readonly logits: Float32Array;
  /** Where the model's KV-cache outputs live: 'gpu-buffer' proves the WebGPU execution provider ran. */
  readonly cacheLocation: string;
}

/** One forward pass over `ids`: logits for every position, [ids.length × vocab]. Cache outputs are released at
 * once (on WebGPU they hold GPU memory). */
async function forwardAll(
  lm: CausalLM,
  ids: readonly number[],
): Promise<{ logits: Float32Array; vocab: number; cacheLocation: string }> {
  const outputs = (await lm.model({ input_ids: int64(ids), attention_mask: int64(ids.map(() => 1)) })) as Record<
    string,
    Tensor
  >;
  const logits = outputs['logits'];
  if (!logits) throw new Error('model returned no logits');
  const cacheLocation = outputs['present.0.key']?.location ?? 'none';
  for (const [name, tensor] of Object.entries(outputs)) if (name !== 'logits') tensor.dispose();
  return { logits: logits.data as Float32Array, vocab: logits.dims[2] ?? 0, cacheLocation };
}

/** One forward pass over `ids`; the logits after the last token. */
export async function forwardLast(lm: CausalLM, ids: readonly number[]): Promise<ForwardResult> {
  const { logits, vocab, cacheLocation } = await forwardAll(lm, ids);
  return { logits: logits.slice((ids.length - 1) * vocab, ids.length * vocab), cacheLocation };
}

/** log P of each token of `continuation` after `prompt`, from ONE forward pass over both (no decoding loop). */
export async function continuationLogProbs(
  lm: CausalLM,
  prompt: readonly number[],
  continuation: readonly number[],
): Promise<Float32Array> {
  const { logits, vocab } = await forwardAll(lm, [...prompt, ...continuation]);
  const out = new Float32Array(continuation.length);
  for (let i = 0; i < continuation.length; i++) {
    // Row p+i-1 predicts token p+i; log-softmax over that row.
    const row = logits.subarray((prompt.length - 1 + i) * vocab, (prompt.length + i) * vocab);
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, row[v]!);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(row[v]! - max);
    out[i] = row[continuation[i]!]! - max - Math.log(sum);
  }
  return out;
}

/** Greedy unconstrained continuation, `maxNew` tokens at most, stopped early once `stop(text)` holds. */
export async function greedyContinuation(
  lm: CausalLM,
  promptIds: readonly number[],
  maxNew: number,
  stop: (text: string) => boolean,
): Promise<string> {
  const generated = (await lm.model.generate({
    inputs: int64(promptIds),
    max_new_tokens: maxNew,
    do_sample: false,
  })) as Tensor;
  const ids = Array.from(generated.data as BigInt64Array, Number).slice(promptIds.length);
  let text = '';
  for (let n = 1; n <= ids.length; n++) {
    text = decode(lm, ids.slice(0, n));
    if (stop(text)) break;
  }
  return text;
}

export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] ?? -Infinity) > (values[best] ?? -Infinity)) best = i;
  return best;
}
