// The <self-retrieval-search> widget on a third-party page (e2e/widget-site.ts: its own origin, a strict CSP, no
// app code) with a bundle the CLI builds here from a few Cranfield records and an XSS document, and the fixture
// model downloaded from the site into the page's model cache. In both projects (wasm, WebGPU on SwiftShader):
// keyboard-only and mouse flows, an axe scan, untrusted text staying inert under the CSP with nothing outside the
// shadow root changed, lazy loading and the shell's size, and coded errors for a bad index.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { DEMO_CRANFIELD, MODEL_ROOT, ROOT } from '../test/paths';
import { ShardedBundle, type ShardedManifest } from '../src/core/sharded-bundle';
import type { SelectDetail } from '../src/widget/self-retrieval-search';
import { screenshot } from './screenshot';
import { widgetPage, WidgetSite, type SiteRequest } from './widget-site';

const SHELL_LIMIT_BYTES = 30 * 1024;
const MODEL_PATH = '/models/cranfield-tiny/';
/** Where a second copy of `dist/widget.js` and `dist/widget/` is served. */
const COPIED_TO = '/static/search/';
/** Cranfield record 1 (the wing in a propeller slipstream) and record 2 (shear flow past a flat plate). */
const QUERY = 'wing propeller slipstream lift';
const MOUSE_QUERY = 'shear flow past a flat plate';
/** A word only the XSS documents hold. */
const XSS_WORD = 'xylophone';
const XSS_TEXT = [
  `${XSS_WORD} notes on hostile markup.`,
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=1">',
  '[click me](javascript:window.__xss=1)',
  '<a href="javascript:window.__xss=1">a javascript link</a>',
  '<style>*{display:none!important}</style>',
  '<div style="background:url(javascript:window.__xss=1)">styled</div>',
  '<iframe src="javascript:window.__xss=1"></iframe>',
].join('\n');

let site: WidgetSite;
let workDir: string;
/** Where the sharded Cranfield bundle is served. */
const SHARDED_PATH = '/search/cranfield/';
const shardedDir = () => join(workDir, 'cranfield-sharded');
/** A copy of it with one keyword chunk damaged and one passage fragment missing. */
const DAMAGED_SHARDED_PATH = '/search/damaged/';
const damagedDir = () => join(workDir, 'cranfield-damaged');
/** Its damaged chunk holds `lift` (not `wing`, nor MOUSE_QUERY's terms); its missing fragment holds the best hit
 * for MOUSE_QUERY. */
const DAMAGED_CHUNK_QUERY = 'lift wing';

/** Records `first`…`last` of the demo collection: title and abstract. */
function cranfieldRecords(first: number, last: number): { title: string; text: string }[] {
  const source = readFileSync(join(DEMO_CRANFIELD, 'cran.all.1400'), 'utf8');
  return source
    .split(/^\.I /m)
    .slice(first, last + 1)
    .map((record) => {
      const title = /\n\.T\n([\s\S]*?)\n\.A/.exec(record)?.[1]?.replace(/\s+/g, ' ').trim() ?? '';
      const text = /\n\.W\n([\s\S]*)$/.exec(record)?.[1]?.replace(/\s+/g, ' ').trim() ?? '';
      return { title, text };
    });
}

/** A small site's documents: Cranfield records as Markdown, HTML and text, and the XSS document in all three. */
function writeSiteDocuments(folder: string): void {
  mkdirSync(folder, { recursive: true });
  const escape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
  cranfieldRecords(1, 9).forEach(({ title, text }, i) => {
    const name = `record-${i + 1}`;
    if (i % 3 === 0) writeFileSync(join(folder, `${name}.md`), `# ${title}\n\n${text}\n`);
    else if (i % 3 === 1) {
      writeFileSync(
        join(folder, `${name}.html`),
        `<!doctype html><title>${escape(title)}</title><h1>${escape(title)}</h1><p>${escape(text)}</p>`,
      );
    } else writeFileSync(join(folder, `${name}.txt`), `${title}\n\n${text}\n`);
  });
  writeFileSync(join(folder, 'xss-notes.txt'), `${XSS_TEXT}\n`);
  writeFileSync(join(folder, 'xss-notes.md'), `# Hostile ${XSS_WORD} markdown\n\n${XSS_TEXT}\n`);
  // In HTML the markup is real (the parser drops scripts and styles) and the same strings also appear as text.
  writeFileSync(
    join(folder, 'xss-notes.html'),
    `<!doctype html><title>Hostile ${XSS_WORD} page</title><script>window.__xss=1</script>` +
      `<style>*{display:none!important}</style><p>${escape(XSS_TEXT)}</p>` +
      `<p><a href="javascript:window.__xss=1">${XSS_WORD} link</a><img src=x onerror="window.__xss=1"></p>`,
  );
}

