// The training service over a MessageChannel, as the page drives the training worker, with its files in memory
// and the demo model as the base: an estimate, a run paused and resumed (in a "reloaded" worker too), a run
// interrupted by a killed worker resumed on its own from its checkpoint, the trained model stored and counted
// against the library, new passages trained on top, one tab training at a time, and nothing to train refused.
import { readFileSync } from 'node:fs';
import * as Comlink from 'comlink';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RecipePassage } from '../src/core/internalize-recipe';
import type { Tokenizer } from '../src/core/language-model';
import { useTrainingBackend } from '../src/train/tf';
import '../workers/coded-errors';
import type { ModelRef, TrainView, TrainWorkerApi } from '../workers/train-protocol';
import { serveTraining, type TrainFiles } from '../workers/train-service';
import { loadDemo } from './demo-model';
import { memoryLocks } from './memory-locks';
import { DEMO_MODEL_ID, MODEL_ROOT } from './paths';

const BASE: ModelRef = { kind: 'builtin', id: DEMO_MODEL_ID };
const NOTES: RecipePassage[] = [
  ['Sourdough starter care', 'Feed the starter twice a day with equal weights of flour and water. Keep it warm.'],
  ['Tomato seedlings', 'Sow the seeds indoors six weeks before the last frost. Move them outside in May.'],
  ['Bicycle chain cleaning', 'Wipe the chain with a dry rag after wet rides. Oil each link sparingly afterwards.'],
  ['Bread crust colour', 'A hotter oven and a little steam give the loaf a darker and crisper crust.'],
  ['Compost heap', 'Turn the heap every two weeks. Mix green cuttings with dry leaves for air.'],
].map(([title, text], i) => ({ id: `note-${i}`, title: title!, text: text! }));

function memoryFiles(): TrainFiles & { readonly map: Map<string, Uint8Array> } {
  const map = new Map<string, Uint8Array>();
  return {
    map,
    read: (name) => Promise.resolve(map.get(name)),
    write: (name, bytes) => Promise.resolve(void map.set(name, bytes.slice())),
    remove: (name) => Promise.resolve(void map.delete(name)),
  };
}

/** The world the workers share: the library, the model cache, the locks. */
interface World {
  passages: RecipePassage[];
  generation: number;
  readonly models: Map<string, ReadonlyMap<string, Uint8Array>>;
  readonly removed: string[];
  readonly locks: Pick<LockManager, 'request'>;
}

let tokenizer: Tokenizer;
const channels: MessagePort[] = [];

/** One training worker on `files`: the page's Comlink proxy, and every view it heard. */
function worker(world: World, files: TrainFiles) {
  const { port1, port2 } = new MessageChannel();
  channels.push(port1, port2);
  let stored = 0;
  serveTraining(port1, {
    files,
    libraryPassages: () => Promise.resolve({ generation: world.generation, passages: [...world.passages] }),
    modelFile(ref, path) {
      if (ref.kind === 'stored') return Promise.resolve(world.models.get(ref.key)?.get(path));
      try {
        return Promise.resolve(new Uint8Array(readFileSync(`${MODEL_ROOT}${ref.id}/${path}`)));
      } catch {
        return Promise.resolve(undefined);
      }
    },
    tokenizer: () => Promise.resolve(tokenizer),
    storeModel(name, folder) {
      const key = `folder.${name}.${++stored}`;
      world.models.set(key, folder);
      return Promise.resolve(key);
    },
    removeModel(key) {
      world.models.delete(key);
      world.removed.push(key);
      return Promise.resolve();
    },
    async useDevice() {
      await useTrainingBackend('wasm');
      return 'wasm';
    },
    locks: world.locks,
    // Short batches: a run of a few notes takes a dozen steps, so a pause lands mid-run.
    internalize: { epochs: 2, maxTokens: 256, checkpointEvery: 2, checkpointSeconds: 600, warmupSteps: 2 },
  });
  const api = Comlink.wrap<TrainWorkerApi>(port2);
  const views: TrainView[] = [];
  const listener = Comlink.proxy((view: TrainView) => void views.push(view));
  /** Resolves with the first view (heard from now on) that `test` accepts. */
  const until = (test: (view: TrainView) => boolean) =>
    new Promise<TrainView>((resolve) => {
      const from = views.length;
      const poll = () => {
        const found = views.slice(from).find(test);
        if (found) resolve(found);
        else setTimeout(poll, 20);
      };
      poll();
    });
  return { api, views, until, open: () => api.open(listener) };
}

function newWorld(passages: RecipePassage[]): World {
  return { passages, generation: 1, models: new Map(), removed: [], locks: memoryLocks() };
}

