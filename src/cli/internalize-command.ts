// `self-retrieval internalize <bundle|folder> --out <model folder>`: the base model trained on the passages of a
// bundle or a folder with the Self-Retrieval recipe (src/train/internalize.ts, the code the app's training worker
// runs), on TensorFlow.js's WebAssembly backend. It writes a model folder the app, the widget and `--model` load:
// the base's config and tokenizer (so bundles keyed for the base search with it), the trained `onnx/model.onnx`, and
// a model card that says what it was trained on. A run stopped part-way (Ctrl-C, a crash) resumes from the
// checkpoint it keeps beside the output.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { RecipePassage } from '../core/internalize-recipe';
import { llamaShape, llamaWeightsFromOnnx } from '../core/llama-weights';
import { CARRIED_MODEL_FILES, internalizedCard, TRAINABLE_WEIGHTS } from '../core/internalized-model';
import { MANIFEST_FILE, SHARDED_VERSION } from '../core/sharded-bundle';
import { configureOffline } from '../engines/transformers/runtime';
import { loadTokenizer } from '../engines/transformers/tokenizer';
import {
  DEFAULT_INTERNALIZE,
  estimateInternalize,
  internalize,
  type CheckpointStore,
  type InternalizeStatus,
} from '../train/internalize';
import { useTrainingBackend } from '../train/tf';
import { parseArgs, UsageError } from './args';
import { CliError } from './cli-error';
import { folderLibrary } from './folder-library';
import { DEFAULT_MODEL, loadModelKeyer, locateModel } from './node-model';
import { readLibrary } from './open-bundle';
import { Progress } from './progress';
import { writeAtomic } from './write-files';

/** A sharded bundle's folder: its manifest names shards (a folder of documents may hold a manifest.json too). */
function isShardedBundle(path: string): boolean {
  const manifest = join(path, MANIFEST_FILE);
  if (!existsSync(manifest)) return false;
  try {
    const json = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown; index?: unknown };
    return json.version === SHARDED_VERSION && typeof json.index === 'object';
  } catch {
    return false;
  }
}

async function passagesOf(path: string, flags: Record<string, unknown>): Promise<RecipePassage[]> {
  if (!existsSync(path)) throw new CliError('FOLDER_NOT_FOUND', `${path}: no such bundle or folder`);
  if (!statSync(path).isDirectory() || isShardedBundle(path)) return [...(await readLibrary(path)).passages];
  const location = locateModel((flags['model'] as string | undefined) ?? DEFAULT_MODEL);
  const built = await folderLibrary(path, await loadModelKeyer(location), {
    followOutside: Boolean(flags['follow-symlinks-outside']),
  });
  return [...built.content.passages];
}

/** A checkpoint file beside the output folder, written atomically. */
function fileCheckpoints(path: string): CheckpointStore {
  return {
    load: () => Promise.resolve(existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined),
    save: (bytes) => {
      writeAtomic(path, bytes);
      return Promise.resolve();
    },
  };
}

