// The `self-retrieval` command end to end, as a user runs it: a real process (bin/self-retrieval.mjs) over the demo
// Cranfield collection and model. Every --json output is checked against its schema in docs/schemas/, search
// results against the passages actually stored, and each user error for its exit code and its one-line message
// with no stack trace. The Cranfield bundle cache (XDG_CACHE_HOME) goes to a temporary folder.
import Ajv2020 from 'ajv/dist/2020';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cranfieldEvalData } from '../src/cli/cranfield-data';
import { unpackBundle } from '../src/core/bundle';
import { formatQueriesTsv, formatTrecQrels } from '../src/core/eval-data';
import { readLibraryBundle } from '../src/core/library-bundle';
import { cranfieldPassages } from '../src/ingest/cranfield';
import { DEMO_CRANFIELD, DEMO_MODEL_ID, ROOT } from './paths';

const BIN = join(ROOT, 'bin', 'self-retrieval.mjs');
const TIMEOUT = 120_000;
/** Small beams: the model is exercised, not measured. */
const MODEL_SEARCH = ['--k', '3', '--beams', '3', '--content-beams', '2'];
const QUERY = 'heat transfer in the laminar boundary layer';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let work: string;
let cache: string;
let bundle: string;
/** `index --cranfield … --json`, run once: every test below reads its bundle. */
let indexed: Run;

