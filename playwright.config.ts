// Browser tests in Debian's Chromium (never a downloaded browser), served by `vite preview` from the built app.
// Every test runs twice: project `wasm` (WebGPU unavailable) and project `webgpu` (SwiftShader's software
// WebGPU), so both of the app's model paths are covered without a GPU.
import { defineConfig } from '@playwright/test';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** `PW_PORT` lets several checkouts run their suites side by side. */
const PORT = Number(process.env['PW_PORT'] ?? 4173);
/** Flags that keep Chromium off the network it cannot reach here and quiet at start. */
const COMMON_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export default defineConfig({
  testDir: 'e2e',
  // Measurements (playwright.measure.config.ts) run on demand, not in the suite.
  testIgnore: ['measure/**'],
  // SwiftShader renders WebGPU on the CPU: correct but slow. Wait on conditions, with generous limits.
  timeout: 300_000,
  expect: { timeout: 120_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env['CI'],
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    // The desktop size the app's layout is held to (the first results in the first screen).
    viewport: { width: 1280, height: 860 },
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'wasm',
      use: { launchOptions: { executablePath: CHROMIUM, args: [...COMMON_FLAGS, '--disable-gpu'] } },
    },
    {
      name: 'webgpu',
      use: {
        launchOptions: {
          executablePath: CHROMIUM,
          args: [...COMMON_FLAGS, '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
        },
      },
    },
  ],
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}/`,
    reuseExistingServer: !process.env['CI'],
    timeout: 60_000,
  },
});
