// transformers.js runtime: offline configuration, loading a causal LM on a chosen device, and the raw forward
// passes the rest of the engine builds on. Works in a browser worker (webgpu, wasm) and in Node (cpu).
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  Tensor,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import { parseModelCard, type Dtype, type ModelCard } from '../../core/model-card';
import { fetchModelFile } from '../model-fetch';
import { STORE_PREFIX } from './store-id';

export type Device = 'webgpu' | 'wasm' | 'cpu';

export interface OfflineSources {
  /** Folder (Node) or URL prefix (browser) holding one sub-folder per model, in the layout transformers.js reads. */
  readonly modelRoot: string;
  /** URL prefix of the ONNX Runtime wasm files served from our own origin (browser only). */
  readonly ortRoot?: string;
  /** Files of cached models (model-store.ts), read for model ids under `store/` instead of fetching them. */
  readonly stored?: (key: string, path: string) => Promise<Blob | undefined>;
}

/** Load models only from our own origin or disk: no hub, no CDN, no browser cache of model files here
 * (the model download cache is its own concern). */
export function configureOffline(sources: OfflineSources): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = sources.modelRoot;
  env.useBrowserCache = false;
  const { stored } = sources;
  if (stored) {
    // transformers.js reads `<modelRoot>store/<key>/<path>` through env.fetch: answer from the cache, and 404 for
    // a file the model does not have (so optional files stay optional, and nothing reaches the network). Other
    // files (the built-in model, from our origin) are read whole and tried again after a network failure.
    const prefix = `${sources.modelRoot}${STORE_PREFIX}`;
    env.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.startsWith(prefix)) return fetchModelFile(input, init);
      const rest = url.slice(prefix.length);
      const slash = rest.indexOf('/');
      const blob =
        slash > 0 ? await stored(rest.slice(0, slash), decodeURIComponent(rest.slice(slash + 1))) : undefined;
      return blob
        ? new Response(blob, { headers: { 'content-length': String(blob.size) } })
        : new Response(null, { status: 404 });
    };
  }
  const wasm = env.backends.onnx.wasm;
  if (sources.ortRoot && wasm) {
    // transformers.js would re-serve ONNX Runtime's .mjs as a blob: URL (its "wasm cache"), which a
    // `script-src 'self'` policy refuses; ONNX Runtime imports it from our origin instead, and the service worker
    // (workers/sw.ts) is the cache that keeps it and the .wasm offline.
    env.useWasmCache = false;
    wasm.wasmPaths = {
      mjs: `${sources.ortRoot}ort-wasm-simd-threaded.asyncify.mjs`,
      wasm: `${sources.ortRoot}ort-wasm-simd-threaded.asyncify.wasm`,
    };
  }
}

/** A model's card, read as transformers.js reads its other files (so cached models answer from the cache). */
export async function fetchModelCard(modelRoot: string, id: string): Promise<ModelCard> {
  const url = `${modelRoot}${id}/model-card.json`;
  const response = await (env.fetch as (url: string) => Promise<Response>)(url);
  if (!response.ok) throw new Error(`model card of "${id}" not found (HTTP ${response.status})`);
  return parseModelCard(await response.json());
}

/** ONNX Runtime's WebGPU device once a model runs on WebGPU (to watch for its loss), else undefined. */
export async function webgpuDevice(): Promise<unknown> {
  const webgpu = (env.backends.onnx as { webgpu?: { device?: unknown } }).webgpu;
  return Promise.resolve(webgpu?.device).catch(() => undefined);
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
export async function forwardAll(
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
