// `npm run lighthouse`: Lighthouse's PWA and accessibility checks of the built app (run `npm run build` first).
// Serves dist/app with `vite preview` (the same COOP/COEP/CSP headers as production), opens it in Debian's Chromium
// (headless), runs Lighthouse 11 — the last major version with the PWA category — for a mobile page, writes the full
// report and a short summary to test-results/lighthouse/ and prints the summary. Fails when the app is not
// installable (or misses one of the manifest-driven PWA checks) or when accessibility scores under 0.9.
// Only localhost is reached: Chromium's background networking is off, and Lighthouse fetches nothing else.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'test-results', 'lighthouse');
const HOST = '127.0.0.1';
const CHROME = process.env['CHROME_PATH'] || '/usr/bin/chromium';
/** The whole run, server start to summary, on a slow machine: a hung browser must not hang CI. */
const DEADLINE_MS = 150_000;
const MIN_ACCESSIBILITY = 0.9;
/** The PWA audits that must pass. `installable-manifest` is the installability check itself; the next three follow
 * from the manifest and icons (vite.config.ts); viewport and content-width from the page's markup. Lighthouse 11 no
 * longer has a `service-worker` audit: Chrome's installability no longer asks for one. */
const REQUIRED_PWA = [
  'installable-manifest',
  'themed-omnibox',
  'maskable-icon',
  'splash-screen',
  'viewport',
  'content-width',
];

/** @typedef {import('lighthouse').Result['audits'][string]} AuditResult */

const started = performance.now();
/** @param {string} message */
const log = (message) =>
  console.error(`lighthouse: ${message} (${((performance.now() - started) / 1000).toFixed(1)} s)`);

/** An unused port the system picks, so a run never collides with another preview or a second run. */
function anyFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** LIGHTHOUSE_PORT when set (used as is: `--strictPort` then fails loudly if it is taken), else a free one. */
async function choosePort() {
  const asked = process.env['LIGHTHOUSE_PORT'];
  return asked ? Number(asked) : /** @type {number} */ (await anyFreePort());
}

/** @typedef {{ child: import('node:child_process').ChildProcess, output: () => string }} Preview */

/**
 * `vite preview` as a child of this process (vite's own bin under node, not npx: one process, one pid to end).
 * @param {number} port @returns {Preview}
 */
function startPreview(port) {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const args = [vite, 'preview', '--port', String(port), '--strictPort', '--host', HOST];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  return { child, output: () => output };
}

/**
 * Waits until the preview server answers the page, or fails with its output when it exits or takes too long.
 * @param {string} url @param {Preview} preview
 */
