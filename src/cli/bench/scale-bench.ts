// Benchmark section `scale`: Self-Retrieval's sharded bundle beside Pagefind (the static-site search site owners use
// today) on the same site, in one Chromium run. The site is Cranfield as 1,400 HTML pages; both engines index the
// same folder (our CLI `index --sharded` with the demo model's corpus index; Pagefind's npm API), then a local
// server that counts every byte serves both, and Chromium runs the same queries through each one's UI code: our
// `<self-retrieval-search>` element (its worker reads the bundle lazily) and Pagefind's JS API (`search`, then
// `data()` for the ten results a UI shows). Two query sets: the test split's 75 questions as written, and their
// keyword form. Reported per set: index bytes fetched for the first query and for the first 20 (by kind of file),
// time to the first ten results (median of cold runs, each in a fresh browser context), results per query and
// quality against the judgements (Pagefind's page hits are documents already); and build time, index bytes, and
// ours in lexical and hybrid modes from `eval`. Ratios are ours over Pagefind's, measured in the same run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { formatQueriesTsv, formatTrecQrels, type EvalQuery } from '../../core/eval-data';
import { meanMetrics, rankingMetrics, type Qrels, type RankingMetrics } from '../../core/metrics';
import type { ChunkDirectoryPage, ShardedManifest } from '../../core/sharded-bundle';
import { findFiles } from '../corpora';
import { CountingServer, type Fetched } from './counting-server';
import type { GatheredSite } from './gather-site';
import { cranfieldSite } from './html-site';
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
// With a model, a query asked while it loads is answered by keywords ('interim') and again by the model ('final').
const oursPage = (attributes = '') => `<!doctype html>
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
<self-retrieval-search index="/search/"${attributes}></self-retrieval-search></main></body></html>`;
const MODEL_URL = '/models/cranfield-tiny/';

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

