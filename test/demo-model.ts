// Loads the built-in demo model once per test file, as the core's LanguageModel (transformers.js, Node CPU).
import { readFileSync } from 'node:fs';
import { parseModelCard, type ModelCard } from '../src/core/model-card';
import { loadTransformersLM } from '../src/engines/transformers/load';
import type { TransformersLM } from '../src/engines/transformers/transformers-lm';
import { DEMO_CRANFIELD, DEMO_MODEL_ID, MODEL_ROOT } from './paths';

let demo: Promise<{ lm: TransformersLM; card: ModelCard }> | undefined;

export function loadDemo(): Promise<{ lm: TransformersLM; card: ModelCard }> {
  demo ??= (async () => {
    const card = parseModelCard(JSON.parse(readFileSync(`${MODEL_ROOT}${DEMO_MODEL_ID}/model-card.json`, 'utf8')));
    const lm = await loadTransformersLM({ modelRoot: MODEL_ROOT }, DEMO_MODEL_ID, { device: 'cpu', dtype: card.dtype });
    return { lm, card };
  })();
  return demo;
}

export const readDemo = (name: string) => readFileSync(`${DEMO_CRANFIELD}/${name}`, 'utf8');
