// TransformersLM: the core's LanguageModel over a transformers.js causal LM, on WebGPU, wasm or Node's CPU. It runs
// raw forward passes — transformers.js's generate() has no beam search — and owns the KV cache itself:
//
// - A forward pass over B sequences yields one cache *block*: the model's `present.*` tensors with batch B. Each of
//   the B handles it returns points at a row of the block; the block's tensors are disposed when its last handle is
//   released — exactly once, which matters on WebGPU where they are GPU buffers (transformers.js's own generate()
//   disposes tensors it replaces, so nothing here goes through it).
// - `extend` feeds the parents' rows as the next pass's past. When the parents are exactly the rows of one block in
//   order (a batch continuing greedily), the block's tensors are fed as they are, with no copy even on the GPU.
//   Otherwise (beams forking, finished beams dropping out) the rows are gathered into new input tensors; a GPU
//   block is read back once for that.
// - The prompt is read once; every beam forks from its cached state (the shared prefix).
// - `score` reads a whole continuation in one pass: the parent's row is repeated over a batch of continuations,
//   padded on the right (padding comes after every real token of a row, so causal attention never sees it).
import { Tensor } from '@huggingface/transformers';
import type { LanguageModel, NextTokenBatch, ScoreOptions, SequenceHandle, Tokenizer } from '../../core/language-model';
import type { CausalLM } from './runtime';

type KvArray = Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

interface CacheBlock {
  /** `past_key_values.*` name → tensor of shape [batch, heads, length, headDim]. */
  readonly tensors: ReadonlyMap<string, Tensor>;
  readonly batch: number;
  /** Handles of this block not yet released. */
  refs: number;
  /** CPU copies of GPU tensors, each read back once (one download in flight per tensor: ONNX Runtime refuses to
   * dispose a tensor while it downloads). */
  cpu?: Map<string, Promise<KvArray>>;
}

class Handle implements SequenceHandle {
  released = false;
  constructor(
    readonly block: CacheBlock,
    readonly row: number,
    readonly length: number,
    /** Log-probabilities of the next token (a view into the batch that made the handle). */
    readonly next: Float32Array,
  ) {}
}

/** How many logit floats one `score` pass may produce (4 MB): more rows are split over several passes. ONNX
 * Runtime's WebAssembly heap grows to its largest pass and never shrinks, so this bounds what a tab keeps after
 * self-assessment: at 64 MB a pass the demo model's worker held 187 MB after one hybrid query on a million
 * passages, at 4 MB 68 MB, and its queries ran faster. */
const SCORE_LOGITS_BUDGET = 1024 * 1024;

export interface EngineStats {
  /** Cache tensors made and not yet disposed. 0 whenever no handle is held. */
  readonly liveTensors: number;
  readonly liveHandles: number;
  readonly forwardPasses: number;
}

/** log-softmax of `logits` into `out` (same length). */
function logSoftmax(logits: Float32Array, out: Float32Array): void {
  let max = -Infinity;
  for (let v = 0; v < out.length; v++) if (logits[v]! > max) max = logits[v]!;
  let sum = 0;
  for (let v = 0; v < out.length; v++) sum += Math.exp(logits[v]! - max);
  const logZ = max + Math.log(sum);
  for (let v = 0; v < out.length; v++) out[v] = logits[v]! - logZ;
}

/** IEEE half floats (as uint16) → float32: logits of fp16 models come back that way where Float16Array is missing. */
function halfToFloat(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    out[i] =
      exp === 0
        ? sign * 2 ** -14 * (frac / 1024)
        : exp === 31
          ? frac
            ? NaN
            : sign * Infinity
          : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}

/** A logits tensor's values as float32 (fp16 models may return float16). */
function floatData(tensor: Tensor): Float32Array {
  const data = tensor.data as unknown;
  if (data instanceof Float32Array) return data;
  if (tensor.type === 'float16' && data instanceof Uint16Array) return halfToFloat(data);
  return Float32Array.from(data as ArrayLike<number>);
}

function int64Tensor(values: ArrayLike<number>, dims: number[]): Tensor {
  return new Tensor(
    'int64',
    BigInt64Array.from(Array.from(values), (v) => BigInt(v)),
    dims,
  );
}

export class TransformersLM implements LanguageModel {
  readonly tokenizer: Tokenizer;
  private live = 0;
  private handles = 0;
  private passes = 0;

  constructor(
    readonly causal: CausalLM,
    tokenizer: Tokenizer,
  ) {
    this.tokenizer = tokenizer;
  }

  get forwardPasses(): number {
    return this.passes;
  }