/** The sharded bundle folder as a static file server has it. */
async function openShardedFolder(dir: string): Promise<ShardedBundle> {
  return ShardedBundle.open((file) => Promise.resolve(new Uint8Array(readFileSync(join(dir, file)))));
}

/** The file of the fragment holding passage `entry`, from the folder's directory page (gzipped JSON). */
function fragmentFile(dir: string, manifest: ShardedManifest, entry: number): string {
  const { perFragment, perPage, pages } = manifest.fragments;
  const k = Math.floor(entry / perFragment);
  const page = JSON.parse(gunzipSync(readFileSync(join(dir, pages[Math.floor(k / perPage)]!.file))).toString()) as {
    file: string;
  }[];
  return page[k % perPage]!.file;
}

/** Copies the folder, damages the chunk of DAMAGED_CHUNK_QUERY's first term and removes the fragment of
 * MOUSE_QUERY's best hit. */
async function damageShardedCopy(from: string, to: string): Promise<void> {
  cpSync(from, to, { recursive: true });
  const bundle = await openShardedFolder(from);
  const { manifest } = bundle;
  const [damagedTerm, keptTerm] = DAMAGED_CHUNK_QUERY.split(' ') as [string, string];
  const chunk = (await bundle.keywordChunk(damagedTerm))!;
  for (const term of [keptTerm, ...MOUSE_QUERY.split(' ')]) {
    if ((await bundle.keywordChunk(term))?.file === chunk.file) {
      throw new Error(`the chunk of "${damagedTerm}" holds other terms the test searches`);
    }
  }
  const bytes = readFileSync(join(to, chunk.file));
  for (let i = 20; i < 60; i++) bytes[i] = bytes[i]! ^ 0xff;
  writeFileSync(join(to, chunk.file), bytes);
  const best = (await (await openShardedFolder(from)).lexicalQuery(MOUSE_QUERY, 1)).hits[0]!;
  rmSync(join(to, fragmentFile(from, manifest, best.entry)));
}

