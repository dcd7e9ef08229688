// Benchmark section `scale`: Self-Retrieval's sharded bundle beside Pagefind (the static-site search site owners use
// today) on the same site, in one Chromium run. The site is Cranfield as 1,400 HTML pages; both engines index the
// same folder (our CLI `index --sharded` with the demo model's corpus index; Pagefind's npm API), then a local
// server that counts every byte serves both, and Chromium runs the same queries through each one's UI code: our
// `<self-retrieval-search>` element (its worker reads the bundle lazily) and Pagefind's JS API (`search`, then
// `data()` for the ten results a UI shows). Reported: build time, index bytes, bytes fetched for the first query
// and for 20 queries, time to the first ten results (median of cold runs, each engine in a fresh browser context),
// and test-split quality against the judgements (Pagefind's page hits are documents already; ours from `eval`,
// in lexical and hybrid modes). Ratios are ours over Pagefind's, measured in the same run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { formatQueriesTsv, formatTrecQrels } from '../../core/eval-data';
import { meanMetrics, rankingMetrics, type RankingMetrics } from '../../core/metrics';
import { CountingServer } from './counting-server';
import { cranfieldSite, type JudgedSite } from './html-site';
import { median, round } from './stats';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const COLD_RUNS = 3;
const SESSION_QUERIES = 20;
const RESULTS = 10;

/** What each engine's page exposes to the driver. */
interface QueryOutcome {
  readonly ms: number;
  /** The result pages' paths (Pagefind) or passages' document paths (ours), best first. */
  readonly paths: readonly string[];
}

const PAGEFIND_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pagefind</title>
<script type="module">
let pagefind;
window.runQuery = async (query, k) => {
  const started = performance.now();
  pagefind ??= await import('/pagefind/pagefind.js');
  const found = await pagefind.search(query);
  const data = await Promise.all(found.results.slice(0, k).map((r) => r.data()));
  return { ms: performance.now() - started, paths: data.map((d) => d.url) };
};
window.ready = true;
</script></head><body><main><h1>Pagefind</h1></main></body></html>`;

// The widget searches at once when it opens with a query in its box, and 250 ms after typing stops otherwise; the
// driver sets the box and opens it (first query) or sends the input event and waits out nothing but the search.
const OURS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Self-Retrieval</title>
<script type="module" src="/widget.js"></script>
<script type="module">
window.runQuery = (query) => new Promise((resolve, reject) => {
  const started = performance.now();
  const element = document.querySelector('self-retrieval-search');
  const root = element.shadowRoot;
  const dialog = root.querySelector('dialog');
  const input = root.querySelector('input');
  let searching = false;
  const observer = new MutationObserver(() => {
    const state = dialog.dataset.results;
    if (state === 'searching') searching = true;
    if (dialog.dataset.engine === 'error' || state === 'error') {
      observer.disconnect();
      reject(new Error(root.querySelector('[role=status]').textContent));
    }
    if (searching && state === 'final') {
      observer.disconnect();
      const paths = [...root.querySelectorAll('[part~="option-path"]')].map((e) => e.textContent.split(' · ')[0]);
      resolve({ ms: performance.now() - started, paths });
    }
  });
  observer.observe(dialog, { attributes: true, attributeFilter: ['data-results', 'data-engine'] });
  input.value = query;
  if (dialog.open) input.dispatchEvent(new Event('input'));
  else element.open();
});
window.ready = true;
</script></head><body><main><h1>Self-Retrieval</h1>
<self-retrieval-search index="/search/"></self-retrieval-search></main></body></html>`;

function folderBytes(dir: string, keep: (name: string) => boolean = () => true): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) total += folderBytes(path, keep);
    else if (keep(name)) total += stat.size;
  }
  return total;
}

/** Pagefind's code (its JS and WebAssembly) as opposed to its index's data. */
const isPagefindCode = (path: string) => /\.(js|css)$/.test(path) || /wasm\.[a-z]+\.pagefind$/.test(path);

async function buildPagefind(pages: string, out: string): Promise<number> {
  const pagefind = await import('pagefind');
  const started = performance.now();
  const { index, errors } = await pagefind.createIndex({});
  if (!index) throw new Error(`pagefind: ${errors.join('; ')}`);
  const added = await index.addDirectory({ path: pages });
  if (added.errors.length) throw new Error(`pagefind: ${added.errors.join('; ')}`);
  const written = await index.writeFiles({ outputPath: out });
  if (written.errors.length) throw new Error(`pagefind: ${written.errors.join('; ')}`);
  const ms = performance.now() - started;
  await pagefind.close();
  return ms;
}

