// `self-retrieval`: the command line over the same core as the app — index a folder or Cranfield into a bundle,
// search it, answer from it, evaluate it, benchmark. JSON output schemas: README "Command line" and
// docs/schemas/. User errors print one line and exit non-zero (cli-error.ts); progress goes to stderr on a TTY.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { packBundle, unpackBundle } from '../core/bundle';
import type { IndexState } from '../core/corpus-index';
import { shardedBundle } from '../core/sharded-bundle';
import { formatBytes } from '../core/format';
import { EvalDataError, parseQueriesTsv, parseTrecQrels, type EvalQuery } from '../core/eval-data';
import { libraryBundle, readLibraryBundle, type LibraryContent, type LoadedLibrary } from '../core/library-bundle';
import { pairedBootstrap, type Qrels } from '../core/metrics';
import { LlamaConfigError } from '../core/llama-weights';
import { ModelCardError } from '../core/model-card';
import { OnnxWeightsError } from '../core/onnx-initializers';
import type { Passage } from '../core/passage';
import { sameKeying, type TokenizerInfo } from '../core/passage-keyer';
import { PromptProfileError } from '../core/prompt-profile';
import { rankedHit, type RankedHit } from '../core/ranked-hit';
import {
  RETRIEVAL_MODES,
  RetrievalError,
  SelfRetriever,
  type RankedPassage,
  type RetrievalMode,
  type SearchOptions,
  type SearchResult,
} from '../core/self-retriever';
import type { CranfieldSplit } from '../ingest/cranfield';
import { parseArgs, UsageError, type ArgSpec } from './args';
import { runBench } from './bench';
import { CliError, EXIT_CODES } from './cli-error';
import {
  cranfieldEvalData,
  cranfieldFingerprint,
  cranfieldLibraryOf,
  type CranfieldReadOptions,
} from './cranfield-data';
import { evaluate, type Ranker } from './evaluate';
import { evalVariants } from './eval-variants';
import { internalizeCommand } from './internalize-command';
import { folderLibrary, FolderError, type FolderLibrary, type FolderReport } from './folder-library';
import { DEFAULT_MODEL, loadModel, loadModelKeyer, locateModel, type ModelLocation } from './node-model';
import { Progress } from './progress';
import { libraryBundleOf, openBundle, readingBundle, readLibrary, type OpenedBundle } from './open-bundle';
import { writeAtomic, writeBundleFolder } from './write-files';

const USAGE = `Usage: self-retrieval <command> [options]

  index <folder> --out <bundle> [--model <id|dir>] [--words <n>] [--follow-symlinks-outside]
  index <folder> --list [--json]          what would be published, without writing a bundle
  index --cranfield <dir> --out <bundle> [--model <id|dir>]
  index … --sharded --out <folder> [--prune]    a folder of shards the widget fetches lazily
  search <bundle> "<query>" [--model <id|dir>] [--mode self|hybrid|lexical] [--k 10] [--json]
  answer <bundle> "<query>" [--model <id|dir>] [--mode …] [--sources 3] [--force] [--json]
  eval <bundle> --queries <tsv> --qrels <trec-qrels> [--mode …] [--model …] [--json]
  eval --cranfield <dir> --split train|tune|test [--mode …] [--model …] [--variants] [--json]
       [--follow-symlinks-outside]
  eval … --against <id|dir>
       the same queries with a second model too, paired (MRR@5 difference, bootstrap interval)
  internalize <bundle|folder> --out <model dir> [--model <id|dir>] [--epochs 5] [--batch-tokens 2048] [--json]
       trains the model on the passages (the Self-Retrieval recipe) and writes a model folder
  internalize <bundle|folder> --estimate [--model <id|dir>] [--json]
       times one training step here and says how long the run would take, without training
  bench [--json] [--only=model,index,ingest,search]

Links in a folder that lead outside it are not followed (listed as OUTSIDE_ROOT) unless
  --follow-symlinks-outside is given; hidden files, .git and node_modules are never read.
Search options: --beams <title beams> --content-beams <n> --tau <t> --delta <d> --lambda <λ>
  --prior-temperature <T> --no-assess.  The model defaults to the one the bundle was indexed for.`;