describe('the training service over a MessageChannel', () => {
  beforeAll(async () => {
    tokenizer = (await loadDemo()).lm.tokenizer;
  });
  afterEach(() => {
    for (const port of channels.splice(0)) port.close();
  });

  it('estimates, runs, pauses, resumes after a reload, stores the model and counts it against the library', async () => {
    const world = newWorld(NOTES.slice(0, 4));
    const files = memoryFiles();
    const tab = worker(world, files);
    expect((await tab.open()).phase).toBe('idle');

    const estimate = await tab.api.estimate({ base: BASE, device: 'wasm' });
    expect(estimate).toMatchObject({ passages: 4, device: 'wasm', onTop: false });
    expect(estimate.steps).toBeGreaterThanOrEqual(8);
    expect(estimate.seconds).toBeGreaterThan(0);

    const checkpointed = tab.until((v) => (v.progress?.checkpointStep ?? 0) >= 4);
    expect((await tab.api.start({ base: BASE, device: 'wasm' })).phase).toBe('running');
    await checkpointed;
    const paused = await tab.api.pause();
    expect(paused.phase).toBe('paused');
    const stoppedAt = paused.progress!.step;
    expect(paused.progress!.checkpointStep).toBe(stoppedAt);
    expect(stoppedAt).toBeLessThan(estimate.steps);
    expect(files.map.has('checkpoint.srtc')).toBe(true);

    // The page reloads: a new worker on the same files sees the paused run and leaves it paused.
    const reloaded = worker(world, files);
    expect((await reloaded.open()).phase).toBe('paused');
    const done = reloaded.until((v) => v.phase === 'idle' && v.model !== null);
    const resumed = await reloaded.api.start({ base: BASE, device: 'wasm' });
    expect(resumed.phase).toBe('running');
    const finished = await done;
    const heard = reloaded.views.filter((v) => v.progress);
    expect(heard[0]!.progress!.step).toBe(stoppedAt + 1);
    expect(heard[0]!.progress!.resumedFromStep).toBe(stoppedAt);
    // To the last epoch's end (the plan re-samples each epoch's examples, so step counts differ a little).
    const last = heard.at(-1)!.progress!;
    expect(last.epoch).toBe(last.epochs - 1);
    expect(Math.abs(last.step - estimate.steps)).toBeLessThanOrEqual(2);

    expect(finished.model).toMatchObject({ base: BASE, passages: 4, generation: 1 });
    expect(finished.coverage).toEqual({ trained: 4, total: 4, removed: 0 });
    expect([...files.map.keys()]).toEqual(['model.json']);
    const folder = world.models.get(finished.model!.key)!;
    expect([...folder.keys()].sort()).toEqual([
      'config.json',
      'generation_config.json',
      'model-card.json',
      'onnx/model.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const card = JSON.parse(new TextDecoder().decode(folder.get('model-card.json'))) as Record<string, unknown>;
    expect(card['capabilities']).toMatchObject({ corpusTrained: true });
    expect(card['internalized']).toMatchObject({ baseModel: DEMO_MODEL_ID, passages: 4, device: 'wasm' });
    expect(card['evaluation']).toBeUndefined();

    // Nothing new: nothing to train.
    await expect(reloaded.api.start({ base: BASE, device: 'wasm' })).rejects.toMatchObject({
      code: 'NOTHING_TO_TRAIN',
    });

    // A passage added and one removed: counted, then trained on top of the internalized model, which it replaces.
    world.passages = [...NOTES.slice(1, 4), NOTES[4]!];
    world.generation = 2;
    expect((await reloaded.api.refresh()).coverage).toEqual({ trained: 3, total: 4, removed: 1 });
    expect(await reloaded.api.estimate({ base: BASE, device: 'wasm' })).toMatchObject({ onTop: true, passages: 4 });
    const again = reloaded.until((v) => v.phase === 'idle' && v.model?.generation === 2);
    await reloaded.api.start({ base: BASE, device: 'wasm' });
    const onTop = await again;
    expect(onTop.coverage).toEqual({ trained: 4, total: 4, removed: 0 });
    expect(onTop.model!.key).not.toBe(finished.model!.key);
    expect(world.removed).toEqual([finished.model!.key]);
  }, 240_000);

  it('a run interrupted by a killed worker resumes by itself; one tab trains at a time; an empty library is refused', async () => {
    const world = newWorld(NOTES.slice(0, 4));
    const files = memoryFiles();
    const tab = worker(world, files);
    await tab.open();
    const checkpointed = tab.until((v) => (v.progress?.checkpointStep ?? 0) >= 2);
    await tab.api.start({ base: BASE, device: 'wasm' });
    await checkpointed;
    // What a killed worker leaves on disk: the job (not paused), the passages, the last checkpoint.
    const disk = memoryFiles();
    for (const [name, bytes] of files.map) disk.map.set(name, bytes.slice());
    const savedStep = tab.views.at(-1)!.progress!.checkpointStep!;

    // Another tab cannot train while this one does.
    const other = worker(world, memoryFiles());
    await other.open();
    await expect(other.api.start({ base: BASE, device: 'wasm' })).rejects.toMatchObject({ code: 'TRAINING_BUSY' });
    expect((await tab.api.cancel()).phase).toBe('idle');
    expect(files.map.size).toBe(0);

    const restarted = worker(world, disk);
    const running = restarted.until((v) => v.phase === 'running');
    const done = restarted.until((v) => v.phase === 'idle' && v.model !== null);
    await restarted.open();
    await running;
    await done;
    const first = restarted.views.find((v) => v.progress)!.progress!;
    expect(first.resumedFromStep).toBeGreaterThanOrEqual(savedStep);
    expect(first.step).toBe(first.resumedFromStep! + 1);

    const empty = worker(newWorld([]), memoryFiles());
    await empty.open();
    await expect(empty.api.estimate({ base: BASE, device: 'wasm' })).rejects.toMatchObject({
      code: 'NOTHING_TO_TRAIN',
    });
  }, 240_000);
});
