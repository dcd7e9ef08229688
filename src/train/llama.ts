// The LLaMA decoder as a TensorFlow.js graph, the same function the ONNX model computes (tools/fixture-model's
// tiny_llama.py exports it): RMSNorm, rotary positions, grouped-query attention, SwiGLU. It holds the weights as
// variables, gives the logits of a batch (the equality test against the ONNX model) and the training loss.
//
// Token embeddings and the selection of target positions are `gather`s (the WebAssembly backend's missing gradient
// kernel is ours, in tf.ts); the key/value heads are shared by reshaping the query heads into groups rather than
// tiling the keys (tfjs has no rank-5 Tile gradient).
import type { LlamaShape, LlamaWeights } from '../core/llama-weights';
import { llamaParameters } from '../core/llama-weights';
import type { TrainingBatch } from '../core/training-batch';
import { tf } from './tf';

type Tensor = tf.Tensor;

export class LlamaGraph {
  /** Every parameter, by its PyTorch name, in llamaParameters order. */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** cos, sin and the causal mask per sequence width, kept across steps. */
  private readonly constants = new Map<number, { cos: Tensor; sin: Tensor; mask: Tensor }>();

  constructor(
    readonly shape: LlamaShape,
    weights: LlamaWeights,
  ) {
    const params = new Map<string, tf.Variable>();
    for (const { name, shape: dims } of llamaParameters(shape)) {
      const data = weights.get(name);
      if (!data) throw new Error(`no weights for ${name}`);
      params.set(
        name,
        tf.tidy(() => tf.variable(tf.tensor(data, [...dims], 'float32'), true, name)),
      );
    }
    this.params = params;
  }

  private p(name: string): tf.Variable {
    return this.params.get(name)!;
  }

  private widthConstants(width: number): { cos: Tensor; sin: Tensor; mask: Tensor } {
    let found = this.constants.get(width);
    if (!found) {
      const { headDim, ropeTheta, heads, kvHeads } = this.shape;
      const half = headDim / 2;
      const angles = new Float32Array(width * headDim);
      for (let t = 0; t < width; t++) {
        for (let i = 0; i < half; i++) {
          // float32 inverse frequencies, as the exported graph computes them.
          const angle = t * Math.fround(1 / ropeTheta ** ((2 * i) / headDim));
          angles[t * headDim + i] = angle;
          angles[t * headDim + half + i] = angle;
        }
      }
      const group = heads / kvHeads;
      const mask = new Float32Array(group * width * width);
      for (let g = 0; g < group; g++) {
        for (let q = 0; q < width; q++) {
          for (let k = q + 1; k < width; k++) mask[(g * width + q) * width + k] = -1e9;
        }
      }
      found = tf.tidy(() => {
        const a = tf.tensor2d(angles, [width, headDim]);
        return {
          cos: tf.keep(tf.cos(a)),
          sin: tf.keep(tf.sin(a)),
          mask: tf.keep(tf.tensor2d(mask, [group * width, width])),
        };
      });
      this.constants.set(width, found);
    }
    return found;
  }

