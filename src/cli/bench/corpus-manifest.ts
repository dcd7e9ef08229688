// The benchmarks' pinned real-text corpus: src/cli/bench/corpus-manifest.json lists the exact node_modules files
// the `ingest` and `index` sections read (package@version, path inside it, bytes, sha256), so that their input does
// not grow when a dependency is added. `npm run bench:manifest` regenerates it from the installed packages.
// Reading: every listed file is checked; a missing or changed one is skipped and reported (see readPinnedCorpus).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findFiles, textPassages } from '../corpora';

/** One pinned file: `node_modules/<package>/<path>`. */
export interface ManifestEntry {
  readonly package: string;
  readonly version: string;
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface CorpusManifest {
  /** What the file is and how to regenerate it (JSON has no comments). */
  readonly about: string;
  /** The `index` section cuts the files into passages of this many words, up to `passageLimit`. */
  readonly passageWords: number;
  readonly passageLimit: number;
  /** In reading order: by extension (CORPUS_EXTENSIONS' order), then package name, then path. */
  readonly files: readonly ManifestEntry[];
}

export const MANIFEST_FILE = 'src/cli/bench/corpus-manifest.json';
export const REGENERATE = 'npm run bench:manifest';
/** Prose first (markdown, text, type declarations with their doc comments), then JavaScript (minified files
 * excluded: one line of code is no passage) until the index section's 100,000 passages; the direct packages' `.js`
 * files alone give fewer, so their ES-module and CommonJS files follow. The `ingest` section reads `.md` only. */
export const CORPUS_EXTENSIONS = ['.md', '.txt', '.d.ts', '.js', '.mjs', '.cjs'] as const;
export const PASSAGE_WORDS = 40;
export const PASSAGE_LIMIT = 100_000;
/** Text (prose or code) runs at well under 50 bytes a word: 40-word passages of over 2,000 bytes are something else. */
const MAX_BYTES_PER_PASSAGE = 2_000;
/**
 * Left out although a direct devDependency: @types/node is republished every few days, following Node's own
 * declarations, so a routine `npm update` would unpin a large share of the corpus.
 */
const UNSTABLE_PACKAGES = new Set(['@types/node']);

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

/** The project's direct dependencies and devDependencies with the versions package-lock.json installs. */
export function directPackages(root: string): { name: string; version: string }[] {
  const pkg = readJson(`${root}package.json`) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const lock = readJson(`${root}package-lock.json`) as { packages?: Record<string, { version?: string }> };
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
  return names
    .filter((name) => !UNSTABLE_PACKAGES.has(name))
    .sort()
    .flatMap((name) => {
      const version = lock.packages?.[`node_modules/${name}`]?.version;
      return version ? [{ name, version }] : [];
    });
}

/** Words-per-passage cut as the `index` section does it: how many passages one file gives. */
function passageCount(title: string, text: string): number {
  return textPassages([{ title, text }], PASSAGE_WORDS).length;
}

/**
 * The manifest for the installed packages: every `.md` file of the direct packages (their own files, not those of
 * packages nested under them), then `.txt`, `.d.ts`, `.js`, `.mjs` and `.cjs` files (neither minified nor data)
 * until the `index` section's 100,000 passages.
 */
export function generateManifest(root: string): CorpusManifest {
  const packages = directPackages(root);
  const files: ManifestEntry[] = [];
  let passages = 0;
  for (const extension of CORPUS_EXTENSIONS) {
    for (const { name, version } of packages) {
      const dir = `${root}node_modules/${name}/`;
      const installed = (readJson(`${dir}package.json`) as { version?: string }).version;
      if (installed !== version) {
        throw new Error(
          `node_modules/${name} is ${installed ?? 'unversioned'}, package-lock.json says ${version}: run npm ci`,
        );
      }
      for (const file of findFiles(dir, [extension])) {
        const path = file.slice(dir.length);
        if (path.split('/').includes('node_modules') || /\.min\.[cm]?js$/.test(path)) continue;
        // Every `.md` file (the ingest section's input); the other kinds only while the index section needs them.
        if (extension !== '.md' && passages >= PASSAGE_LIMIT) continue;
        const bytes = readFileSync(file);
        const count = passageCount(`node_modules/${name}/${path}`, bytes.toString('utf8'));
        // Data or minified code under another name (a vocabulary inlined in a bundle: 80 KB per "passage"), like
        // `.min.js` files: no text to index, and megabytes of token ids for a handful of passages.
        if (extension !== '.md' && bytes.byteLength > MAX_BYTES_PER_PASSAGE * Math.max(1, count)) continue;
        files.push({ package: name, version, path, bytes: bytes.byteLength, sha256: sha256(bytes) });
        passages += count;
      }
    }
  }
  return {
    about: `Generated by \`${REGENERATE}\` (src/cli/bench/corpus-manifest.ts): the exact files the ingest and index benchmarks read. Do not edit.`,
    passageWords: PASSAGE_WORDS,
    passageLimit: PASSAGE_LIMIT,
    files,
  };
}

/** The manifest as written: one file per line, so that a regeneration's diff shows which files changed. */
export function formatManifest(manifest: CorpusManifest): string {
  const { files, ...head } = manifest;
  const lines = Object.entries(head).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)},`);
  const entries = files.map((f, i) => `    ${JSON.stringify(f)}${i < files.length - 1 ? ',' : ''}`);
  return ['{', ...lines, '  "files": [', ...entries, '  ]', '}', ''].join('\n');
}

/** Parses and checks the manifest's shape: a hand-edited or truncated file is refused with what is wrong. */
export function parseManifest(text: string, source = MANIFEST_FILE): CorpusManifest {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}; run \`${REGENERATE}\` to regenerate it`);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const m = value as Partial<CorpusManifest> | null;
  if (!m || typeof m !== 'object' || !Array.isArray(m.files)) return fail('no "files" list');
  if (typeof m.passageWords !== 'number' || typeof m.passageLimit !== 'number') return fail('no passage settings');
  m.files.forEach((f: Partial<ManifestEntry>, i) => {
    const ok =
      typeof f.package === 'string' &&
      typeof f.version === 'string' &&
      typeof f.path === 'string' &&
      typeof f.bytes === 'number' &&
      typeof f.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(f.sha256);
    if (!ok) fail(`files[${i}] is not {package, version, path, bytes, sha256}`);
  });
  return m as CorpusManifest;
}