export async function internalizeCommand(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, {
    flags: {
      out: 'string',
      model: 'string',
      epochs: 'number',
      'batch-tokens': 'number',
      device: 'string',
      json: 'boolean',
      estimate: 'boolean',
      'follow-symlinks-outside': 'boolean',
    },
    positionals: ['source'],
  });
  const out = flags['out'] as string | undefined;
  const estimateOnly = Boolean(flags['estimate']);
  if (!out && !estimateOnly) throw new UsageError('internalize needs --out <model folder> (or --estimate)');
  const epochs = flags['epochs'] as number | undefined;
  const batchTokens = flags['batch-tokens'] as number | undefined;
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 1))
    throw new UsageError('--epochs must be 1 or more');
  if (batchTokens !== undefined && !(Number.isInteger(batchTokens) && batchTokens >= 64)) {
    throw new UsageError('--batch-tokens must be 64 or more');
  }
  const device = (flags['device'] as string | undefined) ?? 'wasm';
  if (device !== 'wasm' && device !== 'cpu') throw new UsageError('--device must be wasm or cpu');
  const location = locateModel((flags['model'] as string | undefined) ?? DEFAULT_MODEL);
  const folder = join(location.root, location.id);
  const onnxPath = join(folder, TRAINABLE_WEIGHTS);
  if (!existsSync(onnxPath)) {
    throw new CliError(
      'MODEL_NOT_FOUND',
      `${location.id} has no fp32 weights (onnx/model.onnx): only those can be trained`,
    );
  }
  // Checked before anything is read or trained: a model that cannot be trained says so at once.
  const shape = llamaShape(JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')));
  const onnx = new Uint8Array(readFileSync(onnxPath));
  llamaWeightsFromOnnx(onnx, shape);
  const passages = await passagesOf(positionals[0]!, flags);
  if (passages.length === 0) throw new CliError('BAD_BUNDLE', `${positionals[0]!} holds no passages to train on`);

  // The WebAssembly backend's .wasm files, from the installed package (the command is one bundled file).
  const wasmPaths = `${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`;
  await useTrainingBackend(device, { wasmPaths });
  configureOffline({ modelRoot: location.root });
  const tokenizer = await loadTokenizer(location.id);
  const options = {
    ...DEFAULT_INTERNALIZE,
    ...(epochs !== undefined ? { epochs } : {}),
    ...(batchTokens !== undefined ? { maxTokens: batchTokens } : {}),
  };
  const input = { modelId: location.id, shape, onnx, card: location.card, tokenizer, passages };
  if (estimateOnly) {
    // What the app shows before a run: one timed step on this machine, times the tokens planned.
    const plan = await estimateInternalize(input, options);
    const seconds = Math.round(plan.secondsPerToken * plan.tokens);
    const summary = {
      passages: passages.length,
      epochs: options.epochs,
      steps: plan.steps,
      tokens: plan.tokens,
      seconds,
      device,
    };
    if (flags['json']) console.log(JSON.stringify(summary));
    else {
      console.log(
        `${passages.length} passages: ${plan.steps} steps over ${plan.tokens} tokens (${options.epochs} epochs), ` +
          `about ${seconds} s on ${device} here`,
      );
    }
    return;
  }
  const target = resolve(out!); // given: checked above unless --estimate
  const checkpointPath = `${target}.checkpoint`;
  const progress = new Progress('internalize', 1);
  let last: InternalizeStatus | undefined;
  const result = await internalize(input, options, {
    checkpoints: fileCheckpoints(checkpointPath),
    onStatus: (status) => {
      last = status;
      progress.total = status.totalSteps;
      progress.set(status.progress.step);
    },
  });
  progress.done();
  if (result.ignoredCheckpoint) console.error(`started afresh: ${result.ignoredCheckpoint}`);
  const summary = {
    epochs: options.epochs,
    steps: result.progress.step,
    tokens: result.progress.tokens,
    seconds: Math.round(result.progress.seconds),
    tokensPerSecond: Math.round(last?.tokensPerSecond ?? 0),
    finalLoss: Number((result.progress.losses['all'] ?? NaN).toFixed(4)),
    device,
    // The whole process's peak (the base model loaded for its tokenizer included): what training a library costs.
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    // The training backend's own high-water mark (the WebAssembly heap): the part a browser's worker holds too.
    backendPeakMB: Math.round((last?.peakMemoryBytes ?? 0) / 2 ** 20),
    ...(result.resumedFrom ? { resumedFromStep: result.resumedFrom.step } : {}),
  };
  // Written whole beside the target, then moved in place: an interrupted write never leaves half a model.
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'onnx'), { recursive: true });
  for (const name of CARRIED_MODEL_FILES) {
    if (existsSync(join(folder, name)))
      writeAtomic(join(staging, name), new Uint8Array(readFileSync(join(folder, name))));
  }
  writeAtomic(join(staging, TRAINABLE_WEIGHTS), result.onnx!);
  const cardPath = join(folder, 'model-card.json');
  const written = existsSync(cardPath)
    ? (JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, unknown>)
    : { ...location.card };
  const card = internalizedCard(written, location.card, basename(target), { passages: passages.length, ...summary });
  writeAtomic(join(staging, 'model-card.json'), new TextEncoder().encode(`${JSON.stringify(card, null, 1)}\n`));
  mkdirSync(dirname(target), { recursive: true });
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  rmSync(checkpointPath, { force: true });
  const report = { out, baseModel: location.id, passages: passages.length, ...summary };
  if (flags['json']) console.log(JSON.stringify(report));
  else {
    console.error(
      `wrote ${out}: ${location.id} internalized on ${passages.length} passages in ${summary.steps} steps ` +
        `(${summary.seconds} s, ${summary.tokensPerSecond} tokens/s, final loss ${summary.finalLoss})`,
    );
  }
}