  get stats(): EngineStats {
    return { liveTensors: this.live, liveHandles: this.handles, forwardPasses: this.passes };
  }

  /** Releases the model's sessions (GPU memory on WebGPU); the model cannot run after this. */
  async dispose(): Promise<void> {
    await this.causal.model.dispose();
  }

  async prefill(tokens: readonly number[]): Promise<NextTokenBatch> {
    if (tokens.length === 0) throw new Error('prefill needs at least one token');
    const n = tokens.length;
    const { logits, block } = await this.run(
      int64Tensor(tokens, [1, n]),
      int64Tensor(new Array<number>(n).fill(1), [1, n]),
      int64Tensor(
        Array.from({ length: n }, (_, i) => i),
        [1, n],
      ),
      undefined,
    );
    const vocab = logits.dims[2]!;
    const logProbs = new Float32Array(vocab);
    logSoftmax(floatData(logits).subarray((n - 1) * vocab, n * vocab), logProbs);
    logits.dispose();
    return { handles: [this.handle(block, 0, n, logProbs)], logProbs, vocabSize: vocab };
  }

  async extend(parents: readonly SequenceHandle[], tokens: readonly number[]): Promise<NextTokenBatch> {
    if (parents.length !== tokens.length) throw new Error('extend needs one token per parent');
    const own = parents.map((p) => this.own(p));
    const vocab = this.tokenizer.vocabSize;
    // Every parent of one pass must have the same length (no padding inside the cache); beam search's parents
    // always do, other callers get one pass per length.
    const byLength = new Map<number, number[]>();
    own.forEach((h, i) => byLength.set(h.length, [...(byLength.get(h.length) ?? []), i]));
    let logProbs: Float32Array | undefined;
    const handles: SequenceHandle[] = new Array<SequenceHandle>(own.length);
    for (const [length, rows] of byLength) {
      const group = rows.map((i) => own[i]!);
      const b = group.length;
      const past = await this.pastFor(group);
      const { logits, block } = await this.run(
        int64Tensor(
          rows.map((i) => tokens[i]!),
          [b, 1],
        ),
        int64Tensor(new Array<number>(b * (length + 1)).fill(1), [b, length + 1]),
        int64Tensor(new Array<number>(b).fill(length), [b, 1]),
        past,
      );
      const width = logits.dims[2]!;
      logProbs ??= new Float32Array(own.length * width);
      const data = floatData(logits);
      rows.forEach((i, r) => {
        const out = logProbs!.subarray(i * width, (i + 1) * width);
        logSoftmax(data.subarray(r * width, (r + 1) * width), out);
        handles[i] = this.handle(block, r, length + 1, out);
      });
      logits.dispose();
    }
    return {
      handles,
      logProbs: logProbs ?? new Float32Array(0),
      vocabSize: logProbs ? logProbs.length / own.length : vocab,
    };
  }

  async score(
    parent: SequenceHandle,
    continuations: readonly (readonly number[])[],
    options: ScoreOptions = {},
  ): Promise<Float32Array[]> {
    const p = this.own(parent);
    const alternatives = options.alternatives ?? [];
    const results: Float32Array[] = continuations.map((c) =>
      new Float32Array(c.length + alternatives.length).fill(NaN),
    );
    const firstRead = (c: readonly number[]) => Math.max(0, c.length - (options.tail ?? c.length));
    const vocab = p.next.length;
    // Row i: token 0 comes from the parent's own next-token row; the rest from one pass over the continuation.
    const todo: number[] = [];
    continuations.forEach((c, i) => {
      if (c.length > 0) {
        if (firstRead(c) === 0) results[i]![0] = p.next[c[0]!]!;
        todo.push(i);
      } else {
        alternatives.forEach((a, k) => (results[i]![k] = p.next[a]!));
      }
    });
    const longest = Math.max(1, ...todo.map((i) => continuations[i]!.length));
    const chunk = Math.max(1, Math.floor(SCORE_LOGITS_BUDGET / (longest * vocab)));
    const row = new Float32Array(vocab);
    for (let start = 0; start < todo.length; start += chunk) {
      const rows = todo.slice(start, start + chunk);
      const b = rows.length;
      const t = Math.max(...rows.map((i) => continuations[i]!.length));
      const ids = new Array<number>(b * t).fill(this.tokenizer.eosTokenId);
      const mask = new Array<number>(b * (p.length + t)).fill(1);
      rows.forEach((i, r) => {
        const c = continuations[i]!;
        c.forEach((token, k) => (ids[r * t + k] = token));
        for (let k = c.length; k < t; k++) mask[r * (p.length + t) + p.length + k] = 0;
      });
      const positions = Array.from({ length: b * t }, (_, k) => p.length + (k % t));
      const past = await this.pastFor(new Array<Handle>(b).fill(p));
      const { logits, block } = await this.run(
        int64Tensor(ids, [b, t]),
        int64Tensor(mask, [b, p.length + t]),
        int64Tensor(positions, [b, t]),
        past,
      );
      this.disposeBlock(block);
      const data = floatData(logits);
      const width = logits.dims[2]!;
      rows.forEach((i, r) => {
        const c = continuations[i]!;
        const out = results[i]!;
        const at = (k: number) => {
          const offset = (r * t + k) * width;
          logSoftmax(data.subarray(offset, offset + width), row);
          return row;
        };
        for (let k = Math.max(1, firstRead(c)); k < c.length; k++) out[k] = at(k - 1)[c[k]!]!;
        if (alternatives.length > 0) {
          const last = at(c.length - 1);
          alternatives.forEach((a, k) => (out[c.length + k] = last[a]!));
        }
      });
      logits.dispose();
    }
    return results;
  }

