// Loads the built-in demo model once per test file, as the core's LanguageModel (transformers.js, Node CPU), or its
// passage keyer alone.
import { readFileSync } from 'node:fs';
import { parseModelCard, type ModelCard } from '../src/core/model-card';
import type { PassageKeyer } from '../src/core/passage-keyer';
import { loadKeyer } from '../src/engines/transformers/keyer';
import { loadTransformersLM } from '../src/engines/transformers/load';
import { configureOffline } from '../src/engines/transformers/runtime';
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

/** The demo model's passage keyer (its tokenizer and key templates), loaded offline from the model folder. */
export function loadDemoKeyer(): Promise<PassageKeyer> {
  configureOffline({ modelRoot: MODEL_ROOT });
  const card = parseModelCard(JSON.parse(readFileSync(`${MODEL_ROOT}${DEMO_MODEL_ID}/model-card.json`, 'utf8')));
  return loadKeyer(DEMO_MODEL_ID, card);
}

export const readDemo = (name: string) => readFileSync(`${DEMO_CRANFIELD}/${name}`, 'utf8');