  /** Hidden states after the last block, before the final norm: [rows, width, hidden]. */
  private blocks(ids: Tensor, rows: number, width: number): Tensor {
    const { hidden, layers, heads, kvHeads, headDim, eps } = this.shape;
    const group = heads / kvHeads;
    const { cos, sin, mask } = this.widthConstants(width);
    const rms = (x: Tensor, w: Tensor) => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), w);
    // x [..., in] · Wᵀ for a PyTorch-layout weight W [out, in].
    const linear = (x: Tensor, w: Tensor) =>
      tf.reshape(tf.matMul(tf.reshape(x, [-1, x.shape[x.shape.length - 1] ?? 0]), w, false, true), [
        ...x.shape.slice(0, -1),
        w.shape[0],
      ]);
    const rotate = (x: Tensor) => {
      const [a, b] = tf.split(x, 2, -1);
      return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(b!), a!], -1), sin));
    };
    const split = (x: Tensor, n: number) => tf.transpose(tf.reshape(x, [rows, width, n, headDim]), [0, 2, 1, 3]);

    let x = tf.reshape(tf.gather(this.p('embed_tokens.weight'), tf.reshape(ids, [-1])), [rows, width, hidden]);
    for (let l = 0; l < layers; l++) {
      const p = `layers.${l}.`;
      const h = rms(x, this.p(`${p}input_layernorm.weight`));
      // Query heads h = kv·group + g attend with key/value head kv: as [rows, kvHeads, group·width, headDim].
      const q = tf.reshape(rotate(split(linear(h, this.p(`${p}self_attn.q_proj.weight`)), heads)), [
        rows,
        kvHeads,
        group * width,
        headDim,
      ]);
      const k = rotate(split(linear(h, this.p(`${p}self_attn.k_proj.weight`)), kvHeads));
      const v = split(linear(h, this.p(`${p}self_attn.v_proj.weight`)), kvHeads);
      const attention = tf.softmax(tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(headDim)), mask));
      const y = tf.reshape(
        tf.transpose(tf.reshape(tf.matMul(attention, v), [rows, kvHeads, group, width, headDim]), [0, 3, 1, 2, 4]),
        [rows, width, heads * headDim],
      );
      x = tf.add(x, linear(y, this.p(`${p}self_attn.o_proj.weight`)));
      const h2 = rms(x, this.p(`${p}post_attention_layernorm.weight`));
      const gate = linear(h2, this.p(`${p}gate_proj.weight`));
      x = tf.add(
        x,
        linear(
          tf.mul(tf.mul(gate, tf.sigmoid(gate)), linear(h2, this.p(`${p}up_proj.weight`))),
          this.p(`${p}down_proj.weight`),
        ),
      );
    }
    return x;
  }

  private head(x: Tensor): Tensor {
    const { eps } = this.shape;
    const normed = tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), this.p('norm.weight'));
    const out = this.shape.tiedEmbeddings ? this.p('embed_tokens.weight') : this.p('lm_head.weight');
    return tf.matMul(normed, out, false, true);
  }

  /** Logits for every position of equal-length sequences: [rows, width, vocab]. */
  logits(ids: Int32Array, rows: number, width: number): tf.Tensor3D {
    return tf.tidy(() => {
      const x = this.blocks(tf.tensor2d(ids, [rows, width], 'int32'), rows, width);
      return tf.reshape<tf.Rank.R3>(this.head(tf.reshape(x, [rows * width, this.shape.hidden])), [
        rows,
        width,
        this.shape.vocabSize,
      ]);
    });
  }

  /** The mean negative log-likelihood of the batch's targets. Call inside a gradient function. */
  loss(batch: TrainingBatch): tf.Scalar {
    const { rows, width, targets, targetCount } = batch;
    const where = new Int32Array(targetCount);
    const labels = new Int32Array(targetCount);
    let n = 0;
    for (let i = 0; i < targets.length; i++) {
      if (targets[i]! < 0) continue;
      where[n] = i;
      labels[n++] = targets[i]!;
    }
    const x = tf.reshape(this.blocks(tf.tensor2d(batch.ids, [rows, width], 'int32'), rows, width), [
      rows * width,
      this.shape.hidden,
    ]);
    // Only target positions reach the output layer.
    const picked = tf.gather(x, tf.tensor1d(where, 'int32'));
    const logits = this.head(picked);
    const target = tf.sum(tf.mul(logits, tf.oneHot(tf.tensor1d(labels, 'int32'), this.shape.vocabSize)), -1);
    return tf.mean(tf.sub(tf.logSumExp(logits, -1), target));
  }

  /** The current weights, copied out. */
  async weights(): Promise<LlamaWeights> {
    const out: LlamaWeights = new Map();
    for (const [name, variable] of this.params) out.set(name, (await variable.data()) as Float32Array);
    return out;
  }

  dispose(): void {
    for (const variable of this.params.values()) variable.dispose();
    for (const { cos, sin, mask } of this.constants.values()) tf.dispose([cos, sin, mask]);
    this.constants.clear();
  }
}
