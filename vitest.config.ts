// Unit and Node tests (the browser tests are Playwright's, in e2e/).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Builds dist/cli/main.js when it is missing or stale: test/cli.test.ts runs the CLI as users do, from the build.
    globalSetup: ['test/build-cli.ts'],
    testTimeout: 120_000,
    // TensorFlow.js registers its gradients from ES modules that Node cannot load as they are (directory imports):
    // Vite transforms them, as it does for the browser build.
    server: { deps: { inline: [/@tensorflow\//] } },
    hookTimeout: 120_000,
  },
});
