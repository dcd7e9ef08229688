// AdamW with PyTorch's semantics (decoupled weight decay, bias-corrected moments), global gradient-norm clipping
// and the warm-up + cosine learning-rate schedule of tools/fixture-model/build.py, so a step here is a step there.
// TensorFlow.js ships Adam without decoupled decay and keeps its moments where a checkpoint cannot name them; this
// optimizer owns its moments, in parameter order, so a checkpoint is weights + moments + step.
import { tf } from './tf';

export interface AdamWOptions {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** Gradients are scaled down together when their global L2 norm exceeds this. */
  readonly clipNorm: number;
  /** Steps of linear warm-up, then cosine decay to a tenth of the rate at `totalSteps`. */
  readonly warmupSteps: number;
  readonly totalSteps: number;
}

export const DEFAULT_ADAMW: Omit<AdamWOptions, 'totalSteps'> = {
  learningRate: 3e-3,
  beta1: 0.9,
  beta2: 0.98,
  epsilon: 1e-8,
  weightDecay: 0.01,
  clipNorm: 1,
  warmupSteps: 150,
};

/** The learning rate at `step` (0-based), as the Python recipe's schedule. */
export function learningRateAt(o: AdamWOptions, step: number): number {
  const warm = Math.min(1, (step + 1) / o.warmupSteps);
  const progress = Math.min(1, step / Math.max(1, o.totalSteps));
  return o.learningRate * warm * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/** The optimizer's state: how many steps it took and the two moments of every parameter, in order. */
export interface AdamWState {
  readonly step: number;
  readonly first: readonly Float32Array[];
  readonly second: readonly Float32Array[];
}

export class AdamW {
  private readonly first: tf.Variable[];
  private readonly second: tf.Variable[];
  /** Steps taken so far. */
  step = 0;

  constructor(
    private readonly params: readonly tf.Variable[],
    readonly options: AdamWOptions,
  ) {
    const zeros = () => params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.first = zeros();
    this.second = zeros();
  }

  /** One step on the loss `f` computes from the parameters; returns the loss before the step. */
  async minimize(f: () => tf.Scalar): Promise<number> {
    const o = this.options;
    const lr = learningRateAt(o, this.step);
    this.step++;
    const t = this.step;
    const lossTensor = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(f, [...this.params]);
      const list = this.params.map((p) => grads[p.name]!);
      const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));
      // PyTorch's clip_grad_norm_: scale by clip / (norm + 1e-6) when that is below 1.
      const scale = tf.minimum(tf.div(o.clipNorm, tf.add(norm, 1e-6)), 1);
      const c1 = 1 - o.beta1 ** t;
      const c2 = 1 - o.beta2 ** t;
      for (const [i, p] of this.params.entries()) {
        const g = tf.mul(list[i]!, scale);
        const m = tf.add(tf.mul(this.first[i]!, o.beta1), tf.mul(g, 1 - o.beta1));
        const v = tf.add(tf.mul(this.second[i]!, o.beta2), tf.mul(tf.square(g), 1 - o.beta2));
        this.first[i]!.assign(m);
        this.second[i]!.assign(v);
        const decayed = tf.mul(p, 1 - lr * o.weightDecay);
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), o.epsilon));
        p.assign(tf.sub(decayed, tf.mul(update, lr)));
      }
      return value;
    });
    const [loss] = await lossTensor.data();
    lossTensor.dispose();
    return loss!;
  }

  async state(): Promise<AdamWState> {
    const read = (vars: tf.Variable[]) => Promise.all(vars.map(async (v) => (await v.data()) as Float32Array));
    return { step: this.step, first: await read(this.first), second: await read(this.second) };
  }

  restore(state: AdamWState): void {
    if (state.first.length !== this.params.length || state.second.length !== this.params.length) {
      throw new Error('the optimizer state is for another model');
    }
    this.step = state.step;
    for (const [i, p] of this.params.entries()) {
      tf.tidy(() => {
        this.first[i]!.assign(tf.tensor(state.first[i]!, p.shape));
        this.second[i]!.assign(tf.tensor(state.second[i]!, p.shape));
      });
    }
  }

  dispose(): void {
    tf.dispose([...this.first, ...this.second]);
  }
}