test.beforeAll(async () => {
  const shell = join(ROOT, 'dist', 'widget.js');
  if (!existsSync(shell)) throw new Error('dist/widget.js is missing: run `npx vite build --mode widget` first');
  workDir = mkdtempSync(join(tmpdir(), 'sr-widget-'));
  const documents = join(workDir, 'docs');
  writeSiteDocuments(documents);
  const bundle = join(workDir, 'site.srbundle');
  // The bundle a site owner builds, with the command the README gives.
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'bin/self-retrieval.mjs'),
      'index',
      documents,
      '--out',
      bundle,
      '--model',
      `${MODEL_ROOT}cranfield-tiny`,
    ],
    { cwd: ROOT, stdio: 'pipe' },
  );
  // The whole demo collection as a sharded bundle folder (format 2), which the widget reads lazily.
  execFileSync(
    process.execPath,
    [join(ROOT, 'bin/self-retrieval.mjs'), 'index', '--cranfield', DEMO_CRANFIELD, '--sharded', '--out', shardedDir()],
    { cwd: ROOT, stdio: 'pipe' },
  );
  await damageShardedCopy(shardedDir(), damagedDir());
  const damaged = Buffer.from(readFileSync(bundle));
  for (let i = damaged.length - 200; i < damaged.length - 100; i++) damaged[i] = damaged[i]! ^ 0xff;
  writeFileSync(join(workDir, 'damaged.srbundle'), damaged);
  site = await WidgetSite.start({
    dist: join(ROOT, 'dist'),
    files: { '/site.srbundle': bundle, '/damaged.srbundle': join(workDir, 'damaged.srbundle') },
    // The widget's files are also copied under another folder, as a site owner may put them anywhere.
    folders: {
      [MODEL_PATH]: `${MODEL_ROOT}cranfield-tiny`,
      [COPIED_TO]: join(ROOT, 'dist'),
      [SHARDED_PATH]: shardedDir(),
      [DAMAGED_SHARDED_PATH]: damagedDir(),
    },
    pages: {
      '/': widgetPage({ index: '/site.srbundle', model: MODEL_PATH, placeholder: 'Search the docs' }),
      '/lexical.html': widgetPage({ index: '/site.srbundle' }),
      '/missing.html': widgetPage({ index: '/missing.srbundle', model: MODEL_PATH }),
      '/damaged.html': widgetPage({ index: '/damaged.srbundle' }),
      '/sharded.html': widgetPage({ index: SHARDED_PATH }),
      '/sharded-damaged.html': widgetPage({ index: DAMAGED_SHARDED_PATH }),
      '/docs/guide/page.html': widgetPage(
        { index: '../../site.srbundle', model: `../..${MODEL_PATH}` },
        { script: `${COPIED_TO}widget.js` },
      ),
    },
  });
});