/** Runs the CLI to completion (never through a shell, so arguments arrive exactly as given). */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, XDG_CACHE_HOME: cache },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The one JSON document a successful `--json` run prints on stdout. */
function jsonOf(run: Run): unknown {
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as unknown;
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
const schemas = new Map<string, ReturnType<typeof ajv.compile>>();

function expectValid(name: string, value: unknown): void {
  let validate = schemas.get(name);
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'schemas', `${name}.schema.json`), 'utf8')) as object;
    validate = ajv.compile(schema);
    schemas.set(name, validate);
  }
  const valid = validate(value);
  expect(valid, `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

/**
 * A user error: the exit code, nothing on stdout, and one line on stderr starting with `self-retrieval: ` — no
 * stack trace. A usage error (a command line that cannot be run as given) may follow its line with the usage text.
 */
function expectUserError(run: Run, exit: number, message?: RegExp): string {
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.status, run.stderr).toBe(exit);
  expect(run.stdout).toBe('');
  const [line = '', ...rest] = run.stderr.trimEnd().split('\n');
  expect(line).toMatch(/^self-retrieval: \S/);
  if (rest.length > 0) {
    expect(exit).toBe(2);
    expect(rest.join('\n')).toMatch(/^\nUsage: self-retrieval /);
  }
  if (message) expect(line).toMatch(message);
  return line;
}

/** `search --json` (schema version 2): each result is a ranked hit, its passage nested under `passage`. */
interface SearchJson {
  schemaVersion: number;
  query: string;
  mode: string;
  model: string | null;
  results: { rank: number; passage: { id: string; documentPath: string; title: string; text: string } }[];
  stats: { forwardPasses: number; generatedTokens: number };
}

const stored = new Map(
  cranfieldPassages(readFileSync(join(DEMO_CRANFIELD, 'cran.all.1400'), 'utf8')).map((p) => [p.id, p]),
);

/** Every result is a passage of the collection, word for word. */
function expectStoredPassages(out: SearchJson): void {
  expect(out.schemaVersion).toBe(2);
  for (const { passage } of out.results) {
    const expected = stored.get(passage.id);
    expect(expected, `passage ${passage.id}`).toBeDefined();
    expect(passage.text).toBe(expected!.text);
    expect(passage.title).toBe(expected!.title);
    expect(passage.documentPath).toBe(`cranfield/${passage.id}`);
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'self-retrieval-cli-'));
  cache = join(work, 'cache');
  bundle = join(work, 'cranfield.srbundle');
  indexed = await cli('index', '--cranfield', DEMO_CRANFIELD, '--out', bundle, '--json');
}, TIMEOUT);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('self-retrieval (CLI)', () => {
  it(
    'index --cranfield writes a bundle and reports it as index.schema.json says',
    () => {
      const out = jsonOf(indexed);
      expectValid('index', out);
      expect(out).toMatchObject({ out: bundle, model: DEMO_MODEL_ID, documents: stored.size, passages: stored.size });
    },
    TIMEOUT,
  );

  it(
    'search --json in lexical mode returns stored passages, no model',
    async () => {
      const out = jsonOf(await cli('search', bundle, QUERY, '--mode', 'lexical', '--k', '3', '--json')) as SearchJson;
      expectValid('search', out);
      expect(out).toMatchObject({ query: QUERY, mode: 'lexical', model: null });
      expect(out.results.map((r) => r.rank)).toEqual([1, 2, 3]);
      expect(out.stats.forwardPasses).toBe(0);
      expectStoredPassages(out);
    },
    TIMEOUT,
  );

  for (const mode of ['self', 'hybrid'] as const) {
    it(
      `search --json in ${mode} mode decodes stored passages with the bundle's model`,
      async () => {
        const out = jsonOf(await cli('search', bundle, QUERY, '--mode', mode, ...MODEL_SEARCH, '--json')) as SearchJson;
        expectValid('search', out);
        expect(out).toMatchObject({ query: QUERY, mode, model: DEMO_MODEL_ID });
        expect(out.results.length).toBeGreaterThan(0);
        expect(out.results.length).toBeLessThanOrEqual(3);
        expect(out.stats.forwardPasses).toBeGreaterThan(0);
        expectStoredPassages(out);
      },
      TIMEOUT,
    );
  }

  it(
    'index --sharded writes a folder of shards that search reads as the bundle file, and reuses them when rebuilt',
    async () => {
      const folder = join(work, 'sharded');
      const first = jsonOf(
        await cli('index', '--cranfield', DEMO_CRANFIELD, '--sharded', '--out', folder, '--json'),
      ) as Record<string, unknown>;
      expectValid('index', first);
      const files = readdirSync(folder);
      expect(first).toMatchObject({ out: folder, format: 'sharded', files: files.length, unreferenced: 0 });
      expect(first['written']).toBe(files.length - 1);
      expect(files).toContain('manifest.json');
      expect(first['bytes']).toBeLessThan((jsonOf(indexed) as { bytes: number }).bytes);
      for (const mode of ['lexical', 'self'] as const) {
        const args = ['--mode', mode, ...(mode === 'self' ? MODEL_SEARCH : ['--k', '5']), '--json'];
        const fromFolder = jsonOf(await cli('search', folder, QUERY, ...args)) as SearchJson;
        const fromFile = jsonOf(await cli('search', bundle, QUERY, ...args)) as SearchJson;
        expectStoredPassages(fromFolder);
        expect(fromFolder.results).toEqual(fromFile.results);
      }
      // Built again from the same input: every shard is reused, nothing written but the manifest. A shard of an earlier
      // build stays for readers of the earlier manifest until --prune.
      const rebuild = async (...flags: string[]) =>
        jsonOf(
          await cli('index', '--cranfield', DEMO_CRANFIELD, '--sharded', '--out', folder, ...flags, '--json'),
        ) as Record<string, unknown>;
      writeFileSync(join(folder, '0123456789abcdef01234567.gz'), 'an earlier build');
      expect(await rebuild()).toMatchObject({ written: 0, unreferenced: 1 });
      expect(readdirSync(folder)).toHaveLength(files.length + 1);
      expect(await rebuild('--prune')).toMatchObject({ written: 0, unreferenced: 1 });
      expect(readdirSync(folder)).toHaveLength(files.length);

      // search reads a folder lazily: keyword search never reads the corpus index, so without it the keyword results
      // are the same, and only a model search says the shard is missing.
      const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { index: { file: string } };
      const keyword = async () =>
        (jsonOf(await cli('search', folder, QUERY, '--mode', 'lexical', '--json')) as SearchJson).results;
      const before = await keyword();
      rmSync(join(folder, manifest.index.file));
      expect(await keyword()).toEqual(before);
      expectUserError(
        await cli('search', folder, QUERY, '--mode', 'self', ...MODEL_SEARCH),
        3,
        new RegExp(`is not a usable bundle: .*${manifest.index.file}`),
      );
    },
    TIMEOUT,
  );

  it(
    'eval --cranfield --split tune --json reports on the 50 tune queries',
    async () => {
      const args = ['eval', '--cranfield', DEMO_CRANFIELD, '--split', 'tune', '--mode', 'lexical', '--json'];
      const out = jsonOf(await cli(...args));
      expectValid('eval', out);
      expect(out).toMatchObject({ mode: 'lexical', queries: 50, forwardPassesPerQuery: 0 });
    },
    TIMEOUT,
  );

  it(
    'eval --cranfield --variants --json (lexical only: no model) matches eval-variants.schema.json',
    async () => {
      const args = ['eval', '--cranfield', DEMO_CRANFIELD, '--split', 'tune', '--mode', 'lexical', '--variants'];
      const out = jsonOf(await cli(...args, '--json'));
      expectValid('eval-variants', out);
      expect(out).toMatchObject([{ variant: 'lexical', mrr5VsLexical: { meanDiff: 0, low: 0, high: 0 } }]);
    },
    TIMEOUT,
  );

  it(
    'eval of a bundle with a queries TSV and TREC qrels',
    async () => {
      const { queries, qrels } = cranfieldEvalData(DEMO_CRANFIELD, 'tune');
      const five = queries.slice(0, 5);
      const queriesPath = join(work, 'tune5.tsv');
      const qrelsPath = join(work, 'tune5.qrels');
      writeFileSync(queriesPath, formatQueriesTsv(five));
      writeFileSync(qrelsPath, formatTrecQrels(new Map(five.map((q) => [q.id, qrels.get(q.id) ?? new Map()]))));
      const args = ['eval', bundle, '--queries', queriesPath, '--qrels', qrelsPath, '--mode', 'lexical', '--json'];
      const out = jsonOf(await cli(...args));
      expectValid('eval', out);
      expect(out).toMatchObject({ mode: 'lexical', queries: 5 });
      // Two models on the same queries, paired: here the demo against itself, so they tie query by query.
      const self = ['eval', bundle, '--queries', queriesPath, '--qrels', qrelsPath, '--mode', 'self', ...MODEL_SEARCH];
      const compared = jsonOf(await cli(...self, '--against', DEMO_MODEL_ID, '--json')) as {
        metrics: object;
        against: { model: string; metrics: object };
      };
      expectValid('eval', compared);
      expect(compared).toMatchObject({ mode: 'self', against: { model: DEMO_MODEL_ID, mode: 'self', queries: 5 } });
      expect(compared.against.metrics).toEqual(compared.metrics);
      expect(compared).toMatchObject({ mrr5VsAgainst: { meanDiff: 0, low: 0, high: 0 } });
      expectUserError(await cli(...args, '--variants', '--against', DEMO_MODEL_ID), 2, /not both/);
    },
    TIMEOUT,
  );

  it(
    'answer --json without --force: the demo model cannot answer, and says so',
    async () => {
      const out = jsonOf(await cli('answer', bundle, QUERY, ...MODEL_SEARCH, '--json'));
      expectValid('answer', out);
      const { answer } = out as { answer: { available: boolean; reason?: string } };
      expect(answer.available).toBe(false);
      expect(answer.reason).toContain('No answer model is loaded');
    },
    TIMEOUT,
  );

  it(
    'answer --force --max-tokens 8 --json runs the answer path',
    async () => {
      const out = jsonOf(await cli('answer', bundle, QUERY, ...MODEL_SEARCH, '--force', '--max-tokens', '8', '--json'));
      expectValid('answer', out);
      const { answer, results } = out as SearchJson & {
        answer: { available: boolean; generatedTokens?: number; citations?: { marker: number; passageId: string }[] };
      };
      expect(answer.available).toBe(true);
      expect(answer.generatedTokens).toBeLessThanOrEqual(8);
      expectStoredPassages(out as SearchJson);
      // A citation [n] names the passage of the n-th result.
      for (const citation of answer.citations ?? []) {
        expect(citation.passageId).toBe(results[citation.marker - 1]?.passage.id);
      }
    },
    TIMEOUT,
  );

  it(
    'index of a folder (a .md and a .txt) reports its files, and the bundle is searchable',
    async () => {
      const folder = join(work, 'notes');
      mkdirSync(folder, { recursive: true });
      writeFileSync(
        join(folder, 'tunnels.md'),
        '# Wind tunnels\n\nA wind tunnel measures the lift and drag of wings.\n',
      );
      writeFileSync(join(folder, 'layers.txt'), 'Boundary layers separate under adverse pressure gradients.\n');
      const out = join(work, 'notes.srbundle');
      const report = jsonOf(await cli('index', folder, '--out', out, '--json'));
      expectValid('index', report);
      expect(report).toMatchObject({ out, model: DEMO_MODEL_ID, files: 2, indexed: 2, failed: 0, skipped: [] });
      const found = jsonOf(await cli('search', out, 'wind tunnel lift', '--mode', 'lexical', '--json')) as SearchJson;
      expectValid('search', found);
      expect(found.results[0]?.passage.documentPath).toBe('tunnels.md');
    },
    TIMEOUT,
  );

  it(
    'internalize: a bundle’s passages trained into a model folder that searches the bundle',
    async () => {
      const folder = join(work, 'garden');
      mkdirSync(folder, { recursive: true });
      writeFileSync(
        join(folder, 'starter.md'),
        '# Sourdough starter\n\nFeed the starter twice a day with flour and water.\n',
      );
      writeFileSync(
        join(folder, 'seedlings.md'),
        '# Tomato seedlings\n\nSow the seeds indoors six weeks before the frost.\n',
      );
      const garden = join(work, 'garden.srbundle');
      jsonOf(await cli('index', folder, '--out', garden, '--json'));
      const model = join(work, 'models', 'garden-tiny');
      const report = jsonOf(
        await cli('internalize', garden, '--out', model, '--epochs', '2', '--batch-tokens', '1024', '--json'),
      ) as Record<string, unknown>;
      expectValid('internalize', report);
      expect(report).toMatchObject({ out: model, baseModel: DEMO_MODEL_ID, passages: 2, epochs: 2, device: 'wasm' });
      expect(report['tokensPerSecond']).toBeGreaterThan(0);
      // A model folder as the app loads one: the base's tokenizer and config, new weights, a card that says so.
      expect(readdirSync(model).sort()).toEqual([
        'config.json',
        'generation_config.json',
        'model-card.json',
        'onnx',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      const card = JSON.parse(readFileSync(join(model, 'model-card.json'), 'utf8')) as Record<string, unknown>;
      expect(card).toMatchObject({ id: 'garden-tiny', internalized: { baseModel: DEMO_MODEL_ID, passages: 2 } });
      expect(
        readFileSync(join(model, 'onnx', 'model.onnx')).equals(
          readFileSync(join(ROOT, 'public', 'models', DEMO_MODEL_ID, 'onnx', 'model.onnx')),
        ),
      ).toBe(false);
      expect(readdirSync(join(work, 'models'))).toEqual(['garden-tiny']); // no checkpoint or staging folder left
      // It keys passages as the base did, so it searches the bundle indexed for the base.
      const found = jsonOf(
        await cli('search', garden, 'sourdough starter', '--model', model, '--mode', 'self', ...MODEL_SEARCH, '--json'),
      ) as SearchJson;
      expectValid('search', found);
      expect(found.model).toBe('garden-tiny');
      expect(found.results.length).toBeGreaterThan(0);
      const estimate = jsonOf(await cli('internalize', garden, '--estimate', '--epochs', '2', '--json'));
      expectValid('internalize-estimate', estimate);
      expect(estimate).toMatchObject({ passages: 2, epochs: 2, device: 'wasm' });
      expect((estimate as { seconds: number }).seconds).toBeGreaterThanOrEqual(0);
      expectUserError(await cli('internalize', garden), 2, /needs --out/);
      expectUserError(await cli('internalize', garden, '--out', model, '--epochs', '0'), 2, /--epochs must be/);
      // A model whose weights carry the exporter's generated names cannot be trained: said in one line.
      const unnamed = join(work, 'models', 'unnamed');
      mkdirSync(join(unnamed, 'onnx'), { recursive: true });
      for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model-card.json']) {
        writeFileSync(join(unnamed, name), readFileSync(join(ROOT, 'public', 'models', DEMO_MODEL_ID, name)));
      }
      writeFileSync(join(unnamed, 'onnx', 'model.onnx'), 'not a protobuf model at all');
      expectUserError(
        await cli('internalize', garden, '--model', unnamed, '--out', join(work, 'models', 'x')),
        3,
        /Not a readable ONNX model/,
      );
    },
    TIMEOUT,
  );

  describe('publishes only what is inside the folder', () => {
    /** Text that exists only outside the folder: none of it may reach a bundle. */
    const SECRET = 'ZEBRA-OUTSIDE-7731 the contents of a private file';
    const PRIVATE = 'QUOKKA-OUTSIDE-4410 notes of another project';
    let site: string;
    let docs: string;

    beforeAll(() => {
      site = join(work, 'site');
      docs = join(site, 'docs');
      mkdirSync(join(site, 'outside', 'private'), { recursive: true });
      mkdirSync(join(docs, 'notes'), { recursive: true });
      writeFileSync(join(site, 'outside', 'secret.txt'), `${SECRET}\n`);
      writeFileSync(join(site, 'outside', 'private', 'keys.md'), `# Keys\n\n${PRIVATE}\n`);
      writeFileSync(join(docs, 'notes', 'tunnels.md'), '# Wind tunnels\n\nA wind tunnel measures lift and drag.\n');
      writeFileSync(join(docs, 'layers.txt'), 'Boundary layers separate under adverse pressure gradients.\n');
      symlinkSync(join(site, 'outside', 'secret.txt'), join(docs, 'leak.txt')); // absolute, out
      symlinkSync('../outside/private', join(docs, 'private')); // a folder, out
      symlinkSync('../../outside/secret.txt', join(docs, 'notes', 'env')); // relative ../, out
      symlinkSync('notes/tunnels.md', join(docs, 'see-also.md')); // a file, in
      symlinkSync('..', join(docs, 'notes', 'loop')); // a cycle
      execFileSync('mkfifo', [join(docs, 'pipe')]);
    });

    const OUT_OF_FOLDER = [
      ['leak.txt', 'OUTSIDE_ROOT'],
      ['notes/env', 'OUTSIDE_ROOT'],
      ['notes/loop', 'ALREADY_INCLUDED'],
      ['pipe', 'NOT_A_FILE'],
      ['private', 'OUTSIDE_ROOT'],
    ];

    it(
      'index skips links out of the folder with their reason, and no byte of the outside files is in the bundle',
      async () => {
        const out = join(work, 'site.srbundle');
        const report = jsonOf(await cli('index', docs, '--out', out, '--json')) as {
          skipped: { path: string; reason: string; message: string }[];
          outside: unknown[];
        };
        expectValid('index', report);
        expect(report).toMatchObject({ files: 3, indexed: 2, duplicates: 1, outside: [] });
        expect(report.skipped.map((s) => [s.path, s.reason])).toEqual(OUT_OF_FOLDER);
        expect(report.skipped[0]!.message).toContain(join(site, 'outside', 'secret.txt'));

        const bytes = readFileSync(out);
        for (const secret of [SECRET, PRIVATE]) {
          expect(bytes.includes(Buffer.from(secret.slice(0, 18)))).toBe(false);
        }
        const library = readLibraryBundle(unpackBundle(new Uint8Array(bytes)));
        const published = JSON.stringify([library.documents, library.passages, library.sources]);
        expect(published).not.toContain('ZEBRA');
        expect(published).not.toContain('QUOKKA');
        expect(library.documents.map((d) => [d.path, d.status])).toEqual([
          ['layers.txt', 'indexed'],
          ['notes/tunnels.md', 'indexed'],
          ['see-also.md', 'duplicate'],
        ]);

        // The file the inside link leads to is searchable.
        const found = jsonOf(await cli('search', out, 'wind tunnel lift drag', '--mode', 'lexical', '--json'));
        expect((found as SearchJson).results[0]?.passage.documentPath).toBe('notes/tunnels.md');

        // For people: each entry left out is named on stderr with its reason.
        const human = await cli('index', docs, '--out', join(work, 'site-2.srbundle'));
        expect(human.status, human.stderr).toBe(0);
        for (const [path, reason] of OUT_OF_FOLDER) expect(human.stderr).toContain(`skipped (${reason}): ${path} `);
      },
      TIMEOUT,
    );

    it(
      'index --list prints what would be published, and writes nothing',
      async () => {
        const listed = await cli('index', docs, '--list');
        expect(listed.status, listed.stderr).toBe(0);
        expect(listed.stdout).toMatch(/3 files would be published \(2 indexed, 2 passages/);
        expect(listed.stdout).toMatch(/indexed +\d+ B +1 passage +layers\.txt/);
        expect(listed.stdout).toMatch(/duplicate +\d+ B +see-also\.md \(same as notes\/tunnels\.md\)/);
        expect(listed.stdout).toMatch(/OUTSIDE_ROOT +leak\.txt is a link to .*outside the folder/);
        expect(listed.stdout).not.toContain('ZEBRA');

        const report = jsonOf(await cli('index', docs, '--dry-run', '--json')) as {
          documents: { path: string; size: number; passages: number }[];
          skipped: { path: string; reason: string }[];
        };
        expectValid('index', report);
        expect(report).toMatchObject({ folder: docs, list: true, files: 3, passages: 2 });
        expect(report.documents.find((d) => d.path === 'layers.txt')).toMatchObject({
          size: statSync(join(docs, 'layers.txt')).size,
          passages: 1,
        });
        expect(report.skipped.map((s) => [s.path, s.reason])).toEqual(OUT_OF_FOLDER);
        expect(readdirSync(work).filter((name) => name.startsWith('site') && name !== 'site')).toEqual([
          'site-2.srbundle',
          'site.srbundle',
        ]);
        expectUserError(await cli('index', docs, '--list', '--out', join(work, 'x.srbundle')), 2, /--list writes no/);
      },
      TIMEOUT,
    );

    it(
      '--follow-symlinks-outside reads them, and says so for each outside file',
      async () => {
        const out = join(work, 'site-outside.srbundle');
        const report = jsonOf(await cli('index', docs, '--out', out, '--follow-symlinks-outside', '--json')) as {
          outside: { path: string; realPath: string }[];
          skipped: { path: string; reason: string }[];
        };
        expectValid('index', report);
        expect(report.outside.map((o) => o.path)).toEqual(['leak.txt', 'notes/env', 'private/keys.md']);
        expect(report.outside[0]!.realPath).toBe(join(realpathSync(site), 'outside', 'secret.txt'));
        expect(report.skipped.map((s) => s.reason)).not.toContain('OUTSIDE_ROOT');
        expect(readFileSync(out).includes(Buffer.from('QUOKKA-OUTSIDE-4410'))).toBe(true);

        const human = await cli('index', docs, '--out', out, '--follow-symlinks-outside');
        expect(human.status, human.stderr).toBe(0);
        expect(human.stderr).toContain('read from outside the folder (published): leak.txt → ');
        expect(human.stderr).toContain('read from outside the folder (published): private/keys.md → ');
      },
      TIMEOUT,
    );

    it(
      'eval --cranfield refuses a collection file that links out of its folder',
      async () => {
        const linked = join(work, 'cranfield-links');
        mkdirSync(linked);
        for (const name of ['cran.all.1400', 'cran.qry', 'cranqrel'])
          symlinkSync(join(DEMO_CRANFIELD, name), join(linked, name));
        const run = await cli('eval', '--cranfield', linked, '--split', 'test', '--mode', 'lexical');
        expectUserError(run, 3, /cran\.all\.1400 is a link to .*, outside .*: not read/);
      },
      TIMEOUT,
    );
  });

  describe('user errors: an exit code and one line, never a stack trace', () => {
    it(
      'index of a missing folder',
      async () => {
        const missing = join(work, 'no-such-folder');
        const run = await cli('index', missing, '--out', join(work, 'never.srbundle'), '--json');
        expectUserError(run, 3, /no such folder/);
        expect(run.stderr).toContain(missing);
      },
      TIMEOUT,
    );

    it(
      'an --out path that cannot be written',
      async () => {
        const file = join(work, 'a-file');
        writeFileSync(file, 'not a folder');
        const run = await cli('index', '--cranfield', DEMO_CRANFIELD, '--out', join(file, 'x.srbundle'));
        expectUserError(run, 3, /cannot write/);
      },
      TIMEOUT,
    );

    it(
      'search of a missing bundle',
      async () => {
        const run = await cli('search', join(work, 'missing.srbundle'), 'heat', '--mode', 'lexical');
        expectUserError(run, 3, /missing\.srbundle: no such bundle/);
      },
      TIMEOUT,
    );

    it(
      'search of a file of random bytes',
      async () => {
        const garbage = join(work, 'garbage.srbundle');
        writeFileSync(garbage, randomBytes(4096));
        expectUserError(await cli('search', garbage, 'heat', '--mode', 'lexical'), 3, /garbage\.srbundle.*bundle/);
      },
      TIMEOUT,
    );

    it(
      'a model that is not on disk',
      async () => {
        expectUserError(await cli('search', bundle, 'heat', '--model', 'nope'), 3, /not found offline/);
      },
      TIMEOUT,
    );

    it(
      'an empty query',
      async () => {
        expectUserError(await cli('search', bundle, '  ', '--mode', 'lexical'), 2, /query is empty/);
      },
      TIMEOUT,
    );

    it(
      'an unknown command',
      async () => {
        expectUserError(await cli('frobnicate'), 2, /unknown command "frobnicate"/);
      },
      TIMEOUT,
    );

    it(
      'an unknown flag',
      async () => {
        expectUserError(await cli('search', bundle, 'heat', '--bogus'), 2, /unknown option --bogus/);
      },
      TIMEOUT,
    );

    it(
      'eval of a bundle with a malformed qrels file',
      async () => {
        const queriesPath = join(work, 'one.tsv');
        const qrelsPath = join(work, 'bad.qrels');
        writeFileSync(queriesPath, '101\theat transfer\n');
        writeFileSync(qrelsPath, '101 0 5 1\n101 0 7\n');
        const run = await cli('eval', bundle, '--queries', queriesPath, '--qrels', qrelsPath, '--mode', 'lexical');
        expectUserError(run, 3, /qrels line 2/);
      },
      TIMEOUT,
    );
  });
});