const SEARCH_FLAGS = {
  model: 'string',
  mode: 'string',
  k: 'number',
  beams: 'number',
  'content-beams': 'number',
  tau: 'number',
  delta: 'number',
  lambda: 'number',
  'prior-temperature': 'number',
  'no-assess': 'boolean',
  json: 'boolean',
} as const satisfies ArgSpec['flags'];

type Flags = Record<string, string | number | boolean | undefined>;

const str = (flags: Flags, name: string) => flags[name] as string | undefined;
const num = (flags: Flags, name: string) => flags[name] as number | undefined;

function searchOptions(flags: Flags): Partial<SearchOptions> {
  const mode = str(flags, 'mode');
  if (mode !== undefined && !RETRIEVAL_MODES.includes(mode as RetrievalMode)) {
    throw new UsageError(`--mode must be one of ${RETRIEVAL_MODES.join(', ')}`);
  }
  const entries: [keyof SearchOptions, unknown][] = [
    ['mode', mode],
    ['k', num(flags, 'k')],
    ['titleBeams', num(flags, 'beams')],
    ['contentBeams', num(flags, 'content-beams')],
    ['tau', num(flags, 'tau')],
    ['delta', num(flags, 'delta')],
    ['lambda', num(flags, 'lambda')],
    ['priorTemperature', num(flags, 'prior-temperature')],
    ['assess', flags['no-assess'] ? false : undefined],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}

/** The bundle's model: `--model`, else the one it was indexed for. Another model searches it when it keys passages
 * exactly as that one did (the same tokenizer and templates: a model internalized from it, say). */
async function bundleModel(tokenizer: TokenizerInfo, flags: Flags): Promise<ModelLocation> {
  const location = locateModel(str(flags, 'model') ?? tokenizer.id);
  if (location.id !== tokenizer.id && !sameKeying(tokenizer, (await loadModelKeyer(location)).tokenizer)) {
    throw new CliError(
      'TOKENIZER_MISMATCH',
      `the bundle was indexed for model "${tokenizer.id}", not "${location.id}": ` +
        `index it again with --model ${location.id}, or search it with --model ${tokenizer.id}`,
    );
  }
  return location;
}

async function retrieverFor(bundle: OpenedBundle, flags: Flags, mode: RetrievalMode | undefined) {
  if (mode === 'lexical') return { retriever: new SelfRetriever(await bundle.corpus(false)), modelId: null };
  const location = await bundleModel(bundle.tokenizer, flags);
  const model = await loadModel(location);
  return { retriever: new SelfRetriever(await bundle.corpus(true), model), modelId: location.id };
}

/**
 * Version of the `search` and `answer` JSON (`schemaVersion`, docs/schemas/). 2: each result is a `RankedHit`
 * (`{rank, passage, scores}`, the passage nested with its `id`); 1 had the passage's fields flat beside `rank`, with
 * `passageId`, and no `schemaVersion`.
 */
const SEARCH_SCHEMA_VERSION = 2;

/**
 * A stored passage with exactly the fields `Passage` names: a bundle's passages shard is JSON, and whatever else an
 * entry carries stays out of the output (the schemas allow no other property).
 */
function passageJson(passage: Passage): Passage {
  return {
    id: passage.id,
    documentPath: passage.documentPath,
    title: passage.title,
    text: passage.text,
    start: passage.start,
    end: passage.end,
    ...(passage.section !== undefined ? { section: passage.section } : {}),
    ...(passage.page !== undefined ? { page: passage.page } : {}),
  };
}

/** `passages`: the results' passages, in order. */
function searchJson(result: SearchResult, passages: readonly Passage[], modelId: string | null) {
  return {
    schemaVersion: SEARCH_SCHEMA_VERSION,
    query: result.query,
    mode: result.mode,
    model: modelId,
    results: result.results.map((p, i): RankedHit => rankedHit(p, passageJson(passages[i]!))),
    stats: result.stats,
  };
}

function printResults(results: readonly RankedPassage[], passages: readonly Passage[]): void {
  for (const [i, p] of results.entries()) {
    const passage = passages[i]!;
    const text = passage.text.length > 240 ? `${passage.text.slice(0, 240)}…` : passage.text;
    console.log(`${p.rank}. ${passage.title}  (${passage.documentPath}, score ${p.scores.fused.toPrecision(3)})`);
    console.log(`   ${text}`);
  }
}

/** What a folder's index left out or read from outside, for people (stderr); `--list` shows every entry. */
function printFolderNotes(report: FolderReport): void {
  const ignored = report.skipped.filter((s) => s.reason === 'IGNORED' || s.reason === 'UNSUPPORTED_TYPE').length;
  for (const s of report.skipped) {
    if (s.reason !== 'IGNORED' && s.reason !== 'UNSUPPORTED_TYPE') console.error(`skipped (${s.reason}): ${s.message}`);
  }
  if (ignored > 0) {
    console.error(`skipped ${ignored} hidden, ignored or unsupported entries (index --list names them)`);
  }
  for (const o of report.outside) console.error(`read from outside the folder (published): ${o.path} → ${o.realPath}`);
}

/** `index <folder> --list`: every file the bundle would hold, and every entry left out, without writing. */
function printFolderList(folder: string, model: string, built: FolderLibrary): void {
  const { report, content } = built;
  const width = Math.max(...content.documents.map((d) => formatBytes(d.size).length));
  console.log(
    `${folder}: ${report.files} files would be published (${report.indexed} indexed, ${report.passages} passages, ` +
      `model ${model}); ${report.skipped.length} entries left out`,
  );
  for (const d of content.documents) {
    const passages = d.status === 'indexed' ? `${d.passages} passage${d.passages === 1 ? '' : 's'}` : '';
    const why = d.status === 'duplicate' ? ` (same as ${d.duplicateOf})` : d.error ? ` — ${d.error.message}` : '';
    console.log(
      `  ${d.status.padEnd(9)} ${formatBytes(d.size).padStart(width)}  ${passages.padEnd(13)} ${d.path}${why}`,
    );
  }
  if (report.skipped.length > 0) console.log('left out:');
  for (const s of report.skipped) console.log(`  ${s.reason.padEnd(16)} ${s.message}`);
  for (const o of report.outside) console.log(`read from outside the folder: ${o.path} → ${o.realPath}`);
}

async function indexCommand(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, {
    flags: {
      out: 'string',
      model: 'string',
      cranfield: 'string',
      words: 'number',
      json: 'boolean',
      list: 'boolean',
      'dry-run': 'boolean',
      'follow-symlinks-outside': 'boolean',
      sharded: 'boolean',
      prune: 'boolean',
    },
    positionals: ['folder'],
    minPositionals: 0,
  });
  const out = str(flags, 'out');
  const list = Boolean(flags['list'] || flags['dry-run']);
  const followOutside = Boolean(flags['follow-symlinks-outside']);
  if (list && out) throw new UsageError('--list writes no bundle: leave out --out');
  if (!out && !list) throw new UsageError('index needs --out <bundle> (or --list to see what would be published)');
  const cranfield = str(flags, 'cranfield');
  if (!cranfield && positionals.length === 0) throw new UsageError('index needs a <folder> or --cranfield <dir>');
  if (cranfield && positionals.length > 0) throw new UsageError('give a <folder> or --cranfield <dir>, not both');
  if (cranfield && list) throw new UsageError('--list is for a <folder>');
  const location = locateModel(str(flags, 'model') ?? DEFAULT_MODEL);
  const keyer = await loadModelKeyer(location);
  let content: LibraryContent;
  let summary: Record<string, unknown>;
  let folderReport: FolderReport | undefined;
  if (cranfield) {
    content = cranfieldLibraryOf(cranfield, keyer, { followOutside });
    summary = { documents: content.documents.length, passages: content.passages.length };
  } else {
    const folder = positionals[0]!;
    const progress = new Progress(list ? 'list' : 'index', 1);
    const words = num(flags, 'words');
    const built = await folderLibrary(folder, keyer, {
      ...(words !== undefined ? { passageWords: words } : {}),
      followOutside,
      onProgress: (done, total) => {
        progress.total = total;
        progress.set(done);
      },
    });
    progress.done();
    if (list) {
      if (flags['json']) console.log(JSON.stringify(listJson(folder, location.id, built)));
      else printFolderList(folder, location.id, built);
      return;
    }
    content = built.content;
    folderReport = built.report;
    summary = { ...built.report };
  }
  let report: Record<string, unknown>;
  let wrote: string;
  if (flags['sharded']) {
    const { files } = await shardedBundle(content);
    const folder = writeBundleFolder(out!, files, { prune: Boolean(flags['prune']) });
    report = { out, model: location.id, format: 'sharded', ...folder, unreferenced: folder.unreferenced.length };
    wrote =
      `wrote ${out}: ${content.passages.length} passages, ${(folder.bytes / 1e6).toFixed(2)} MB in ${folder.files} ` +
      `files (${folder.files - 1 - folder.written} reused), model ${location.id}`;
    if (folder.unreferenced.length > 0) {
      wrote += flags['prune']
        ? `; removed ${folder.unreferenced.length} shards of earlier builds`
        : `; ${folder.unreferenced.length} shards of earlier builds are no longer used (--prune removes them)`;
    }
  } else {
    const bytes = packBundle(libraryBundle(content, new Date().toISOString()));
    writeAtomic(out!, bytes);
    report = { out, model: location.id, bytes: bytes.length };
    wrote = `wrote ${out}: ${content.passages.length} passages, ${(bytes.length / 1e6).toFixed(2)} MB (model ${location.id})`;
  }
  if (flags['json']) {
    console.log(JSON.stringify({ ...report, ...summary }));
    return;
  }
  if (folderReport) printFolderNotes(folderReport);
  console.error(wrote);
}

