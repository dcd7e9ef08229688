// Internalization in the page, in both projects (TensorFlow.js on WebAssembly, and on WebGPU through SwiftShader): a
// folder of notes the demo model never read is added, the model is trained on it in the training worker with an
// estimate first, the page is reloaded mid-run and the run resumes from its checkpoint by itself, and when it ends
// search switches to the internalized model — which, in self mode, finds the notes the base model did not, on the
// same queries. The run's throughput goes to the test log (`internalize-throughput`), beside the Node bench's.
import { expect, test, type Page } from '@playwright/test';
import { firstHitDocuments, waitIdle } from './app-page';
import { makeNotesFolder, NOTES } from './library-folders';
import { screenshot } from './screenshot';

/** The first hit's document for each note's query. */
const topDocuments = (page: Page, notes: typeof NOTES) =>
  firstHitDocuments(
    page,
    notes.map((n) => n.query),
  );

const correct = (found: (string | null)[], notes: typeof NOTES) =>
  found.filter((path, i) => path === `notes/${notes[i]!.file}`).length;

async function modelReady(page: Page, device: string, id: RegExp | string): Promise<void> {
  const status = page.getByTestId('model-status');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 300_000 });
  await expect(status).toHaveAttribute('data-device', device);
  await expect(status).toHaveAttribute('data-model-id', id);
  // The library is keyed for the model loaded (a new model re-keys it first).
  await expect(page.getByTestId('your-library')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('ingest-progress')).toBeHidden({ timeout: 120_000 });
}

test('a dropped folder is internalized in the page, resumes after a reload, and its model finds what the base did not', async ({
  page,
}, info) => {
  // Six notes, 5 epochs in about 40 steps: under a minute on WebAssembly here; SwiftShader runs WebGPU on the CPU.
  test.setTimeout(1_200_000);
  const device = info.project.name;
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(`/?debug&device=${device}#library`);
  await modelReady(page, device, 'cranfield-tiny');
  // SwiftShader runs WebGPU on the CPU, a step in about 13 s (WebAssembly: 1.5 s): half the notes there.
  const notes = device === 'webgpu' ? NOTES.slice(0, 3) : NOTES;
  await page.getByTestId('add-folder').setInputFiles(makeNotesFolder(notes));
  await waitIdle(page, notes.length);
  const panel = page.getByTestId('internalize');
  await expect(page.getByTestId('internalize-model')).toContainText('Not internalized yet');
  const base = await topDocuments(page, notes);

  // An estimate first, measured on this device; then the run.
  await page.getByTestId('internalize-estimate').click();
  await expect(page.getByTestId('internalize-state')).toContainText(
    new RegExp(`^About .* from ${notes.length} passages`),
    { timeout: 300_000 },
  );
  const estimateSeconds = Number(await panel.getAttribute('data-estimate-seconds'));
  expect(estimateSeconds).toBeGreaterThan(0);
  await page.getByTestId('internalize-start').click();
  await expect(panel).toHaveAttribute('data-phase', 'running');
  await expect(page.getByTestId('internalize-pause')).toBeVisible();
  // Visible from every view: the header's line for the run, with a link back to it.
  const training = page.getByTestId('activity').locator('li[data-kind="training"]');
  await expect(training).toContainText('Internalizing');
  await page.getByTestId('nav-search').click();
  await expect(training).toBeVisible();
  await screenshot(page, info, 'internalize-running');
  await training.getByRole('link', { name: 'Library' }).click();
  await expect(page.getByTestId('internalize-pause')).toBeVisible();

  // Reloaded once a checkpoint is saved: the run resumes from it on its own.
  await expect(panel).toHaveAttribute('data-checkpoint-step', /^[1-9]/, { timeout: 600_000 });
  const saved = Number(await panel.getAttribute('data-checkpoint-step'));
  await page.reload();
  await expect(panel).toHaveAttribute('data-resumed-from', /^[1-9]/, { timeout: 300_000 });
  expect(Number(await panel.getAttribute('data-resumed-from'))).toBeGreaterThanOrEqual(saved);
  const throughput = {
    project: device,
    estimateSeconds,
    tokensPerSecond: 0,
    steps: 0,
    peakMemoryMB: 0,
  };
  // It finishes, and search switches to the internalized model.
  await expect(panel).toHaveAttribute('data-model-key', /^folder\.internalized-/, { timeout: 900_000 });
  await modelReady(page, device, /^store\/folder\.internalized-/);
  await expect(panel).toHaveAttribute('data-phase', 'idle');
  await expect(page.getByTestId('internalize-model')).toContainText(
    `Internalized: ${notes.length} of ${notes.length} passages`,
  );
  throughput.steps = Number(await panel.getAttribute('data-step'));
  throughput.tokensPerSecond = Number(await panel.getAttribute('data-tokens-per-second'));
  throughput.peakMemoryMB = Math.round(Number(await panel.getAttribute('data-peak-memory-bytes')) / 2 ** 20);
  console.log(`internalize-throughput ${JSON.stringify(throughput)}`);

  const after = await topDocuments(page, notes);
  console.log(`internalize-found ${JSON.stringify({ project: device, base, after })}`);
  expect(correct(after, notes)).toBeGreaterThan(correct(base, notes));
  expect(correct(after, notes)).toBeGreaterThanOrEqual(notes.length - 1);
  expect(pageErrors).toEqual([]);
});