export function loadManifest(root: string): CorpusManifest {
  return parseManifest(readFileSync(`${root}${MANIFEST_FILE}`, 'utf8'));
}

/** A pinned file, read and checked. `name` is its path under the project root. */
export interface CorpusFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A listed file that was not read, and why. */
export interface SkippedFile {
  readonly name: string;
  readonly reason: string;
}

/** What was read, for the bench JSON: runs are comparable when `manifestSha256` is the same and nothing was skipped. */
export interface CorpusSummary {
  readonly manifestSha256: string;
  readonly manifestFiles: number;
  readonly manifestMB: number;
  readonly files: number;
  readonly MB: number;
  readonly skipped: number;
  /** The first few skipped files (all are in the warning). */
  readonly skippedFiles: readonly SkippedFile[];
}

const MB = 1e6;

/**
 * Reads the manifest's files (those `include` keeps) and checks each one's size and sha256. A missing or changed file
 * is skipped, not fatal: the section still runs on the files that match, and its throughput is over the MB actually
 * read (the summary says how many, and its ratios to the same run's baselines stay meaningful); the run is then
 * flagged, and `warn` is told which files and how to pin the installed ones again.
 */
export function readPinnedCorpus(
  root: string,
  manifest: CorpusManifest,
  include: (entry: ManifestEntry) => boolean = () => true,
  warn: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
): { files: CorpusFile[]; summary: CorpusSummary } {
  const listed = manifest.files.filter(include);
  const files: CorpusFile[] = [];
  const skipped: SkippedFile[] = [];
  const installed = new Map<string, string | undefined>();
  const versionOf = (name: string) => {
    if (!installed.has(name)) {
      let version: string | undefined;
      try {
        version = (readJson(`${root}node_modules/${name}/package.json`) as { version?: string }).version;
      } catch {
        version = undefined;
      }
      installed.set(name, version);
    }
    return installed.get(name);
  };
  for (const entry of listed) {
    const name = `node_modules/${entry.package}/${entry.path}`;
    const version = versionOf(entry.package);
    const which =
      version === entry.version ? '' : ` (installed ${entry.package}@${version ?? 'none'}, manifest @${entry.version})`;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(`${root}${name}`));
    } catch {
      skipped.push({ name, reason: `missing${which}` });
      continue;
    }
    if (bytes.byteLength !== entry.bytes) {
      skipped.push({ name, reason: `changed: ${bytes.byteLength} bytes, manifest ${entry.bytes}${which}` });
    } else if (sha256(bytes) !== entry.sha256) {
      skipped.push({ name, reason: `changed: sha256 differs from the manifest's${which}` });
    } else {
      files.push({ name, bytes });
    }
  }
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 20).map((s) => `  ${s.name}: ${s.reason}`);
    if (skipped.length > shown.length) shown.push(`  … and ${skipped.length - shown.length} more`);
    warn(
      `${skipped.length} of the ${listed.length} pinned corpus files (${MANIFEST_FILE}) are missing or changed and ` +
        `were skipped; figures are over the ${files.length} that match and not comparable with runs on the full ` +
        `corpus. After \`npm ci\`, if the dependencies changed on purpose, run \`${REGENERATE}\` and commit the ` +
        `manifest.\n${shown.join('\n')}`,
    );
  }
  const round3 = (x: number) => Number(x.toFixed(3));
  return {
    files,
    summary: {
      manifestSha256: sha256(new TextEncoder().encode(formatManifest(manifest))),
      manifestFiles: listed.length,
      manifestMB: round3(listed.reduce((n, e) => n + e.bytes, 0) / MB),
      files: files.length,
      MB: round3(files.reduce((n, f) => n + f.bytes.byteLength, 0) / MB),
      skipped: skipped.length,
      skippedFiles: skipped.slice(0, 10),
    },
  };
}

/** `npm run bench:manifest [-- --check]`: writes the manifest for the installed packages (or only compares). */
function main(args: readonly string[]): void {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const manifest = generateManifest(root);
  const text = formatManifest(manifest);
  const mb = (manifest.files.reduce((n, f) => n + f.bytes, 0) / MB).toFixed(3);
  const md = manifest.files.filter((f) => f.path.endsWith('.md'));
  const mdMb = (md.reduce((n, f) => n + f.bytes, 0) / MB).toFixed(3);
  const summary = `${manifest.files.length} files, ${mb} MB (ingest: ${md.length} .md files, ${mdMb} MB)`;
  if (args.includes('--check')) {
    let current: string;
    try {
      current = readFileSync(`${root}${MANIFEST_FILE}`, 'utf8');
    } catch {
      current = '';
    }
    if (current !== text) {
      console.error(`${MANIFEST_FILE} does not match the installed packages: run \`${REGENERATE}\``);
      process.exit(1);
    }
    console.log(`${MANIFEST_FILE} matches the installed packages: ${summary}`);
    return;
  }
  writeFileSync(`${root}${MANIFEST_FILE}`, text);
  console.log(`wrote ${MANIFEST_FILE}: ${summary}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