/** `index <folder> --list --json`: the documents the bundle would record and the report, with no bundle. */
function listJson(folder: string, model: string, built: FolderLibrary) {
  const documents = built.content.documents.map((d) => ({
    path: d.path,
    size: d.size,
    status: d.status,
    passages: d.passages,
    ...(d.duplicateOf !== undefined ? { duplicateOf: d.duplicateOf } : {}),
    ...(d.error !== undefined ? { error: { code: d.error.code, message: d.error.message } } : {}),
  }));
  return { folder, model, list: true, ...built.report, documents };
}

function queryArg(query: string | undefined): string {
  if (!query || !query.trim()) throw new CliError('EMPTY_QUERY', 'the query is empty: give the words to search for');
  return query;
}

async function searchCommand(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, { flags: SEARCH_FLAGS, positionals: ['bundle', 'query'] });
  const query = queryArg(positionals[1]);
  const path = positionals[0]!;
  const bundle = await openBundle(path);
  const options = searchOptions(flags);
  await readingBundle(path, async () => {
    const { retriever, modelId } = await retrieverFor(bundle, flags, options.mode);
    const result = await retriever.search(query, options);
    const passages = await bundle.passages(result.results.map((p) => p.entry));
    if (flags['json']) console.log(JSON.stringify(searchJson(result, passages, modelId)));
    else printResults(result.results, passages);
  });
}