function buildOurs(root: string, pages: string, out: string, extra: readonly string[] = []): number {
  const started = performance.now();
  execFileSync(
    process.execPath,
    [
      // A million passages are held in memory while their shards are cut: more than Node's default heap.
      '--max-old-space-size=12288',
      join(root, 'bin/self-retrieval.mjs'),
      'index',
      pages,
      '--sharded',
      '--out',
      out,
      '--model',
      'cranfield-tiny',
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 26 },
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
  /** What kind of index file a fetched path is (`chunk`, `fragment`, …), or undefined for code. */
  readonly kindOf: (path: string) => string | undefined;
  /** A result's path as the judgements name documents. */
  readonly docId: (path: string) => string;
}

/** Index bytes by kind, and in all. */
function bytesByKind(
  engine: Engine,
  fetched: readonly Fetched[],
): { total: number; requests: number } & Record<string, number> {
  const out: Record<string, number> = { total: 0, requests: 0 };
  for (const f of fetched) {
    const kind = engine.kindOf(f.path);
    if (!kind) continue;
    out[kind] = (out[kind] ?? 0) + f.bytes;
    out['total']! += f.bytes;
    out['requests']! += 1;
  }
  return out as { total: number; requests: number } & Record<string, number>;
}

/** Runs `queries` through one engine in a fresh browser context: each outcome with the files fetched for it. */
async function session(
  browser: Browser,
  server: CountingServer,
  engine: Engine,
  queries: readonly string[],
): Promise<{ outcomes: QueryOutcome[]; fetched: Fetched[][]; tabBytes: number }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}${engine.page}`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const outcomes: QueryOutcome[] = [];
    const fetched: Fetched[][] = [];
    for (const query of queries) {
      const from = server.log.length;
      outcomes.push(
        await page.evaluate(
          ([q, k]) =>
            (window as unknown as { runQuery: (q: string, k: number) => Promise<QueryOutcome> }).runQuery(q, k),
          [query, RESULTS] as const,
        ),
      );
      fetched.push(server.log.slice(from));
    }
    // What the tab holds once its queries are done, its workers included (the server makes the page
    // cross-origin isolated, which this measurement needs).
    const tabBytes = await page.evaluate(async () => {
      const measure = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> })
        .measureUserAgentSpecificMemory;
      return measure ? (await measure.call(performance)).bytes : NaN;
    });
    return { outcomes, fetched, tabBytes };
  } finally {
    await context.close();
  }
}

function quality(
  queries: readonly EvalQuery[],
  qrels: Qrels,
  outcomes: readonly QueryOutcome[],
  docId: (path: string) => string,
) {
  const perQuery = queries.map((q, i) =>
    rankingMetrics(outcomes[i]!.paths.map(docId), qrels.get(q.id) ?? new Map<string, number>()),
  );
  return meanMetrics(perQuery);
}

const pick = (m: RankingMetrics) => ({
  'H@1': round(m['H@1'], 4),
  'H@5': round(m['H@5'], 4),
  'MRR@5': round(m['MRR@5'], 4),
  'nDCG@10': round(m['nDCG@10'], 4),
});

/**
 * The keyword form of a query, as people type into a site's search box: its three longest words (ties: in the
 * query's order), which are its content words far more often than not. Pagefind matches only pages that hold every
 * term, so a question of fifteen words finds next to nothing there; this form asks both engines what each can answer.
 */
function keywordForm(text: string): string {
  const words = [...new Set(text.toLowerCase().match(/[a-z]+/g) ?? [])];
  const longest = [...words].sort((a, b) => b.length - a.length).slice(0, 3);
  return words.filter((w) => longest.includes(w)).join(' ');
}

const kb = (bytes: number) => round(bytes / 1024, 1);

/** Both engines on one query set: cold first queries, then one session of every query (judged when `qrels`). */
async function compare(
  browser: Browser,
  server: CountingServer,
  engines: readonly Engine[],
  queries: readonly EvalQuery[],
  qrels?: Qrels,
) {
  const texts = queries.map((q) => q.text);
  const firstMs: Record<string, number[]> = { ours: [], pagefind: [] };
  const first: Record<string, ReturnType<typeof bytesByKind>> = {};
  for (let run = 0; run < COLD_RUNS; run++) {
    for (const engine of run % 2 ? [...engines].reverse() : engines) {
      const s = await session(browser, server, engine, texts.slice(0, 1));
      firstMs[engine.name]!.push(s.outcomes[0]!.ms);
      first[engine.name] = bytesByKind(engine, s.fetched[0]!);
    }
  }
  const all: Record<string, Awaited<ReturnType<typeof session>>> = {};
  for (const engine of engines) all[engine.name] = await session(browser, server, engine, texts);
  const twenty = (engine: Engine) => bytesByKind(engine, all[engine.name]!.fetched.slice(0, SESSION_QUERIES).flat());
  const [ours, pagefind] = engines as [Engine, Engine];
  const judged = (engine: Engine) => qrels && quality(queries, qrels, all[engine.name]!.outcomes, engine.docId);
  const mb = (bytes: number) => round(bytes / 2 ** 20, 1);
  const report = {
    queries: queries.length,
    example: texts[0],
    firstQueryKB: { ours: kb(first['ours']!.total), pagefind: kb(first['pagefind']!.total) },
    firstQueryRequests: { ours: first['ours']!.requests, pagefind: first['pagefind']!.requests },
    firstQueryKBByKind: { ours: kbs(first['ours']!), pagefind: kbs(first['pagefind']!) },
    firstResultMs: { ours: round(median(firstMs['ours']!), 1), pagefind: round(median(firstMs['pagefind']!), 1) },
    twentyQueriesKB: { ours: kb(twenty(ours).total), pagefind: kb(twenty(pagefind).total) },
    twentyQueriesKBByKind: { ours: kbs(twenty(ours)), pagefind: kbs(twenty(pagefind)) },
    resultsPerQuery: {
      ours: round(mean(all['ours']!.outcomes.map((o) => o.paths.length)), 2),
      pagefind: round(mean(all['pagefind']!.outcomes.map((o) => o.paths.length)), 2),
    },
    tabMB: { ours: mb(all['ours']!.tabBytes), pagefind: mb(all['pagefind']!.tabBytes) },
    ...(qrels ? { quality: { oursWidget: pick(judged(ours)!), pagefind: pick(judged(pagefind)!) } } : {}),
  };
  return {
    report,
    ratios: {
      firstQueryKBOverPagefind: round(first['ours']!.total / first['pagefind']!.total, 3),
      twentyQueriesKBOverPagefind: round(twenty(ours).total / twenty(pagefind).total, 3),
      firstResultMsOverPagefind: round(median(firstMs['ours']!) / median(firstMs['pagefind']!), 3),
    },
    tabBytes: all['ours']!.tabBytes,
    pagefindQuality: judged(pagefind),
  };
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const kbs = (bytes: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(bytes)
      .filter(([k]) => k !== 'requests' && k !== 'total')
      .map(([k, v]) => [k, kb(v)]),
  );

/** What each of our bundle's files is, from its manifest. */
function oursKinds(folder: string): (name: string) => string {
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as ShardedManifest;
  const kinds = new Map<string, string>([
    ['manifest.json', 'manifest'],
    [manifest.index.file, 'corpusIndex'],
  ]);
  for (const ref of manifest.lexical.directory.pages) {
    kinds.set(ref.file, 'chunkDirectory');
    const page = JSON.parse(gunzipSync(readFileSync(join(folder, ref.file))).toString()) as ChunkDirectoryPage;
    for (const chunk of page.chunks) kinds.set(chunk.file, 'keywordChunks');
  }
  for (const ref of manifest.fragments.pages) kinds.set(ref.file, 'fragmentDirectory');
  for (const ref of manifest.documentPages.pages) kinds.set(ref.file, 'documentRecords');
  return (name) => kinds.get(name) ?? 'fragments';
}

/** A site indexed by both engines, served by a counting server, and the engines' pages on it. */
interface Served {
  readonly server: CountingServer;
  readonly engines: readonly Engine[];
}

async function serve(root: string, ours: string, pagefindOut: string): Promise<Served> {
  const server = await CountingServer.start(
    {
      '/search/': ours,
      '/pagefind/': pagefindOut,
      '/widget/': join(root, 'dist/widget'),
      '/widget.js': join(root, 'dist/widget.js'),
      [MODEL_URL]: join(root, 'public/models/cranfield-tiny'),
    },
    {
      '/ours.html': oursPage(),
      '/ours-model.html': oursPage(` model="${MODEL_URL}" mode="hybrid"`),
      '/pagefind.html': PAGEFIND_PAGE,
    },
  );
  const oursKind = oursKinds(ours);
  const engines: Engine[] = [
    {
      name: 'ours',
      page: '/ours.html',
      kindOf: (p) => (p.startsWith('/search/') ? oursKind(p.slice('/search/'.length)) : undefined),
      docId: (p) => p,
    },
    {
      name: 'pagefind',
      page: '/pagefind.html',
      kindOf: (p) =>
        !p.startsWith('/pagefind/') || isPagefindCode(p)
          ? undefined
          : p.includes('/fragment/')
            ? 'fragments'
            : p.includes('/index/')
              ? 'indexChunks'
              : 'meta',
      docId: (p) => p.replace(/^\//, ''),
    },
  ];
  return { server, engines };
}

async function launch(): Promise<Browser> {
  const { chromium } = await import('@playwright/test');
  return chromium.launch({
    executablePath: CHROMIUM,
    // Eager memory measurement: measureUserAgentSpecificMemory answers at once instead of at the next GC.
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--enable-blink-features=ForceEagerMeasureMemory',
    ],
  });
}

/** Cranfield as 1,400 pages, built by both in this run, with the test split's questions and their keyword form. */
async function cranfield(root: string, browser: Browser): Promise<Record<string, unknown>> {
  const work = mkdtempSync(join(tmpdir(), 'sr-scale-'));
  const pages = join(work, 'site');
  const ours = join(work, 'search');
  const pagefindOut = join(work, 'pagefind');
  let served: Served | undefined;
  try {
    const site = cranfieldSite(join(root, 'public/demo/cranfield'), pages);
    const inputBytes = folderBytes(pages);
    const pagefindBuildMs = await buildPagefind(pages, pagefindOut);
    const oursBuildMs = buildOurs(root, pages, ours);
    const oursBytes = folderBytes(ours);
    const pagefindBytes = folderBytes(pagefindOut, (name) => !isPagefindCode(name));
    served = await serve(root, ours, pagefindOut);
    const test = await compare(browser, served.server, served.engines, site.queries, site.qrels);
    const keywordQueries = site.queries.map((q) => ({ ...q, text: keywordForm(q.text) }));
    const keywords = await compare(browser, served.server, served.engines, keywordQueries, site.qrels);

    const queryFile = join(work, 'queries.tsv');
    const qrelsFile = join(work, 'qrels.txt');
    writeFileSync(queryFile, formatQueriesTsv(site.queries));
    writeFileSync(qrelsFile, formatTrecQrels(site.qrels));
    const oursLexical = evalOurs(root, ours, queryFile, qrelsFile, 'lexical');
    const oursHybrid = evalOurs(root, ours, queryFile, qrelsFile, 'hybrid');
    const mrrOver = (m: RankingMetrics) => round(m['MRR@5'] / test.pagefindQuality!['MRR@5'], 3);
    return {
      pages: site.pages,
      inputMB: round(inputBytes / 2 ** 20, 3),
      textMB: round(site.textBytes / 2 ** 20, 3),
      build: {
        oursMs: Math.round(oursBuildMs),
        pagefindMs: Math.round(pagefindBuildMs),
        oursOverPagefind: round(oursBuildMs / pagefindBuildMs, 2),
      },
      indexKB: { ours: kb(oursBytes), pagefind: kb(pagefindBytes) },
      testQueries: {
        ...test.report,
        quality: { ...test.report.quality, oursLexical: pick(oursLexical), oursHybrid: pick(oursHybrid) },
      },
      keywordQueries: keywords.report,
      bundleBytesPerInputMB: round(oursBytes / inputBytes, 3),
      bundleBytesPerTextMB: round(oursBytes / site.textBytes, 3),
      ratios: test.ratios,
      keywordQueryRatios: keywords.ratios,
      cranfieldMRR5OverPagefind: { lexical: mrrOver(oursLexical), hybrid: mrrOver(oursHybrid) },
    };
  } finally {
    await served?.server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Twenty keyword queries from the site itself: from evenly spaced pages, the two longest words of the text. */
function siteQueries(pages: string, count = SESSION_QUERIES): EvalQuery[] {
  const files = findFiles(pages, ['.html']);
  return Array.from({ length: count }, (_, i) => {
    const html = readFileSync(files[Math.floor(((i + 0.5) * files.length) / count)]!, 'utf8');
    const text = (/<p>([^<]*)<\/p>/.exec(html)?.[1] ?? '').toLowerCase();
    const words = [...new Set(text.match(/[a-z]{4,}/g) ?? [])];
    const longest = [...words].sort((a, b) => b.length - a.length).slice(0, 2);
    return { id: String(i + 1), text: words.filter((w) => longest.includes(w)).join(' ') };
  });
}

/**
 * The large site: a folder from `npm run bench:gather -- --out <dir>/pages`, indexed by both engines once (ours
 * with the passage size it was gathered for; the build times kept in `<dir>/build.json`, as a rebuild takes
 * minutes), then the same browser measurements with twenty keyword queries drawn from its pages.
 */
async function large(root: string, browser: Browser, dir: string): Promise<Record<string, unknown>> {
  const pages = join(dir, 'pages');
  const gathered = JSON.parse(readFileSync(`${pages}.json`, 'utf8')) as GatheredSite;
  const ours = join(dir, 'search');
  const pagefindOut = join(dir, 'pagefind');
  const buildFile = join(dir, 'build.json');
  if (!existsSync(buildFile)) {
    rmSync(ours, { recursive: true, force: true });
    rmSync(pagefindOut, { recursive: true, force: true });
    const pagefindMs = await buildPagefind(pages, pagefindOut);
    const oursMs = buildOurs(root, pages, ours, ['--words', String(gathered.passageWords)]);
    writeFileSync(buildFile, JSON.stringify({ oursMs, pagefindMs }));
  }
  const build = JSON.parse(readFileSync(buildFile, 'utf8')) as { oursMs: number; pagefindMs: number };
  const manifest = JSON.parse(readFileSync(join(ours, 'manifest.json'), 'utf8')) as ShardedManifest;
  const inputBytes = folderBytes(pages);
  const oursBytes = folderBytes(ours);
  const served = await serve(root, ours, pagefindOut);
  try {
    const queries = siteQueries(pages);
    const run = await compare(browser, served.server, served.engines, queries);
    // The same queries with the demo model ranking (hybrid): the tab then also holds the model and the corpus index.
    const oursEngine = served.engines.find((e) => e.name === 'ours')!;
    const modelEngine = { ...oursEngine, page: '/ours-model.html' };
    const withModel = await session(
      browser,
      served.server,
      modelEngine,
      queries.map((q) => q.text),
    );
    const corpusIndexBytes = statSync(join(ours, manifest.index.file)).size;
    return {
      pages: gathered.pages,
      passages: manifest.passages,
      inputMB: round(inputBytes / 2 ** 20, 1),
      textMB: round(gathered.textBytes / 2 ** 20, 1),
      build: {
        oursMs: Math.round(build.oursMs),
        pagefindMs: Math.round(build.pagefindMs),
        oursOverPagefind: round(build.oursMs / build.pagefindMs, 2),
        indexPassagesPerSec: Math.round(manifest.passages / (build.oursMs / 1000)),
      },
      indexMB: {
        ours: round(oursBytes / 2 ** 20, 1),
        pagefind: round(folderBytes(pagefindOut, (n) => !isPagefindCode(n)) / 2 ** 20, 1),
      },
      // The corpus index as fetched (gzipped) and as it sits in memory once loaded (in place, uncompressed).
      corpusIndexBytesPerPassage: {
        stored: round(corpusIndexBytes / manifest.passages, 2),
        inMemory: round(manifest.index.rawBytes / manifest.passages, 2),
      },
      queries: run.report,
      bundleBytesPerInputMB: round(oursBytes / inputBytes, 3),
      ratios: run.ratios,
      tabBytes: run.tabBytes,
      withModel: {
        tabMB: round(withModel.tabBytes / 2 ** 20, 1),
        firstResultMs: round(withModel.outcomes[0]!.ms, 0),
        medianQueryMs: round(median(withModel.outcomes.slice(1).map((o) => o.ms)), 0),
        resultsPerQuery: round(mean(withModel.outcomes.map((o) => o.paths.length)), 2),
      },
    };
  } finally {
    await served.server.close();
  }
}

/** `--large=<dir>` adds the large site (see `large`); `--large-only` leaves Cranfield out (a rerun of the large site). */
export async function benchScale(root: string, args: readonly string[] = []): Promise<Record<string, unknown>> {
  if (!existsSync(join(root, 'dist/widget.js')) || !existsSync(join(root, 'dist/cli/main.js'))) {
    throw new Error('the scale benchmark serves the built widget and runs the built CLI: run `npm run build` first');
  }
  const largeDir = args.find((a) => a.startsWith('--large='))?.slice('--large='.length);
  const browser = await launch();
  try {
    if (largeDir && args.includes('--large-only')) return { large: await large(root, browser, largeDir) };
    const small = await cranfield(root, browser);
    const big = largeDir ? await large(root, browser, largeDir) : undefined;
    const ratios = small['ratios'] as Record<string, number>;
    return {
      cranfield: small,
      ...(big ? { large: big } : {}),
      // The target keys: on Cranfield's questions as written (and the large site's queries), ours over
      // Pagefind's unless named otherwise.
      bundleBytesPerInputMB: small['bundleBytesPerInputMB'],
      firstQueryKB: (small['testQueries'] as { firstQueryKB: { ours: number } }).firstQueryKB.ours,
      firstQueryKBOverPagefind: ratios['firstQueryKBOverPagefind'],
      twentyQueriesKBOverPagefind: ratios['twentyQueriesKBOverPagefind'],
      firstResultMsOverPagefind: ratios['firstResultMsOverPagefind'],
      cranfieldMRR5OverPagefind: small['cranfieldMRR5OverPagefind'],
      ...(big
        ? {
            firstQueryKB1M: (big['queries'] as { firstQueryKB: { ours: number } }).firstQueryKB.ours,
            firstQueryKBOverPagefind1M: (big['ratios'] as Record<string, number>)['firstQueryKBOverPagefind'],
            twentyQueriesKBOverPagefind1M: (big['ratios'] as Record<string, number>)['twentyQueriesKBOverPagefind'],
            firstResultMsOverPagefind1M: (big['ratios'] as Record<string, number>)['firstResultMsOverPagefind'],
            tabHeapMB1M: round((big['tabBytes'] as number) / 2 ** 20, 1),
            tabHeapMB1MWithModel: (big['withModel'] as { tabMB: number }).tabMB,
            indexPassagesPerSec: (big['build'] as { indexPassagesPerSec: number }).indexPassagesPerSec,
          }
        : {}),
    };
  } finally {
    await browser.close();
  }
}
