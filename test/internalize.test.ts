// Internalization in Node (TensorFlow.js, WebAssembly backend) on a few Cranfield passages with the demo model:
// the loss falls; a run stopped part-way leaves a checkpoint, and the run resumed from it ends with exactly the
// weights of a run never stopped; a checkpoint of another run, or a damaged one, is not resumed. Checkpoints round
// trip byte for byte and refuse damage with their code.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InternalizeRecipe, tokenizeExample } from '../src/core/internalize-recipe';
import { llamaShape, llamaWeightsFromOnnx, type LlamaWeights } from '../src/core/llama-weights';
import { collate } from '../src/core/training-batch';
import {
  continuesRun,
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainingCheckpoint,
} from '../src/core/training-checkpoint';
import {
  DEFAULT_INTERNALIZE,
  internalize,
  type CheckpointStore,
  type InternalizeInput,
  type InternalizeStatus,
} from '../src/train/internalize';
import { LlamaGraph } from '../src/train/llama';
import { tf, useTrainingBackend } from '../src/train/tf';
import { loadDemo } from './demo-model';
import { DEMO_MODEL_ID, MODEL_ROOT } from './paths';

const folder = `${MODEL_ROOT}${DEMO_MODEL_ID}`;
const NOTES = [
  ['Sourdough starter care', 'Feed the starter twice a day with equal weights of flour and water. Keep it warm.'],
  ['Tomato seedlings', 'Sow the seeds indoors six weeks before the last frost. Move them outside in May.'],
  ['Bicycle chain cleaning', 'Wipe the chain with a dry rag after wet rides. Oil each link sparingly afterwards.'],
  ['Bread crust colour', 'A hotter oven and a little steam give the loaf a darker and crisper crust.'],
].map(([title, text], i) => ({ id: `note-${i}`, title: title!, text: text! }));
const options = { ...DEFAULT_INTERNALIZE, epochs: 2, maxTokens: 640, checkpointEvery: 2, warmupSteps: 2 };

function memoryStore(): CheckpointStore & { saved?: Uint8Array; saves: number } {
  const store: CheckpointStore & { saved?: Uint8Array; saves: number } = {
    saves: 0,
    load: () => Promise.resolve(store.saved),
    save: (bytes) => {
      store.saved = bytes;
      store.saves++;
      return Promise.resolve();
    },
  };
  return store;
}

