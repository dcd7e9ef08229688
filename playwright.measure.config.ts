// Measurements in Chromium that take too long for the suite (`npm run measure:internalize`): the suite's settings,
// the WebAssembly project only, tests from e2e/measure/.
import { defineConfig } from '@playwright/test';
import suite from './playwright.config';

export default defineConfig({
  ...suite,
  testDir: 'e2e/measure',
  testIgnore: [],
  projects: suite.projects!.filter((p) => p.name === 'wasm'),
});