function buildOurs(root: string, pages: string, out: string): number {
  const started = performance.now();
  execFileSync(
    process.execPath,
    [join(root, 'bin/self-retrieval.mjs'), 'index', pages, '--sharded', '--out', out, '--model', 'cranfield-tiny'],
    { stdio: 'pipe' },
  );
  return performance.now() - started;
}

/** `eval` of our bundle folder with the site's judgements, in one mode. */
function evalOurs(root: string, bundle: string, queries: string, qrels: string, mode: string): RankingMetrics {
  const out = execFileSync(
    process.execPath,
    [join(root, 'bin/self-retrieval.mjs'), 'eval', bundle, '--queries', queries, '--qrels', qrels, '--mode', mode],
    { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 },
  );
  return (JSON.parse(out.toString()) as { metrics: RankingMetrics }).metrics;
}

interface Engine {
  readonly name: 'ours' | 'pagefind';
  readonly page: string;
  /** URL prefix of its index's data. */
  readonly data: string;
  readonly isData: (path: string) => boolean;
  /** A result's path as the judgements name documents. */
  readonly docId: (path: string) => string;
}

/** Runs `queries` through one engine in a fresh context: each outcome and the bytes fetched up to it. */
async function session(
  browser: Browser,
  server: CountingServer,
  engine: Engine,
  queries: readonly string[],
): Promise<{ outcomes: QueryOutcome[]; dataBytes: number[]; codeBytes: number }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}${engine.page}`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const from = server.log.length;
    const outcomes: QueryOutcome[] = [];
    const dataBytes: number[] = [];
    for (const query of queries) {
      outcomes.push(
        await page.evaluate(
          ([q, k]) =>
            (window as unknown as { runQuery: (q: string, k: number) => Promise<QueryOutcome> }).runQuery(q, k),
          [query, RESULTS] as const,
        ),
      );
      dataBytes.push(
        server.log
          .slice(from)
          .filter((f) => engine.isData(f.path))
          .reduce((n, f) => n + f.bytes, 0),
      );
    }
    const codeBytes = server.log
      .slice(from)
      .filter((f) => !engine.isData(f.path) && !f.path.endsWith('.html'))
      .reduce((n, f) => n + f.bytes, 0);
    return { outcomes, dataBytes, codeBytes };
  } finally {
    await context.close();
  }
}

function quality(site: JudgedSite, outcomes: readonly QueryOutcome[], docId: (path: string) => string) {
  const perQuery = site.queries.map((q, i) =>
    rankingMetrics(outcomes[i]!.paths.map(docId), site.qrels.get(q.id) ?? new Map<string, number>()),
  );
  return meanMetrics(perQuery);
}

const pick = (m: RankingMetrics) => ({
  'H@1': round(m['H@1'], 4),
  'H@5': round(m['H@5'], 4),
  'MRR@5': round(m['MRR@5'], 4),
  'nDCG@10': round(m['nDCG@10'], 4),
});

export async function benchScale(root: string): Promise<Record<string, unknown>> {
  if (!existsSync(join(root, 'dist/widget.js')) || !existsSync(join(root, 'dist/cli/main.js'))) {
    throw new Error('the scale benchmark serves the built widget and runs the built CLI: run `npm run build` first');
  }
  const work = mkdtempSync(join(tmpdir(), 'sr-scale-'));
  const pages = join(work, 'site');
  const ours = join(work, 'search');
  const pagefindOut = join(work, 'pagefind');
  let server: CountingServer | undefined;
  let browser: Browser | undefined;
  try {
    const site = cranfieldSite(join(root, 'public/demo/cranfield'), pages);
    const inputBytes = folderBytes(pages);
    const pagefindBuildMs = await buildPagefind(pages, pagefindOut);
    const oursBuildMs = buildOurs(root, pages, ours);
    const oursBytes = folderBytes(ours);
    const pagefindBytes = folderBytes(pagefindOut, (name) => !isPagefindCode(name));

    server = await CountingServer.start(
      {
        '/search/': ours,
        '/pagefind/': pagefindOut,
        '/widget/': join(root, 'dist/widget'),
        '/widget.js': join(root, 'dist/widget.js'),
      },
      { '/ours.html': OURS_PAGE, '/pagefind.html': PAGEFIND_PAGE },
    );
    const engines: Engine[] = [
      {
        name: 'ours',
        page: '/ours.html',
        data: '/search/',
        isData: (p) => p.startsWith('/search/'),
        docId: (p) => p,
      },
      {
        name: 'pagefind',
        page: '/pagefind.html',
        data: '/pagefind/',
        isData: (p) => p.startsWith('/pagefind/') && !isPagefindCode(p),
        docId: (p) => p.replace(/^\//, ''),
      },
    ];
    const { chromium } = await import('@playwright/test');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const queries = site.queries.map((q) => q.text);
    const first: Record<string, { ms: number[]; dataBytes: number; requests: number; codeBytes: number }> = {};
    for (let run = 0; run < COLD_RUNS; run++) {
      for (const engine of run % 2 ? [...engines].reverse() : engines) {
        const from = server.log.length;
        const s = await session(browser, server, engine, queries.slice(0, 1));
        const entry = (first[engine.name] ??= { ms: [], dataBytes: 0, requests: 0, codeBytes: 0 });
        entry.ms.push(s.outcomes[0]!.ms);
        entry.dataBytes = s.dataBytes[0]!;
        entry.codeBytes = s.codeBytes;
        entry.requests = server.log.slice(from).filter((f) => engine.isData(f.path)).length;
      }
    }
    const all: Record<string, Awaited<ReturnType<typeof session>>> = {};
    for (const engine of engines) all[engine.name] = await session(browser, server, engine, queries);

    const queryFile = join(work, 'queries.tsv');
    const qrelsFile = join(work, 'qrels.txt');
    writeFileSync(queryFile, formatQueriesTsv(site.queries));
    writeFileSync(qrelsFile, formatTrecQrels(site.qrels));
    const oursLexical = evalOurs(root, ours, queryFile, qrelsFile, 'lexical');
    const oursHybrid = evalOurs(root, ours, queryFile, qrelsFile, 'hybrid');
    const pagefindQuality = quality(site, all['pagefind']!.outcomes, engines[1]!.docId);
    const widgetQuality = quality(site, all['ours']!.outcomes, engines[0]!.docId);

    const kb = (bytes: number) => round(bytes / 1024, 1);
    const firstMs = (name: string) => median(first[name]!.ms);
    const twenty = (name: string) => all[name]!.dataBytes[SESSION_QUERIES - 1]!;
    const report = {
      site: 'cranfield',
      pages: site.pages,
      inputMB: round(inputBytes / 2 ** 20, 3),
      textMB: round(site.textBytes / 2 ** 20, 3),
      build: {
        oursMs: Math.round(oursBuildMs),
        pagefindMs: Math.round(pagefindBuildMs),
        oursOverPagefind: round(oursBuildMs / pagefindBuildMs, 2),
      },
      indexKB: { ours: kb(oursBytes), pagefind: kb(pagefindBytes) },
      firstQuery: {
        oursKB: kb(first['ours']!.dataBytes),
        pagefindKB: kb(first['pagefind']!.dataBytes),
        oursRequests: first['ours']!.requests,
        pagefindRequests: first['pagefind']!.requests,
        codeKB: { ours: kb(first['ours']!.codeBytes), pagefind: kb(first['pagefind']!.codeBytes) },
        oursMs: round(firstMs('ours'), 1),
        pagefindMs: round(firstMs('pagefind'), 1),
      },
      twentyQueriesKB: { ours: kb(twenty('ours')), pagefind: kb(twenty('pagefind')) },
      quality: {
        queries: site.queries.length,
        pagefind: pick(pagefindQuality),
        oursLexical: pick(oursLexical),
        oursHybrid: pick(oursHybrid),
        oursWidget: pick(widgetQuality),
      },
    };
    return {
      ...report,
      // The target keys, ours over Pagefind's unless named otherwise.
      bundleBytesPerInputMB: round(oursBytes / inputBytes, 3),
      bundleBytesPerTextMB: round(oursBytes / site.textBytes, 3),
      firstQueryKB: kb(first['ours']!.dataBytes),
      firstQueryKBOverPagefind: round(first['ours']!.dataBytes / first['pagefind']!.dataBytes, 3),
      twentyQueriesKBOverPagefind: round(twenty('ours') / twenty('pagefind'), 3),
      firstResultMsOverPagefind: round(firstMs('ours') / firstMs('pagefind'), 3),
      cranfieldMRR5OverPagefind: {
        lexical: round(oursLexical['MRR@5'] / pagefindQuality['MRR@5'], 3),
        hybrid: round(oursHybrid['MRR@5'] / pagefindQuality['MRR@5'], 3),
      },
    };
  } finally {
    await browser?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  }
}