describe('internalize (Node, WebAssembly backend)', () => {
  let input: InternalizeInput;
  /** Mean loss per target token of the notes' indexing and retrieval examples under `weights`. */
  const retrievalLoss = (weights: LlamaWeights): number => {
    const examples = new InternalizeRecipe(input.card, input.passages)
      .epoch(0)
      .filter((e) => e.task !== 'assessment')
      .map((e) => tokenizeExample(input.tokenizer, e, 256)!);
    const graph = new LlamaGraph(input.shape, weights);
    try {
      return tf.tidy(() => graph.loss(collate(examples, input.tokenizer.eosTokenId)).dataSync()[0]!);
    } finally {
      graph.dispose();
    }
  };
  beforeAll(async () => {
    await useTrainingBackend('wasm');
    const { lm, card } = await loadDemo();
    input = {
      modelId: DEMO_MODEL_ID,
      shape: llamaShape(JSON.parse(readFileSync(`${folder}/config.json`, 'utf8'))),
      onnx: new Uint8Array(readFileSync(`${folder}/onnx/model.onnx`)),
      card,
      tokenizer: lm.tokenizer,
      // Text the demo model has never read (it knows Cranfield's abstracts by heart).
      passages: NOTES,
    };
  });

  it('trains; a run stopped and resumed from its checkpoint ends with the weights of one never stopped', async () => {
    const statuses: InternalizeStatus[] = [];
    const whole = await internalize(input, options, { onStatus: (s) => statuses.push(s) });
    expect(whole.onnx).toBeDefined();
    const steps = statuses.length;
    expect(steps).toBe(statuses[0]!.totalSteps);
    expect(steps).toBeGreaterThanOrEqual(4);
    // It learned the notes: their retrieval examples' loss, base model against trained.
    expect(retrievalLoss(llamaWeightsFromOnnx(whole.onnx!, input.shape))).toBeLessThan(
      0.5 * retrievalLoss(llamaWeightsFromOnnx(input.onnx, input.shape)),
    );
    expect(statuses.at(-1)!.progress.epoch).toBe(1);
    expect(statuses[0]!.etaMs).toBeGreaterThan(0);

    // Stopped after three steps (a pause, or a tab closed after its last checkpoint)…
    const store = memoryStore();
    const stop = new AbortController();
    const first = await internalize(input, options, {
      checkpoints: store,
      signal: stop.signal,
      onStatus: (s) => s.progress.step === 3 && stop.abort(),
    });
    expect(first.onnx).toBeUndefined();
    expect(first.progress.step).toBe(3);
    expect((await decodeCheckpoint(store.saved!)).progress.step).toBe(3);
    // …and resumed: it goes on from step 4 and ends where the whole run ended, bit for bit.
    const resumedSteps: number[] = [];
    const second = await internalize(input, options, {
      checkpoints: store,
      onStatus: (s) => resumedSteps.push(s.progress.step),
    });
    expect(second.resumedFrom?.step).toBe(3);
    expect(resumedSteps[0]).toBe(4);
    expect(resumedSteps.at(-1)).toBe(steps);
    expect(Buffer.compare(Buffer.from(second.onnx!), Buffer.from(whole.onnx!))).toBe(0);
    expect(tf.memory().numTensors).toBe(0);

    // A checkpoint of another run (other passages) starts afresh.
    const other = await internalize(
      { ...input, passages: input.passages.slice(1) },
      { ...options, epochs: 1 },
      {
        checkpoints: store,
      },
    );
    expect(other.resumedFrom).toBeUndefined();
    expect(other.ignoredCheckpoint).toMatch(/another run/);
    // A damaged checkpoint too, saying why.
    store.saved = store.saved!.slice(0, 100);
    const damaged = await internalize(
      { ...input, passages: input.passages.slice(1) },
      { ...options, epochs: 1 },
      {
        checkpoints: store,
      },
    );
    expect(damaged.ignoredCheckpoint).toMatch(/unusable/);
  });

  it('checkpoints round trip, and damage is CHECKPOINT_CORRUPT', async () => {
    const weights = [...llamaWeightsFromOnnx(input.onnx, input.shape).values()];
    const checkpoint: TrainingCheckpoint = {
      run: { baseModel: 'm', baseSha256: 'a', passages: 2, corpusSha256: 'b', plan: { epochs: 1 } },
      progress: { epoch: 0, batch: 3, step: 3, tokens: 900, targetTokens: 100, seconds: 2.5, losses: { all: 4.5 } },
      weights,
      first: weights.map((w) => w.map((x) => x / 2)),
      second: weights.map((w) => w.map((x) => x * x)),
    };
    const bytes = await encodeCheckpoint(checkpoint);
    const back = await decodeCheckpoint(bytes);
    expect(back.run).toEqual(checkpoint.run);
    expect(back.progress).toEqual(checkpoint.progress);
    const same = (a: readonly Float32Array[], b: readonly Float32Array[]) =>
      a.length === b.length &&
      a.every((x, i) =>
        Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
          Buffer.from(b[i]!.buffer, b[i]!.byteOffset, b[i]!.byteLength),
        ),
      );
    expect(same(back.weights, checkpoint.weights)).toBe(true);
    expect(same(back.first, checkpoint.first)).toBe(true);
    expect(same(back.second, checkpoint.second)).toBe(true);
    expect(continuesRun(back, checkpoint.run)).toBe(true);
    expect(continuesRun(back, { ...checkpoint.run, plan: { epochs: 2 } })).toBe(false);
    const flipped = bytes.slice();
    flipped[bytes.length - 5]! ^= 1;
    await expect(decodeCheckpoint(flipped)).rejects.toMatchObject({ code: 'CHECKPOINT_CORRUPT' });
    await expect(decodeCheckpoint(bytes.subarray(0, bytes.length - 4))).rejects.toMatchObject({
      code: 'CHECKPOINT_CORRUPT',
    });
    await expect(decodeCheckpoint(new Uint8Array(100))).rejects.toMatchObject({ code: 'CHECKPOINT_CORRUPT' });
  });
});
