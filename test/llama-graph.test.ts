// The training graph is the model the app runs: on the same weights, TensorFlow.js's LLaMA (src/train/llama.ts)
// and the ONNX model under transformers.js give the same logits (fp32, max abs difference ≤ 1e-4), and weights the
// graph holds, written back into the .onnx file, load in transformers.js and give the graph's logits again.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { llamaShape, llamaWeightsFromOnnx, onnxWithLlamaWeights, type LlamaWeights } from '../src/core/llama-weights';
import { onnxInitializers } from '../src/core/onnx-initializers';
import { forwardAll, loadCausalLM, configureOffline, encode, type CausalLM } from '../src/engines/transformers/runtime';
import { LlamaGraph } from '../src/train/llama';
import { tf, useTrainingBackend } from '../src/train/tf';
import { DEMO_MODEL_ID, MODEL_ROOT } from './paths';

const folder = `${MODEL_ROOT}${DEMO_MODEL_ID}`;
const shape = llamaShape(JSON.parse(readFileSync(`${folder}/config.json`, 'utf8')));
const onnx = new Uint8Array(readFileSync(`${folder}/onnx/model.onnx`));

async function onnxLogits(modelRoot: string, id: string, ids: number[]): Promise<Float32Array> {
  configureOffline({ modelRoot });
  const lm = await loadCausalLM(id, 'cpu', 'fp32');
  try {
    return (await forwardAll(lm, ids)).logits;
  } finally {
    await lm.model.dispose();
  }
}

function graphLogits(weights: LlamaWeights, ids: number[]): Float32Array {
  const graph = new LlamaGraph(shape, weights);
  try {
    const logits = graph.logits(Int32Array.from(ids), 1, ids.length);
    const data = logits.dataSync() as Float32Array;
    logits.dispose();
    return data;
  } finally {
    graph.dispose();
  }
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('the training graph and the ONNX model (Node, WebAssembly backend)', () => {
  let ids: number[];
  beforeAll(async () => {
    await useTrainingBackend('wasm');
    configureOffline({ modelRoot: MODEL_ROOT });
    const lm: CausalLM = await loadCausalLM(DEMO_MODEL_ID, 'cpu', 'fp32');
    ids = encode(
      lm,
      'Question: what similarity laws must be obeyed when constructing aeroelastic models\n\n Related document title:',
    );
    await lm.model.dispose();
  });

  it('give the same logits on the same weights', async () => {
    const expected = await onnxLogits(MODEL_ROOT, DEMO_MODEL_ID, ids);
    const actual = graphLogits(llamaWeightsFromOnnx(onnx, shape), ids);
    expect(ids.length).toBeGreaterThan(20);
    expect(maxAbsDifference(actual, expected)).toBeLessThanOrEqual(1e-4);
    expect(tf.memory().numTensors).toBe(0);
  });

  it('trained weights written into the .onnx file load in transformers.js with the graph’s logits', async () => {
    // Weights no ONNX file holds: every parameter moved by a deterministic amount.
    const weights = llamaWeightsFromOnnx(onnx, shape);
    let seed = 7;
    for (const data of weights.values()) {
      for (let i = 0; i < data.length; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        data[i] = data[i]! * 0.9 + (seed / 2147483648 - 0.5) * 0.02;
      }
    }
    const written = onnxWithLlamaWeights(onnx, shape, weights);
    expect(written.length).toBe(onnx.length);
    // Only the weights' bytes changed: the graph and its metadata are as they were.
    const regions = onnxInitializers(onnx);
    const changed = new Set<number>();
    for (let i = 0; i < onnx.length; i++) if (onnx[i] !== written[i]) changed.add(i);
    const inRegion = (i: number) => regions.some((r) => i >= r.offset && i < r.offset + r.byteLength);
    expect([...changed].every(inRegion)).toBe(true);

    const root = mkdtempSync(join(tmpdir(), 'trained-model-'));
    cpSync(folder, join(root, 'trained'), { recursive: true });
    writeFileSync(join(root, 'trained', 'onnx', 'model.onnx'), written);
    const expected = await onnxLogits(`${root}/`, 'trained', ids);
    const before = await onnxLogits(MODEL_ROOT, DEMO_MODEL_ID, ids);
    const actual = graphLogits(llamaWeightsFromOnnx(written, shape), ids);
    expect(maxAbsDifference(actual, expected)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDifference(expected, before)).toBeGreaterThan(0.01);
    expect(maxAbsDifference(graphLogits(weights, ids), expected)).toBeLessThanOrEqual(1e-4);
  });
});
