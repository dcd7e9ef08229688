// Our UnsortedSegmentSum kernel for TensorFlow.js's WebAssembly backend (src/train/tf.ts), the gradient of `gather`
// that embeddings and target selection train through: the same gradients as the CPU backend's own kernel, repeated
// and out-of-range indices included.
import { describe, expect, it } from 'vitest';
import { tf, useTrainingBackend } from '../src/train/tf';

async function gatherGradient(device: 'wasm' | 'cpu'): Promise<Float32Array> {
  await useTrainingBackend(device);
  const table = tf.tensor2d(
    Array.from({ length: 5 * 3 }, (_, i) => Math.sin(i)),
    [5, 3],
  );
  const ids = tf.tensor1d([4, 0, 4, 2, 4, 1], 'int32');
  const weights = tf.tensor2d(
    Array.from({ length: 6 * 3 }, (_, i) => Math.cos(i * 0.7)),
    [6, 3],
  );
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), weights)))(table);
  const direct = tf.unsortedSegmentSum(weights, tf.tensor1d([1, -1, 1, 7, 0, 3], 'int32'), 4);
  const out = new Float32Array([...(await grad.data()), ...(await direct.data())]);
  tf.dispose([table, ids, weights, grad, direct]);
  return out;
}

describe('UnsortedSegmentSum on the WebAssembly backend', () => {
  it('gives the CPU backend’s gather gradients and segment sums', async () => {
    const cpu = await gatherGradient('cpu');
    const wasm = await gatherGradient('wasm');
    expect(cpu.some((v) => v !== 0)).toBe(true);
    for (let i = 0; i < cpu.length; i++) expect(wasm[i]).toBeCloseTo(cpu[i]!, 6);
  });
});
