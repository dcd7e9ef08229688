// `npm run check:pack`: proves the package as published works outside this checkout. Packs the built tree (run
// `npm run build` first), installs the tarball into a scratch project from the npm registry, type-checks a consumer
// of the library entry against the shipped declarations (moduleResolution "bundler" and "nodenext"), imports the
// entry in Node, and runs the installed `self-retrieval` command — without tsx, which is a dev dependency only —
// over a small folder with the built-in model, so the model is found inside the installed package.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const REQUIRED = ['dist/lib/self-retrieval.js', 'dist/lib/types/index.d.ts', 'dist/cli/main.js', 'dist/widget.js'];
const keep = process.argv.includes('--keep');
const started = performance.now();

/**
 * Runs a command to completion; its output is shown only when it fails.
 * @param {string} command @param {string[]} args @param {string} cwd @returns {string}
 */
function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout = '', stderr = '' } = /** @type {{ stdout?: string, stderr?: string }} */ (error);
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}\n${stdout}${stderr}`, { cause: error });
  }
}

/** @param {string} message */
function step(message) {
  console.log(`check-pack: ${message} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

const missing = REQUIRED.filter((p) => !existsSync(join(ROOT, p)));
if (missing.length > 0) {
  console.error(`check-pack: ${missing.join(', ')} missing; run \`npm run build\` first`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'self-retrieval-pack-'));
try {
  // npm pack: the tarball holds exactly what package.json "files" lists (plus package.json and README).
  /** @type {unknown} */
  const packOutput = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], ROOT));
  const [packed] = /** @type {[{ filename: string, entryCount: number }]} */ (packOutput);
  const tarball = join(work, packed.filename);
  const size = statSync(tarball).size;
  step(`packed ${packed.filename}: ${(size / 1e6).toFixed(1)} MB, ${packed.entryCount} files`);

  const app = join(work, 'consumer');
  mkdirSync(join(app, 'docs'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // onnxruntime-node's install script downloads binaries it already ships for the CPU; nothing here needs one.
  run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', tarball], app);
  step('installed into a scratch project');
  if (existsSync(join(app, 'node_modules', 'tsx'))) throw new Error('tsx was installed: it must not be a dependency');

  // A consumer of the library entry, type-checked against the shipped declarations only (skipLibCheck off).
  writeFileSync(
    join(app, 'consumer.ts'),
    `import {
  CorpusIndex,
  corpusKeys,
  fuse,
  LexicalIndex,
  parseModelCard,
  SelfRetriever,
  splitPassages,
  type IndexState,
  type ModelCard,
  type ParsedDocument,
  type SearchResult,
  type Tokenizer,
} from 'self-retrieval-web';

declare const tokenizer: Tokenizer;
declare const card: ModelCard;
const document: ParsedDocument = { title: 'Notes', text: 'Heat transfer in flow.', sections: [], pages: [] };
const passages = splitPassages('notes', document, { words: 50 });
const keys = corpusKeys(tokenizer, card.templates, passages);
const index: CorpusIndex = CorpusIndex.build(keys, { endToken: tokenizer.eosTokenId });
const lexical: LexicalIndex = LexicalIndex.empty();
const retriever = new SelfRetriever<IndexState>({
  index,
  lexical,
  passage: (entry: number) => ({ title: passages[entry]!.title, text: passages[entry]!.text }),
});
export const result: Promise<SearchResult> = retriever.search('heat transfer', { mode: 'lexical' });
export const ranked = fuse([{ title: 'Notes', titleLogScore: -1, assessment: null }], { tau: 1, delta: 1 });
export const parsed: ModelCard = parseModelCard({});
// Proves the declarations resolved (an \`any\` would accept this, and the unused directive would fail the check).
// @ts-expect-error a query is a string
export const wrong = retriever.search(42);
`,
  );
  for (const moduleResolution of ['bundler', 'nodenext']) {
    const config = {
      compilerOptions: {
        target: 'es2022',
        module: moduleResolution === 'bundler' ? 'esnext' : 'nodenext',
        moduleResolution,
        lib: ['es2023', 'dom'],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: ['consumer.ts'],
    };
    writeFileSync(join(app, `tsconfig.${moduleResolution}.json`), JSON.stringify(config, null, 2));
    run(process.execPath, [TSC, '-p', `tsconfig.${moduleResolution}.json`], app);
    step(`consumer type-checks (moduleResolution ${moduleResolution})`);
  }

  // The entry loads in Node and exports the API the declarations promise.
  const names = run(
    process.execPath,
    ['--input-type=module', '-e', "const m = await import('self-retrieval-web'); console.log(Object.keys(m).length)"],
    app,
  ).trim();
  step(`the library entry imports in Node (${names} exports)`);

  // The installed command: usage, then a real index and search with the built-in model.
  const bin = join(app, 'node_modules', '.bin', 'self-retrieval');
  if (!run(bin, ['help'], app).includes('Usage: self-retrieval'))
    throw new Error('`self-retrieval help` printed no usage');
  writeFileSync(
    join(app, 'docs', 'flow.md'),
    '# Boundary layers\n\nHeat transfer in the laminar boundary layer of a flat plate at hypersonic speeds.\n',
  );
  writeFileSync(join(app, 'docs', 'wings.md'), '# Wings\n\nThe lift of a slender wing at small angles of attack.\n');
  run(bin, ['index', 'docs', '--out', 'docs.srbundle', '--model', 'cranfield-tiny'], app);
  /** @type {unknown} */
  const searchOutput = JSON.parse(run(bin, ['search', 'docs.srbundle', 'heat transfer', '--k', '2', '--json'], app));
  const search = /** @type {{ results?: unknown }} */ (searchOutput);
  if (!Array.isArray(search.results) || search.results.length === 0) throw new Error('the search found nothing');
  step(`the installed CLI indexed and searched with the built-in model (${search.results.length} results)`);
  console.log(
    `check-pack: ok — tarball ${(size / 1e6).toFixed(1)} MB, ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
} finally {
  if (keep) console.log(`check-pack: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