  release(handle: SequenceHandle): void {
    const h = this.own(handle);
    h.released = true;
    this.handles--;
    if (--h.block.refs === 0) this.disposeBlock(h.block);
  }

  private handle(block: CacheBlock, row: number, length: number, next: Float32Array): Handle {
    this.handles++;
    return new Handle(block, row, length, next);
  }

  private own(handle: SequenceHandle): Handle {
    if (!(handle instanceof Handle)) throw new Error('not a handle of this model');
    if (handle.released) throw new Error('handle used after release');
    return handle;
  }

  private disposeBlock(block: CacheBlock): void {
    for (const tensor of block.tensors.values()) tensor.dispose();
    this.live -= block.tensors.size;
    block.cpu = undefined;
  }

  /** The past for a batch of parents of equal length: a block's own tensors when the parents are exactly its rows,
   * else the rows gathered into new (CPU) tensors. */
  private async pastFor(parents: readonly Handle[]): Promise<Record<string, Tensor>> {
    const first = parents[0]!.block;
    if (parents.length === first.batch && parents.every((h, i) => h.block === first && h.row === i)) {
      return Object.fromEntries(first.tensors);
    }
    const past: Record<string, Tensor> = {};
    for (const [name, like] of first.tensors) {
      const [, heads, length, dim] = like.dims as [number, number, number, number];
      const rowSize = heads * length * dim;
      // One read at a time: a failed read must not leave others in flight (their tensors could not be disposed).
      const rows: { data: KvArray; row: number }[] = [];
      for (const h of parents) rows.push({ data: await this.cpuData(h.block, name), row: h.row });
      const Ctor = rows[0]!.data.constructor as new (n: number) => KvArray;
      const out = new Ctor(parents.length * rowSize);
      rows.forEach(({ data, row }, i) => {
        (out as Float32Array).set((data as Float32Array).subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
      });
      past[name] = new Tensor(like.type, out, [parents.length, heads, length, dim]);
    }
    return past;
  }

  private async cpuData(block: CacheBlock, name: string): Promise<KvArray> {
    const tensor = block.tensors.get(name)!;
    if (tensor.location !== 'gpu-buffer') return tensor.data as KvArray;
    block.cpu ??= new Map();
    let data = block.cpu.get(name);
    if (!data) {
      const ort = (tensor as unknown as { ort_tensor: { getData(): Promise<KvArray> } }).ort_tensor;
      data = ort.getData();
      block.cpu.set(name, data);
    }
    return data;
  }

  /** One forward pass; its cache outputs become a block owned by the handles the caller makes from it. */
  private async run(
    inputIds: Tensor,
    attentionMask: Tensor,
    positionIds: Tensor,
    past: Record<string, Tensor> | undefined,
  ): Promise<{ logits: Tensor; block: CacheBlock }> {
    const outputs = (await this.causal.model({
      input_ids: inputIds,
      attention_mask: attentionMask,
      position_ids: positionIds,
      ...(past ? { past_key_values: past } : {}),
    })) as Record<string, Tensor>;
    this.passes++;
    const logits = outputs['logits'];
    if (!logits) throw new Error('the model returned no logits');
    const tensors = new Map<string, Tensor>();
    for (const [name, tensor] of Object.entries(outputs)) {
      if (name.startsWith('present')) tensors.set(name.replace('present', 'past_key_values'), tensor);
      else if (name !== 'logits') tensor.dispose();
    }
    this.live += tensors.size;
    const batch = inputIds.dims[0]!;
    return { logits, block: { tensors, batch, refs: batch } };
  }
}
