// Smoke test, in both projects: the app loads the fixture model in its worker, runs a forward pass on the device
// the project provides (never a silent fallback), and the model's outputs equal those of the same model in Node.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { parseModelCard, retrievalPrompt } from '../src/core/model-card';
import { argmax, configureOffline, encode, forwardLast, loadCausalLM } from '../src/engines/transformers/runtime';
import { DEMO_MODEL_ID, MODEL_ROOT } from '../test/paths';

let expected: { warmupArgmax: number };

test.beforeAll(async () => {
  configureOffline({ modelRoot: MODEL_ROOT });
  const card = parseModelCard(JSON.parse(readFileSync(`${MODEL_ROOT}${DEMO_MODEL_ID}/model-card.json`, 'utf8')));
  const lm = await loadCausalLM(DEMO_MODEL_ID, 'cpu', 'fp32');
  const warm = await forwardLast(lm, encode(lm, retrievalPrompt(card, '')));
  expected = { warmupArgmax: argmax(warm.logits) };
});

test('loads the fixture model in a worker and runs it on the expected device', async ({ page }, info) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto('/');

  const status = page.getByTestId('model-status');
  await expect(status).toHaveAttribute('data-state', 'ready');
  if (info.project.name === 'webgpu') {
    await expect(status).toHaveAttribute('data-device', 'webgpu');
    // Cache outputs in a GPU buffer can only come from the WebGPU execution provider.
    await expect(status).toHaveAttribute('data-cache-location', 'gpu-buffer');
    await expect(status).toContainText('ready on WebGPU');
  } else {
    await expect(status).toHaveAttribute('data-device', 'wasm');
    await expect(status).toHaveAttribute('data-cache-location', 'cpu');
    await expect(status).toContainText('WebGPU unavailable');
  }
  await expect(status).toHaveAttribute('data-warmup-argmax', String(expected.warmupArgmax));
  await expect(page.getByTestId('library')).toHaveText('Cranfield (aeronautics abstracts): 1,400 passages.');

  expect(pageErrors).toEqual([]);
});

test('a user can force WebAssembly', async ({ page }) => {
  await page.goto('/?device=wasm');
  const status = page.getByTestId('model-status');
  await expect(status).toHaveAttribute('data-state', 'ready');
  await expect(status).toHaveAttribute('data-device', 'wasm');
  await expect(status).toContainText('WebAssembly chosen by the user');
});