test.afterAll(async () => {
  await site?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

interface Watch {
  readonly consoleErrors: string[];
  readonly dialogs: string[];
}

/** Opens a page of the site with listeners for CSP violations and `sr-select` installed before any script runs. */
async function visit(page: Page, path = '/'): Promise<Watch> {
  const watch: Watch = { consoleErrors: [], dialogs: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watch.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => watch.consoleErrors.push(String(error)));
  page.on('dialog', (dialog) => {
    watch.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.addInitScript(() => {
    const state = { selects: [] as unknown[], violations: [] as string[], mutations: [] as string[] };
    (window as unknown as { __sr: typeof state }).__sr = state;
    document.addEventListener('securitypolicyviolation', (e) =>
      state.violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
    document.addEventListener('sr-select', (e) => state.selects.push((e as CustomEvent).detail));
  });
  await page.goto(`${site.url}${path}`);
  await page.evaluate(() => customElements.whenDefined('self-retrieval-search'));
  return watch;
}

const widget = (page: Page) => page.locator('self-retrieval-search');
const trigger = (page: Page) => widget(page).locator('[part~="trigger"]');
const dialog = (page: Page) => widget(page).locator('dialog');
const input = (page: Page) => widget(page).getByRole('combobox');
const options = (page: Page) => widget(page).getByRole('option');

/** The element focused inside the widget's shadow root (document.activeElement is the host). */
function focusedPart(page: Page): Promise<string | null> {
  return page.evaluate(
    () => document.querySelector('self-retrieval-search')?.shadowRoot?.activeElement?.getAttribute('part') ?? null,
  );
}

function selects(page: Page): Promise<SelectDetail[]> {
  return page.evaluate(() => (window as unknown as { __sr: { selects: SelectDetail[] } }).__sr.selects);
}

/** Waits for the model's own ranking (not the keyword stand-in). */
async function waitForModelResults(page: Page): Promise<void> {
  await expect(dialog(page)).toHaveAttribute('data-model', /^(ready|failed)$/, { timeout: 240_000 });
  // A failed model says why in the dialog: show that rather than a bare attribute mismatch.
  expect(await widget(page).locator('[part~="model-status"]').textContent()).not.toContain('could not be loaded');
  await expect(dialog(page)).toHaveAttribute('data-model', 'ready');
  await expect(dialog(page)).toHaveAttribute('data-results', 'final', { timeout: 240_000 });
  await expect(dialog(page)).toHaveAttribute('data-result-mode', 'hybrid');
}

function note(testInfo: TestInfo, type: string, description: string): void {
  testInfo.annotations.push({ type, description });
  console.log(`[${testInfo.project.name}] ${type}: ${description}`);
}

test('keyboard only: shortcut, type, arrows, Enter opens the passage in its document, Esc back, Esc closes', async ({
  page,
}, testInfo) => {
  await visit(page);
  await screenshot(page, testInfo, 'widget-closed');
  // The trigger is the page's first focusable element and shows the shortcut.
  await page.keyboard.press('Tab');
  expect(await focusedPart(page)).toBe('trigger');
  await expect(trigger(page)).toHaveAttribute('aria-keyshortcuts', 'Control+K');
  await expect(trigger(page)).toContainText('Ctrl K');
  await page.keyboard.press('Escape'); // nothing open: nothing happens
  await page.keyboard.press('Control+k');
  await expect(dialog(page)).toHaveAttribute('open', '');
  expect(await focusedPart(page)).toBe('input');
  await expect(input(page)).toHaveAccessibleName('Search the docs');

  const started = Date.now();
  await page.keyboard.type(QUERY);
  await expect(dialog(page)).toHaveAttribute('data-results', /^(interim|final)$/, { timeout: 120_000 });
  note(testInfo, 'first results (ms from typing)', String(Date.now() - started));
  await expect(options(page).first()).toContainText(/slipstream/i);
  await expect(dialog(page)).toHaveAttribute('data-model', /^(ready|failed)$/, { timeout: 240_000 });
  note(testInfo, 'model ready (ms from typing)', String(Date.now() - started));
  await waitForModelResults(page);
  note(testInfo, 'model results (ms from typing)', String(Date.now() - started));
  await expect(widget(page).getByRole('status')).toHaveText(/^\d+ results?$/);
  expect(await options(page).count()).toBeGreaterThan(2);

  // Arrows move the active option; focus stays in the input (aria-activedescendant).
  await page.keyboard.press('ArrowDown');
  await expect(input(page)).toHaveAttribute('aria-activedescendant', 'sr-option-0');
  await expect(options(page).nth(0)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(input(page)).toHaveAttribute('aria-activedescendant', 'sr-option-1');
  await expect(options(page).nth(0)).toHaveAttribute('aria-selected', 'false');
  await expect(options(page).nth(1)).toHaveAttribute('aria-selected', 'true');
  expect(await focusedPart(page)).toBe('input');
  const chosenTitle = await options(page).nth(1).locator('[part~="option-title"]').textContent();

  await page.keyboard.press('Enter');
  await expect(dialog(page)).toHaveAttribute('data-view', 'document');
  const [detail] = await selects(page);
  expect(detail?.query).toBe(QUERY);
  expect(detail?.passage.title).toBe(chosenTitle);
  expect(typeof detail?.scores.fused).toBe('number');
  const marked = widget(page).locator('mark[part~="passage-mark"]');
  await expect(marked).toBeVisible();
  expect((await marked.textContent())?.length).toBe(detail!.passage.end - detail!.passage.start);
  await screenshot(page, testInfo, 'widget-document');

  await page.keyboard.press('Escape');
  await expect(dialog(page)).toHaveAttribute('data-view', 'results');
  await expect(dialog(page)).toHaveAttribute('open', '');
  expect(await focusedPart(page)).toBe('input');
  await page.keyboard.press('Escape');
  await expect(dialog(page)).not.toHaveAttribute('open');
  expect(await focusedPart(page)).toBe('trigger');
});

test('mouse: click the trigger, type, click the second result', async ({ page }, testInfo) => {
  await visit(page);
  await trigger(page).click();
  await input(page).fill(MOUSE_QUERY);
  await waitForModelResults(page);
  await screenshot(page, testInfo, 'widget-results');
  const second = options(page).nth(1);
  const title = await second.locator('[part~="option-title"]').textContent();
  const path = await second.locator('[part~="option-path"]').textContent();
  await second.click();
  await expect(dialog(page)).toHaveAttribute('data-view', 'document');
  const [detail] = await selects(page);
  expect(detail).toMatchObject({ query: MOUSE_QUERY, passage: { title } });
  expect(path).toContain(detail!.passage.documentPath);
  expect(detail!.passage.id).toMatch(/\S/);
  expect(detail!.passage.end).toBeGreaterThan(detail!.passage.start);
  expect(detail!.scores).toEqual(expect.objectContaining({ fused: expect.any(Number), lexical: expect.any(Number) }));
  await widget(page)
    .getByRole('button', { name: /Back to results/ })
    .click();
  await expect(dialog(page)).toHaveAttribute('data-view', 'results');
  // A host that handles the choice itself prevents the event: the dialog then stays on the results.
  await page.evaluate(() => document.addEventListener('sr-select', (e) => e.preventDefault()));
  await options(page).first().click();
  await expect.poll(async () => (await selects(page)).length).toBe(2);
  await expect(dialog(page)).toHaveAttribute('data-view', 'results');
  await widget(page).getByRole('button', { name: 'Close search' }).click();
  await expect(dialog(page)).not.toHaveAttribute('open');
  expect(await focusedPart(page)).toBe('trigger');
});

test('axe: the open widget with results has no serious or critical violation, light and dark', async ({
  page,
}, testInfo) => {
  await visit(page);
  await trigger(page).click();
  await input(page).fill(QUERY);
  await waitForModelResults(page);
  await page.keyboard.press('ArrowDown');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    if (scheme === 'dark') await screenshot(page, testInfo, 'widget-dark');
    const scan = await new AxeBuilder({ page }).include('self-retrieval-search').analyze();
    const serious = scan.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    note(testInfo, `axe ${scheme}`, `${scan.violations.length} violations (${scan.passes.length} rules passed)`);
  }
});

test('untrusted text stays inert under the CSP, and nothing outside the shadow root changes', async ({
  page,
}, testInfo) => {
  const watch = await visit(page);
  // Installed before the first open: any change to the page outside the widget's shadow root is recorded.
  await page.evaluate(() => {
    const log = (window as unknown as { __sr: { mutations: string[] } }).__sr.mutations;
    new MutationObserver((records) => {
      for (const r of records) log.push(`${r.type} ${(r.target as Element).nodeName} ${r.attributeName ?? ''}`);
    }).observe(document.documentElement, { subtree: true, attributes: true, childList: true, characterData: true });
  });
  await trigger(page).click();
  await input(page).fill(XSS_WORD);
  await expect(dialog(page)).toHaveAttribute('data-results', /^(interim|final)$/);
  await expect(widget(page).locator('[part~="listbox"]')).toContainText('<script>window.__xss=1</script>');
  await expect(widget(page).locator('[part~="listbox"]')).toContainText('<img src=x onerror="window.__xss=1">');
  await waitForModelResults(page);
  const inside = () =>
    page.evaluate(() => {
      const root = document.querySelector('self-retrieval-search')!.shadowRoot!;
      return {
        dangerous: root.querySelector('dialog')!.querySelectorAll('script, img, style, a, iframe, object, embed')
          .length,
        styles: root.querySelectorAll('style').length,
        styled: root.querySelectorAll('[style]').length,
      };
    });
  expect(await inside()).toEqual({ dangerous: 0, styles: 0, styled: 0 });
  // Open the text document's passage in place: the full text is text too.
  const xssOption = options(page).filter({ hasText: '<script>' }).first();
  await xssOption.click();
  await expect(dialog(page)).toHaveAttribute('data-view', 'document');
  await expect(widget(page).locator('[part~="document-text"]')).toContainText('javascript:window.__xss=1');
  expect(await inside()).toEqual({ dangerous: 0, styles: 0, styled: 0 });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expect(dialog(page)).not.toHaveAttribute('open');

  const state = await page.evaluate(() => {
    const w = window as unknown as { __xss?: unknown; __sr: { violations: string[]; mutations: string[] } };
    return { xss: w.__xss, violations: w.__sr.violations, mutations: w.__sr.mutations };
  });
  expect(state.xss).toBeUndefined();
  expect(state.violations).toEqual([]);
  expect(state.mutations).toEqual([]);
  expect(watch.dialogs).toEqual([]);
  expect(watch.consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
  expect(watch.consoleErrors).toEqual([]);
  await expect(page.locator('main')).toBeVisible();
  note(testInfo, 'CSP', `${site.requests.length} requests under ${"script-src 'self' 'wasm-unsafe-eval'"}`);
});

test('two quick Escapes from a document close the dialog, even when the page runs its timers late', async ({
  page,
}) => {
  // A busy page runs input events before timers, so timers lag behind key presses: made certain here by running
  // every zero-delay timer half a second late (the widget's own delays are not zero). The widget once cleared its
  // "this Escape is handled" flag with such a timer, and the second Escape's close was swallowed.
  await page.addInitScript(() => {
    const later = window.setTimeout.bind(window);
    const late = (handler: TimerHandler, delay?: number, ...args: unknown[]) => later(handler, delay || 500, ...args);
    window.setTimeout = late as typeof window.setTimeout;
  });
  await visit(page);
  await trigger(page).click();
  await input(page).fill(XSS_WORD);
  // Keyword results are enough: the document view is the point, not the model.
  await expect(dialog(page)).toHaveAttribute('data-results', /^(interim|final)$/);
  await options(page).filter({ hasText: '<script>' }).first().click();
  await expect(dialog(page)).toHaveAttribute('data-view', 'document');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  // Swallowed, the close never comes: no need to wait out the default limit.
  await expect(dialog(page)).not.toHaveAttribute('open', { timeout: 5_000 });
  expect(await focusedPart(page)).toBe('trigger');
});

test('lazy: a shell of at most 30 KB gzip, nothing else fetched before the first open; a second visit loads the model from the cache', async ({
  page,
}, testInfo) => {
  test.setTimeout(600_000); // two model loads: minutes on SwiftShader
  const shell = readFileSync(join(ROOT, 'dist', 'widget.js'));
  const gzip = gzipSync(shell).length;
  note(testInfo, 'shell size', `dist/widget.js ${shell.length} B, ${gzip} B gzip`);
  expect(gzip).toBeLessThanOrEqual(SHELL_LIMIT_BYTES);

  const from = site.requests.length;
  await visit(page);
  await page.waitForLoadState('networkidle');
  const before = site.requests.slice(from).map((r) => r.path);
  note(testInfo, 'requests before first open', before.join(' '));
  expect(before.filter((p) => p !== '/favicon.ico')).toEqual(['/', '/widget.js']);
  const resources = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
  expect(resources.filter((name) => !name.endsWith('/favicon.ico'))).toEqual([`${site.url}/widget.js`]);

  await page.keyboard.press('Control+k');
  await input(page).fill(QUERY);
  await waitForModelResults(page);
  const after = site.requests.slice(from).map((r) => r.path);
  for (const expected of [
    /^\/widget\/engine-client-.*\.js$/,
    /^\/widget\/widget\.worker-.*\.js$/,
    /^\/site\.srbundle$/,
  ]) {
    expect(after.some((p) => expected.test(p))).toBe(true);
  }
  const weights = (requests: readonly SiteRequest[]) =>
    requests.filter((r) => r.method === 'GET' && r.path.startsWith(`${MODEL_PATH}onnx/`));
  expect(weights(site.requests.slice(from))).toHaveLength(1);
  await expect(widget(page).locator('[part~="model-status"]')).not.toContainText('(cached)');

  // A second visit: the model comes from this origin's model cache, with no request to the model folder at all.
  const second = site.requests.length;
  await page.reload();
  await page.keyboard.press('Control+k');
  await input(page).fill(QUERY);
  await waitForModelResults(page);
  await expect(widget(page).locator('[part~="model-status"]')).toContainText('(cached)');
  expect(site.requests.slice(second).filter((r) => r.path.startsWith(MODEL_PATH))).toEqual([]);
});

test('copied anywhere: widget files in another folder, index and model given relative to the page', async ({
  page,
}) => {
  const from = site.requests.length;
  await visit(page, '/docs/guide/page.html');
  await trigger(page).click();
  await input(page).fill(QUERY);
  await waitForModelResults(page);
  const paths = site.requests.slice(from).map((r) => r.path);
  // The worker and ONNX Runtime are found beside the shell, wherever it is; nothing is asked of the site's root.
  expect(paths.some((p) => /^\/static\/search\/widget\/widget\.worker-.*\.js$/.test(p))).toBe(true);
  expect(paths).toContain('/static/search/widget/ort/ort-wasm-simd-threaded.asyncify.wasm');
  expect(paths.filter((p) => p.startsWith('/widget'))).toEqual([]);
});

test('without a model attribute: keyword search, said so; a new index attribute re-opens the engine', async ({
  page,
}) => {
  await visit(page, '/lexical.html');
  await trigger(page).click();
  await input(page).fill(QUERY);
  await expect(dialog(page)).toHaveAttribute('data-results', 'final');
  await expect(dialog(page)).toHaveAttribute('data-model', 'none');
  await expect(widget(page).getByRole('status')).toContainText('keyword');
  await expect(widget(page).locator('[part~="model-status"]')).toContainText('no model is configured');
  await expect(options(page).first()).toContainText(/slipstream/i);

  // The open dialog follows its attributes: another index ends the engine and opens the new one.
  await widget(page).evaluate((el) => el.setAttribute('index', '/missing.srbundle'));
  await expect(dialog(page)).toHaveAttribute('data-error-code', 'INDEX_NOT_FOUND');
  await widget(page).evaluate((el) => el.setAttribute('index', '/site.srbundle'));
  await expect(dialog(page)).toHaveAttribute('data-engine', 'ready');
  await expect(dialog(page)).toHaveAttribute('data-results', 'final');
  await expect(options(page).first()).toContainText(/slipstream/i);
});

test('a sharded bundle: opening reads its manifest, a query its terms’ chunks and its results’ fragments', async ({
  page,
}, testInfo) => {
  const manifest = JSON.parse(readFileSync(join(shardedDir(), 'manifest.json'), 'utf8')) as {
    index: { file: string };
    documentPages: { pages: { file: string }[] };
    fragments: { pages: { file: string }[] };
    lexical: { directory: { pages: { file: string }[] } };
  };
  const sizes = new Map(readdirSync(shardedDir()).map((name) => [name, statSync(join(shardedDir(), name)).size]));
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const fetched = () =>
    site.requests.filter((r) => r.path.startsWith(SHARDED_PATH)).map((r) => r.path.slice(SHARDED_PATH.length));
  await visit(page, '/sharded.html');
  await trigger(page).click();
  await expect(dialog(page)).toHaveAttribute('data-engine', 'ready');
  expect(fetched()).toEqual(['manifest.json']);
  await input(page).fill(QUERY);
  await expect(dialog(page)).toHaveAttribute('data-results', 'final');
  await expect(options(page)).toHaveCount(10);
  await expect(options(page).first()).toContainText(/slipstream/i);
  const files = fetched();
  const bytes = files.reduce((n, f) => n + (sizes.get(f) ?? 0), 0);
  note(testInfo, 'sharded', `first query: ${files.length} requests, ${bytes} of ${total} bytes`);
  // Never the corpus index (no model here) nor the documents' records; one page of the chunks' directory and one of
  // the fragments' (a small bundle has one of each); a chunk per term at most; at most ten fragments.
  const among = (refs: readonly { file: string }[]) => files.filter((f) => refs.some((r) => r.file === f));
  expect(files).not.toContain(manifest.index.file);
  expect(among(manifest.documentPages.pages)).toEqual([]);
  expect(among(manifest.lexical.directory.pages)).toHaveLength(1);
  expect(among(manifest.fragments.pages)).toHaveLength(1);
  expect(new Set(files).size).toBe(files.length);
  expect(files.length).toBeLessThanOrEqual(1 + 1 + 4 + 1 + 10);
  expect(bytes).toBeLessThan(total / 5);
});

test('a sharded bundle offline: a reload answers from the shards the widget cached', async ({ page, context }) => {
  const fromBundle = (url: string) => new URL(url).pathname.startsWith(SHARDED_PATH);
  await visit(page, '/sharded.html');
  await trigger(page).click();
  await input(page).fill(QUERY);
  await expect(dialog(page)).toHaveAttribute('data-results', 'final');
  const online = await options(page).allTextContents();
  expect(online).toHaveLength(10);

  // Offline: the site's pages and scripts come as its own service worker would serve them (from the test runner
  // here); the bundle's files do not come at all.
  let refused = 0;
  await context.route('**/*', async (route) => {
    if (fromBundle(route.request().url())) {
      refused++;
      await route.abort('internetdisconnected');
    } else await route.fulfill({ response: await route.fetch() });
  });
  await context.setOffline(true);
  try {
    await page.reload();
    await trigger(page).click();
    await expect(dialog(page)).toHaveAttribute('data-engine', 'ready');
    await input(page).fill(QUERY);
    await expect(dialog(page)).toHaveAttribute('data-results', 'final');
    expect(await options(page).allTextContents()).toEqual(online);
    // Only the manifest was asked of the network (it may have changed); every shard came from the cache.
    expect(refused).toBe(1);
  } finally {
    await context.setOffline(false);
    await context.unrouteAll();
  }
});

test('a sharded bundle with a damaged chunk and a missing fragment: coded errors, and the rest still ranks', async ({
  page,
}) => {
  const bundle = await openShardedFolder(shardedDir());
  await visit(page, '/sharded-damaged.html');
  await trigger(page).click();
  await expect(dialog(page)).toHaveAttribute('data-engine', 'ready');

  // The chunk of "lift" is damaged: the passages about wings still rank.
  await input(page).fill(DAMAGED_CHUNK_QUERY);
  await expect(dialog(page)).toHaveAttribute('data-results', 'final');
  await expect(dialog(page)).toHaveAttribute('data-problem-code', 'BUNDLE_SHARD_CORRUPT');
  await expect(widget(page).getByRole('status')).toContainText('BUNDLE_SHARD_CORRUPT');
  const wingOnly = (await bundle.lexicalQuery(DAMAGED_CHUNK_QUERY.split(' ')[1]!, 10)).hits;
  await expect(options(page)).toHaveCount(wingOnly.length);

  // The fragment of the best hit is missing: its passages are left out, the others shown.
  const hits = (await bundle.lexicalQuery(MOUSE_QUERY, 10)).hits;
  const { perFragment } = bundle.manifest.fragments;
  const lost = Math.floor(hits[0]!.entry / perFragment);
  await input(page).fill(MOUSE_QUERY);
  await expect(dialog(page)).toHaveAttribute('data-problem-code', 'BUNDLE_SHARD_MISSING');
  await expect(widget(page).getByRole('status')).toContainText('BUNDLE_SHARD_MISSING');
  await expect(options(page)).toHaveCount(hits.filter((h) => Math.floor(h.entry / perFragment) !== lost).length);
  expect(await options(page).count()).toBeGreaterThan(0);
});

test('a bad index: a coded error in the dialog, and the trigger still works', async ({ page }, testInfo) => {
  await visit(page, '/missing.html');
  await trigger(page).click();
  await expect(dialog(page)).toHaveAttribute('data-engine', 'error');
  await expect(dialog(page)).toHaveAttribute('data-error-code', 'INDEX_NOT_FOUND');
  await expect(widget(page).getByRole('status')).toContainText('INDEX_NOT_FOUND');
  await screenshot(page, testInfo, 'widget-error');
  await page.keyboard.press('Escape');
  await expect(dialog(page)).not.toHaveAttribute('open');
  expect(await focusedPart(page)).toBe('trigger');
  await page.keyboard.press('Enter'); // the trigger opens it again, and it tries again
  await expect(dialog(page)).toHaveAttribute('open', '');
  await expect(dialog(page)).toHaveAttribute('data-error-code', 'INDEX_NOT_FOUND');

  await visit(page, '/damaged.html');
  await trigger(page).click();
  await expect(dialog(page)).toHaveAttribute('data-error-code', 'BUNDLE_CORRUPT');
  await expect(widget(page).getByRole('status')).toContainText('BUNDLE_CORRUPT');
});
