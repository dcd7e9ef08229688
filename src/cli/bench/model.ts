// Benchmark section `model`: the demo model on transformers.js's Node CPU backend.
import { readFileSync } from 'node:fs';
import { parseModelCard, retrievalPrompt } from '../../core/model-card';
import {
  configureOffline,
  encode,
  forwardLast,
  greedyContinuation,
  loadCausalLM,
} from '../../engines/transformers/runtime';
import { round, timeAsync } from './stats';

export async function benchModel(modelRoot: string, modelId: string) {
  configureOffline({ modelRoot });
  const card = parseModelCard(JSON.parse(readFileSync(`${modelRoot}${modelId}/model-card.json`, 'utf8')));
  const loadStarted = performance.now();
  const lm = await loadCausalLM(modelId, 'cpu', 'fp32');
  const loadMillis = performance.now() - loadStarted;
  const prompt = encode(lm, retrievalPrompt(card, 'what similarity laws must be obeyed when constructing models'));
  const long = Array.from({ length: 128 }, (_, i) => prompt[i % prompt.length]!);
  const short = long.slice(0, 16);
  const forward16 = await timeAsync(20, () => forwardLast(lm, short));
  const forward128 = await timeAsync(20, () => forwardLast(lm, long));
  const newTokens = 32;
  const greedy = await timeAsync(5, () => greedyContinuation(lm, prompt, newTokens, () => false));
  return {
    device: lm.device,
    parameters: card.parameters,
    loadMillis: round(loadMillis, 1),
    forward16Millis: round(forward16),
    forward128Millis: round(forward128),
    /** A 128-token prefill relative to a 16-token one (the baseline). */
    forward128Over16: round(forward128 / forward16),
    greedyMillisPerToken: round(greedy / newTokens),
    /** A KV-cached decode step relative to re-running a 16-token prefix (the baseline) for every new token. */
    greedyStepOverForward16: round(greedy / newTokens / forward16),
  };
}
