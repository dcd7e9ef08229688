// `--model <id|dir>` for the command line: a folder in the layout transformers.js reads (config.json, tokenizer
// files, onnx/…) or the id of a model shipped with the app (public/models/). Nothing is ever downloaded here: a
// model that is not on disk is a clear error. A folder without a model-card.json is taken as a zero-shot chat model
// (its tokenizer's chat template, P(Yes)/P(No) relevance).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chatModelCard, parseModelCard, type Dtype, type ModelCard } from '../core/model-card';
import type { PassageKeyer } from '../core/passage-keyer';
import { promptProfile } from '../core/prompt-profile';
import type { RetrievalModel } from '../core/self-retriever';
import { loadKeyer } from '../engines/transformers/keyer';
import { loadTransformersLM } from '../engines/transformers/load';
import { pickDtype } from '../engines/transformers/pick-dtype';
import { configureOffline } from '../engines/transformers/runtime';
import { CliError } from './cli-error';

export const BUILTIN_MODELS = fileURLToPath(new URL('../../public/models/', import.meta.url));
export const DEFAULT_MODEL = 'cranfield-tiny';

export interface ModelLocation {
  readonly id: string;
  /** Folder holding the model's folder (transformers.js's localModelPath). */
  readonly root: string;
  readonly card: ModelCard;
}

/** ONNX weight files transformers.js names per dtype. */
const WEIGHTS: Readonly<Record<string, Dtype>> = {
  'model.onnx': 'fp32',
  'model_fp16.onnx': 'fp16',
  'model_quantized.onnx': 'q8',
  'model_q4.onnx': 'q4',
  'model_q4f16.onnx': 'q4f16',
};

function builtinIds(): string[] {
  return existsSync(BUILTIN_MODELS) ? readdirSync(BUILTIN_MODELS).filter((n) => !n.startsWith('.')) : [];
}

export function locateModel(spec: string): ModelLocation {
  const asFolder = resolve(spec);
  const folder = existsSync(asFolder) && statSync(asFolder).isDirectory() ? asFolder : resolve(BUILTIN_MODELS, spec);
  if (!existsSync(`${folder}/config.json`)) {
    throw new CliError(
      'MODEL_NOT_FOUND',
      `model "${spec}" not found offline: give a folder in the transformers.js layout (config.json, tokenizer.json, ` +
        `onnx/model*.onnx) or a built-in model (${builtinIds().join(', ') || 'none'})`,
    );
  }
  const id = basename(folder);
  const onnx = existsSync(`${folder}/onnx`) ? readdirSync(`${folder}/onnx`) : [];
  const available = onnx.map((f) => WEIGHTS[f]).filter((d): d is Dtype => d !== undefined);
  if (available.length === 0) throw new CliError('MODEL_NOT_FOUND', `${folder}/onnx holds no model*.onnx weights`);
  const cardPath = `${folder}/model-card.json`;
  const card = existsSync(cardPath)
    ? parseModelCard(JSON.parse(readFileSync(cardPath, 'utf8')))
    : { ...chatModelCard(id, pickDtype(available, 'cpu')), dtypes: available };
  return { id, root: `${dirname(folder)}/`, card };
}

export async function loadModel(location: ModelLocation): Promise<RetrievalModel> {
  const lm = await loadTransformersLM({ modelRoot: location.root }, location.id, {
    device: 'cpu',
    dtype: pickDtype(location.card.dtypes ?? [location.card.dtype], 'cpu'),
  });
  return { lm, card: location.card, profile: promptProfile(location.card, lm.tokenizer) };
}

export async function loadModelKeyer(location: ModelLocation): Promise<PassageKeyer> {
  configureOffline({ modelRoot: location.root });
  return loadKeyer(location.id, location.card);
}