async function answerCommand(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, {
    flags: { ...SEARCH_FLAGS, sources: 'number', 'max-tokens': 'number', force: 'boolean' },
    positionals: ['bundle', 'query'],
  });
  const query = queryArg(positionals[1]);
  const path = positionals[0]!;
  const options = searchOptions(flags);
  if (options.mode === 'lexical') throw new UsageError('answer needs a model: --mode self or hybrid');
  const bundle = await openBundle(path);
  await readingBundle(path, async () => {
    const { retriever, modelId } = await retrieverFor(bundle, flags, options.mode);
    await answerWith(bundle, retriever, query, options, flags, modelId);
  });
}

async function answerWith(
  bundle: OpenedBundle,
  retriever: SelfRetriever<IndexState>,
  query: string,
  options: Partial<SearchOptions>,
  flags: Flags,
  modelId: string | null,
): Promise<void> {
  const result = await retriever.search(query, options);
  const json = Boolean(flags['json']);
  const sources = num(flags, 'sources');
  const maxTokens = num(flags, 'max-tokens');
  const outcome = await retriever.answer(query, result.results, {
    force: Boolean(flags['force']),
    ...(sources !== undefined ? { sources } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(json ? {} : { onToken: (text: string) => process.stdout.write(text) }),
  });
  const passages = await bundle.passages(result.results.map((p) => p.entry));
  const byEntry = new Map(result.results.map((p, i) => [p.entry, passages[i]!]));
  const citedEntries = outcome.available ? outcome.answer.citations.map((c) => c.entry) : [];
  const uncited = citedEntries.filter((e) => !byEntry.has(e));
  (await bundle.passages(uncited)).forEach((p, i) => byEntry.set(uncited[i]!, p));
  const cited = (entry: number) => byEntry.get(entry)!;
  const answer = outcome.available
    ? {
        available: true,
        text: outcome.answer.text,
        citations: outcome.answer.citations.map((c) => ({
          marker: c.marker,
          passageId: cited(c.entry).id,
          documentPath: cited(c.entry).documentPath,
          title: cited(c.entry).title,
        })),
        generatedTokens: outcome.answer.generatedTokens,
      }
    : { available: false, reason: outcome.reason };
  if (json) {
    console.log(JSON.stringify({ ...searchJson(result, passages, modelId), answer }));
    return;
  }
  if (!outcome.available) console.log(outcome.reason);
  else console.log();
  console.log('\nSources:');
  printResults(result.results.slice(0, sources ?? 3), passages);
}

function cacheDir(): string {
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'self-retrieval');
}

