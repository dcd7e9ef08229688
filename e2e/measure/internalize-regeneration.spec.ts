// A measurement, not a test of the suite (`npm run measure:internalize`, playwright.measure.config.ts): 200
// Cranfield abstracts internalized in Chromium (WebAssembly) from a general base model, as a user would do it — the
// base loaded as a model folder, the abstracts dropped as a folder, Internalize, Start — and, before and after, the
// rate at which self mode regenerates each abstract as its top hit from its title and from a pseudo-query (its first
// sentence, as the recipe makes them). Writes `internalize-regeneration.json` to the test's output folder and logs it.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { sentenceQueries } from '../../src/core/internalize-recipe';
import { cranfieldPassages } from '../../src/ingest/cranfield';
import { DEMO_CRANFIELD } from '../../test/paths';
import { firstHitDocuments, waitIdle } from '../app-page';

/** The base model folder: `BASE_MODEL`, else where `npm run fixture-model:base` writes the general base. */
const BASE = resolve(process.env['BASE_MODEL'] ?? 'build/english-tiny');
const DOCUMENTS = Number(process.env['DOCUMENTS'] ?? 200);

interface Probe {
  readonly path: string;
  readonly title: string;
  readonly sentence: string;
}

/** Records spread over the collection, each as `cranfield/<id>.txt`: title, blank line, abstract. */
function makeFolder(): { folder: string; probes: Probe[] } {
  const root = join(mkdtempSync(join(tmpdir(), 'sr-measure-')), 'cranfield');
  mkdirSync(root);
  // Records with a title and a sentence: both queries exist (a few records have no title).
  const passages = cranfieldPassages(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8')).filter(
    (p) => p.title.trim() && sentenceQueries(p.text, 24).length > 0,
  );
  const step = Math.max(1, Math.floor(passages.length / DOCUMENTS));
  const chosen = passages.filter((_, i) => i % step === 0).slice(0, DOCUMENTS);
  const probes: Probe[] = [];
  for (const p of chosen) {
    const file = `${p.id.padStart(4, '0')}.txt`;
    writeFileSync(join(root, file), `${p.title}\n\n${p.text}\n`);
    probes.push({ path: `cranfield/${file}`, title: p.title, sentence: sentenceQueries(p.text, 24)[0]! });
  }
  return { folder: root, probes };
}

/** Share of `queries` whose first self-mode hit is in its own document. */
async function regenerationRate(page: Page, probes: readonly Probe[], field: 'title' | 'sentence'): Promise<number> {
  const found = await firstHitDocuments(
    page,
    probes.map((p) => p[field]),
    1,
  );
  return found.filter((path, i) => path === probes[i]!.path).length / probes.length;
}

test('regeneration rate of 200 abstracts before and after internalizing them in Chromium', async ({ page }, info) => {
  test.setTimeout(4 * 3600_000);
  expect(
    existsSync(join(BASE, 'model-card.json')),
    `no base model at ${BASE}: make it with npm run fixture-model:base, or set BASE_MODEL to a base model folder`,
  ).toBe(true);
  const { folder, probes } = makeFolder();
  await page.goto('/?debug&device=wasm');
  const status = page.getByTestId('model-status');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 300_000 });

  await page.getByTestId('model-folder').setInputFiles(BASE);
  await expect(status).toHaveAttribute('data-model-id', /^store\/folder\./, { timeout: 300_000 });
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 300_000 });
  await page.getByTestId('add-folder').setInputFiles(folder);
  await waitIdle(page, probes.length);
  await expect(page.getByTestId('your-library')).toHaveAttribute('data-state', 'ready', { timeout: 300_000 });

  const before = {
    title: await regenerationRate(page, probes, 'title'),
    sentence: await regenerationRate(page, probes, 'sentence'),
  };
  console.log(`before ${JSON.stringify(before)}`);

  const panel = page.getByTestId('internalize');
  await page.getByTestId('internalize-estimate').click();
  await expect(page.getByTestId('internalize-state')).toContainText(/^About /, { timeout: 600_000 });
  const estimateSeconds = Number(await panel.getAttribute('data-estimate-seconds'));
  const started = Date.now();
  await page.getByTestId('internalize-start').click();
  await expect(panel).toHaveAttribute('data-model-key', /^folder\.internalized-/, { timeout: 4 * 3600_000 });
  const trainSeconds = (Date.now() - started) / 1000;
  const steps = Number(await panel.getAttribute('data-step'));
  const tokensPerSecond = Number(await panel.getAttribute('data-tokens-per-second'));
  const peakMemoryMB = Math.round(Number(await panel.getAttribute('data-peak-memory-bytes')) / 2 ** 20);
  await expect(status).toHaveAttribute('data-model-id', /^store\/folder\.internalized-/, { timeout: 300_000 });
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 300_000 });
  await expect(page.getByTestId('your-library')).toHaveAttribute('data-state', 'ready', { timeout: 300_000 });

  const after = {
    title: await regenerationRate(page, probes, 'title'),
    sentence: await regenerationRate(page, probes, 'sentence'),
  };
  const report = {
    base: BASE,
    documents: probes.length,
    device: 'wasm',
    estimateSeconds,
    trainSeconds: Math.round(trainSeconds),
    steps,
    tokensPerSecond,
    peakMemoryMB,
    before,
    after,
  };
  console.log(`internalize-regeneration ${JSON.stringify(report)}`);
  writeFileSync(info.outputPath('internalize-regeneration.json'), JSON.stringify(report, null, 2));
  expect(after.title).toBeGreaterThan(before.title);
});