async function waitForServer(url, preview, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (preview.child.exitCode !== null) throw new Error(`vite preview exited:\n${preview.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`vite preview did not answer ${url} within ${timeoutMs / 1000} s:\n${preview.output()}`);
}

/**
 * Ends a child process: SIGTERM, then SIGKILL if it is still there a moment later.
 * @param {import('node:child_process').ChildProcess} child
 */
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The first few elements an audit flags (accessibility: the nodes to fix), as selector and markup.
 * @param {AuditResult} audit @returns {unknown[]}
 */
function flaggedItems(audit) {
  // Table, list and other details carry `items` of several shapes (some typed `any`): read as plain records.
  /** @type {unknown} */
  const rows = audit.details && 'items' in audit.details ? audit.details.items : [];
  const items = /** @type {Record<string, unknown>[]} */ (Array.isArray(rows) ? rows : []);
  return items.slice(0, 5).map((item) => {
    const node = /** @type {{ selector?: string, snippet?: string, explanation?: string } | undefined} */ (
      item['node']
    );
    if (node?.selector) return { selector: node.selector, snippet: node.snippet, explanation: node.explanation };
    // installable-manifest lists the reasons Chrome gives.
    return 'reason' in item ? { reason: item['reason'] } : item;
  });
}

/**
 * A scored audit that did not get full marks (manual, informative and not-applicable audits have no score).
 * @param {AuditResult} audit
 */
function failed(audit) {
  return audit.score !== null && audit.score < 1;
}

/** @param {import('lighthouse').Result} lhr @param {string} url */
function summarize(lhr, url) {
  const scores = Object.fromEntries(Object.entries(lhr.categories).map(([id, c]) => [id, c.score]));
  const failing = Object.entries(lhr.categories).flatMap(([category, c]) =>
    c.auditRefs
      .map((ref) => lhr.audits[ref.id])
      .filter((audit) => audit && failed(audit))
      .map((audit) => ({
        category,
        id: audit.id,
        title: audit.title,
        score: audit.score,
        ...(audit.displayValue ? { displayValue: audit.displayValue } : {}),
        ...(audit.explanation ? { explanation: audit.explanation } : {}),
        items: flaggedItems(audit),
      })),
  );
  /** @type {Record<string, { pass: boolean, missing?: true, score?: number | null, title?: string }>} */
  const pwa = {};
  for (const id of REQUIRED_PWA) {
    const audit = lhr.audits[id];
    pwa[id] = audit
      ? { pass: audit.score === 1, score: audit.score, title: audit.title }
      : { pass: false, missing: true };
  }
  const problems = [];
  const accessibility = scores['accessibility'];
  if (typeof accessibility !== 'number' || accessibility < MIN_ACCESSIBILITY)
    problems.push(`accessibility score ${accessibility} < ${MIN_ACCESSIBILITY}`);
  for (const [id, result] of Object.entries(pwa)) {
    if (result.missing) problems.push(`PWA audit ${id} missing from the report`);
    else if (!result.pass) problems.push(`PWA audit ${id} failed`);
  }
  if (lhr.runtimeError) problems.push(`Lighthouse runtime error: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  return {
    ok: problems.length === 0,
    url,
    lighthouse: lhr.lighthouseVersion,
    browser: lhr.environment.hostUserAgent,
    formFactor: lhr.configSettings.formFactor,
    scores,
    pwa,
    problems,
    failing,
    runWarnings: lhr.runWarnings,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'app', 'index.html'))) {
    throw new Error('dist/app/index.html is missing: run `npm run build` first');
  }
  if (!existsSync(CHROME)) throw new Error(`no browser at ${CHROME} (set CHROME_PATH)`);
  const port = await choosePort();
  const url = `http://${HOST}:${port}/`;
  /** @type {ReturnType<typeof startPreview> | undefined} */
  let preview;
  /** @type {import('chrome-launcher').LaunchedChrome | undefined} */
  let chrome;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    // chrome-launcher's kill ends Chromium's whole process group (SIGKILL) and removes its temporary profile.
    chrome?.kill();
    if (preview) await stop(preview.child);
  };
  /** @param {NodeJS.Signals} signal */
  const onSignal = (signal) => {
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  /** @type {NodeJS.Timeout | undefined} */
  let deadline;
  try {
    /** @returns {Promise<import('lighthouse').RunnerResult>} */
    const run = async () => {
      preview = startPreview(port);
      await waitForServer(url, preview);
      log(`serving dist/app at ${url}`);
      chrome = await chromeLauncher.launch({
        chromePath: CHROME,
        // chrome-launcher's defaults already turn off background networking, component updates, sync and first-run
        // screens; these add headless, the root-in-a-container case and no GPU.
        chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
        logLevel: 'error',
        handleSIGINT: false,
      });
      log(`Chromium on DevTools port ${chrome.port}`);
      const result = await lighthouse(url, {
        port: chrome.port,
        output: ['json', 'html'],
        logLevel: 'error',
        onlyCategories: ['pwa', 'accessibility'],
        formFactor: 'mobile',
        // Measured timings are not what this checks: no simulated slow network or CPU, so a slow CI machine only
        // makes the run slower, never a failure.
        throttlingMethod: 'provided',
        // The page starts a Web Worker that loads the ~27 MB ONNX Runtime wasm and the demo model, and the service
        // worker precaches ~40 MB at once: generous load limits, though on localhost load ends in seconds.
        maxWaitForLoad: 90_000,
        maxWaitForFcp: 30_000,
      });
      if (!result) throw new Error('Lighthouse returned no result');
      log('audits done');
      return result;
    };
    /** @type {Promise<never>} */
    const timeout = new Promise((_, reject) => {
      deadline = setTimeout(() => reject(new Error(`no result within ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
    });
    const result = await Promise.race([run(), timeout]);
    const [json, html] = /** @type {string[]} */ (result.report);
    const summary = summarize(result.lhr, url);
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'report.json'), json ?? '');
    writeFileSync(join(OUT, 'report.html'), html ?? '');
    writeFileSync(join(OUT, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(JSON.stringify(summary, null, 2));
    if (!summary.ok) log(`FAILED: ${summary.problems.join('; ')} (full report: test-results/lighthouse/report.html)`);
    return summary.ok ? 0 : 1;
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