/** The Cranfield bundle for a model, built once and kept in the cache (rebuilt when unreadable). */
async function cranfieldBundle(
  dir: string,
  location: ModelLocation,
  options: CranfieldReadOptions,
): Promise<LoadedLibrary> {
  const path = join(cacheDir(), `cranfield-${cranfieldFingerprint(dir, options)}-${location.id}.srbundle`);
  if (existsSync(path)) {
    try {
      return readLibraryBundle(unpackBundle(new Uint8Array(readFileSync(path))));
    } catch {
      // A damaged cache entry is rebuilt below.
    }
  }
  const content = cranfieldLibraryOf(dir, await loadModelKeyer(location), options);
  const bundle = libraryBundle(content, new Date().toISOString());
  writeAtomic(path, packBundle(bundle));
  return readLibraryBundle(bundle);
}

function readEvalFile(path: string | undefined, what: string): string {
  if (!path) throw new UsageError(`eval of a bundle needs --queries <tsv> and --qrels <trec-qrels>`);
  if (!existsSync(path)) throw new CliError('BAD_EVAL_DATA', `${path}: no such ${what} file`);
  return readFileSync(path, 'utf8');
}

async function evalCommand(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, {
    flags: {
      ...SEARCH_FLAGS,
      queries: 'string',
      qrels: 'string',
      cranfield: 'string',
      split: 'string',
      variants: 'boolean',
      against: 'string',
      'follow-symlinks-outside': 'boolean',
    },
    positionals: ['bundle'],
    minPositionals: 0,
  });
  const cranfield = str(flags, 'cranfield');
  const against = str(flags, 'against');
  if (against && flags['variants']) throw new UsageError('give --variants or --against, not both');
  let library: LoadedLibrary;
  let queries: EvalQuery[];
  let qrels: Qrels;
  const read = { followOutside: Boolean(flags['follow-symlinks-outside']) };
  if (cranfield) {
    if (positionals.length > 0) throw new UsageError('give a <bundle> or --cranfield <dir>, not both');
    const split = str(flags, 'split') ?? 'test';
    if (!['train', 'tune', 'test'].includes(split)) throw new UsageError('--split must be train, tune or test');
    library = await cranfieldBundle(cranfield, locateModel(str(flags, 'model') ?? DEFAULT_MODEL), read);
    ({ queries, qrels } = cranfieldEvalData(cranfield, split as CranfieldSplit, read));
  } else {
    if (positionals.length === 0) throw new UsageError('eval needs a <bundle> or --cranfield <dir>');
    library = await readLibrary(positionals[0]!);
    queries = parseQueriesTsv(readEvalFile(str(flags, 'queries'), 'queries'));
    qrels = parseTrecQrels(readEvalFile(str(flags, 'qrels'), 'qrels'));
  }
  // Judgements name passages by id, or whole documents by path.
  const judged = new Set([...qrels.values()].flatMap((m) => [...m.keys()]));
  const byPath = !library.passages.some((p) => judged.has(p.id));
  const docId = (entry: number) => (byPath ? library.passages[entry]!.documentPath : library.passages[entry]!.id);
  const options = searchOptions(flags);
  const { retriever } = await retrieverFor(libraryBundleOf(library), flags, options.mode);
  if (flags['variants']) {
    const reports = await evalVariants(retriever, library, queries, qrels, docId, options);
    console.log(flags['json'] ? JSON.stringify(reports) : JSON.stringify(reports, null, 2));
    return;
  }
  const mode = options.mode ?? (retriever.model ? 'hybrid' : 'lexical');
  const rankerOf =
    (r: SelfRetriever<IndexState>, id: (entry: number) => string): Ranker =>
    async (q) => {
      const result = await r.search(q, options);
      return {
        ids: result.results.map((p) => id(p.entry)),
        forwardPasses: result.stats.forwardPasses,
        generatedTokens: result.stats.generatedTokens,
      };
    };
  const { report, perQuery } = await evaluate(mode, rankerOf(retriever, docId), queries, qrels);
  if (!against) {
    console.log(flags['json'] ? JSON.stringify(report) : JSON.stringify(report, null, 2));
    return;
  }
  // The same queries with another model (its own keys of the same passages), paired query by query.
  const other = locateModel(against);
  const otherLibrary = cranfield ? await cranfieldBundle(cranfield, other, read) : library;
  const otherDocId = (entry: number) =>
    byPath ? otherLibrary.passages[entry]!.documentPath : otherLibrary.passages[entry]!.id;
  const { retriever: otherRetriever } = await retrieverFor(
    libraryBundleOf(otherLibrary),
    { ...flags, model: against },
    mode,
  );
  const baseline = await evaluate(mode, rankerOf(otherRetriever, otherDocId), queries, qrels);
  const diff = pairedBootstrap(
    perQuery.map((m) => m['MRR@5']),
    baseline.perQuery.map((m) => m['MRR@5']),
  );
  const compared = {
    ...report,
    against: { model: other.id, ...baseline.report },
    mrr5VsAgainst: { meanDiff: round4(diff.meanDiff), low: round4(diff.low), high: round4(diff.high) },
  };
  console.log(flags['json'] ? JSON.stringify(compared) : JSON.stringify(compared, null, 2));
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  index: indexCommand,
  search: searchCommand,
  answer: answerCommand,
  eval: evalCommand,
  internalize: internalizeCommand,
  bench: runBench,
};

/** One line for a person; the code decides the exit status. */
function userError(error: unknown): { message: string; exit: number } | undefined {
  if (error instanceof CliError) return { message: error.message, exit: EXIT_CODES[error.code] };
  if (error instanceof UsageError)
    return { message: `${error.message} (\`self-retrieval help\` shows the usage)`, exit: 2 };
  if (error instanceof FolderError) return { message: error.message, exit: 3 };
  if (error instanceof EvalDataError) return { message: error.message, exit: 3 };
  if (error instanceof ModelCardError || error instanceof PromptProfileError)
    return { message: error.message, exit: 3 };
  // A model that cannot be trained (not a LLaMA, or its weights not named after its parameters).
  if (error instanceof LlamaConfigError || error instanceof OnnxWeightsError)
    return { message: error.message, exit: 3 };
  if (error instanceof RetrievalError) return { message: error.message, exit: error.code === 'NO_MODEL' ? 3 : 2 };
  return undefined;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}"`);
    await run(rest);
    return 0;
  } catch (error) {
    const user = userError(error);
    if (!user) throw error;
    console.error(`self-retrieval: ${user.message}`);
    return user.exit;
  }
}
