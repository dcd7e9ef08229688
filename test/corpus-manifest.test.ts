// The benchmarks' pinned corpus (src/cli/bench/corpus-manifest.ts) and the node_modules walk under it
// (src/cli/corpora.ts): a manifest made from a small fake project reads back whole; a changed or missing file is
// skipped and named; a malformed manifest is refused; links leading out of the walked folder are not followed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  formatManifest,
  generateManifest,
  loadManifest,
  parseManifest,
  readPinnedCorpus,
  MANIFEST_FILE,
} from '../src/cli/bench/corpus-manifest';
import { findFiles } from '../src/cli/corpora';
import { ROOT } from './paths';

const PROSE = 'Words of a readme, enough of them to make a passage or two. '.repeat(20);

let dir: string;
/** The fake project's root, with a trailing slash as the benchmarks pass it. */
let root: string;

function write(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sr-corpus-'));
  root = `${join(dir, 'project')}/`;
  write('package.json', JSON.stringify({ dependencies: { alpha: '^1.0.0' }, devDependencies: { beta: '^2.0.0' } }));
  write(
    'package-lock.json',
    JSON.stringify({
      packages: {
        'node_modules/alpha': { version: '1.0.1' },
        'node_modules/beta': { version: '2.3.0' },
        // Installed but not a direct dependency: never in the manifest.
        'node_modules/gamma': { version: '0.1.0' },
      },
    }),
  );
  write('node_modules/alpha/package.json', JSON.stringify({ version: '1.0.1' }));
  write('node_modules/alpha/README.md', `# Alpha\n\n${PROSE}\n`);
  write('node_modules/alpha/lib/index.d.ts', `/** ${PROSE} */\nexport declare const alpha: number;\n`);
  write('node_modules/alpha/lib/index.min.js', 'var a=1;'.repeat(50));
  write('node_modules/alpha/node_modules/nested/README.md', `# Nested\n\n${PROSE}\n`);
  write('node_modules/beta/package.json', JSON.stringify({ version: '2.3.0' }));
  write('node_modules/beta/docs/guide.md', `# Beta\n\n${PROSE}\n`);
  write('node_modules/beta/index.js', `// ${PROSE}\nexport const beta = 2;\n`);
  write('node_modules/gamma/package.json', JSON.stringify({ version: '0.1.0' }));
  write('node_modules/gamma/README.md', `# Gamma\n\n${PROSE}\n`);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('corpus manifest', () => {
  it("lists the direct packages' own files, prose first, and reads them all back", () => {
    const manifest = generateManifest(root);
    expect(manifest.files.map((f) => `${f.package}@${f.version}/${f.path}`)).toEqual([
      'alpha@1.0.1/README.md',
      'beta@2.3.0/docs/guide.md',
      'alpha@1.0.1/lib/index.d.ts',
      'beta@2.3.0/index.js',
    ]);
    expect(parseManifest(formatManifest(manifest))).toEqual(manifest);
    const warnings: string[] = [];
    const { files, summary } = readPinnedCorpus(
      root,
      manifest,
      () => true,
      (w) => warnings.push(w),
    );
    expect(files.map((f) => f.name)).toEqual(manifest.files.map((f) => `node_modules/${f.package}/${f.path}`));
    expect(summary).toMatchObject({ manifestFiles: 4, files: 4, skipped: 0, skippedFiles: [] });
    expect(summary.MB).toBe(summary.manifestMB);
    expect(warnings).toEqual([]);
  });

  it('skips a changed or missing file, names it and says how to regenerate the manifest', () => {
    const manifest = generateManifest(root);
    // Same size, other bytes: only the hash tells.
    write('node_modules/alpha/README.md', `# Alpha\n\n${PROSE.replace('Words', 'Wordz')}\n`);
    rmSync(join(root, 'node_modules/beta/docs/guide.md'));
    const warnings: string[] = [];
    const { files, summary } = readPinnedCorpus(
      root,
      manifest,
      (e) => e.path.endsWith('.md'),
      (w) => warnings.push(w),
    );
    expect(files).toEqual([]);
    expect(summary).toMatchObject({ manifestFiles: 2, files: 0, MB: 0, skipped: 2 });
    expect(summary.skippedFiles).toEqual([
      { name: 'node_modules/alpha/README.md', reason: "changed: sha256 differs from the manifest's" },
      { name: 'node_modules/beta/docs/guide.md', reason: 'missing' },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('node_modules/alpha/README.md');
    expect(warnings[0]).toContain('npm run bench:manifest');
  });

  it('says when a size differs and which version is installed', () => {
    const manifest = generateManifest(root);
    write('node_modules/beta/package.json', JSON.stringify({ version: '2.4.0' }));
    write('node_modules/beta/index.js', 'export const beta = 3;\n');
    const { summary } = readPinnedCorpus(
      root,
      manifest,
      () => true,
      () => undefined,
    );
    expect(summary.skippedFiles.map((s) => s.name)).toEqual(['node_modules/beta/index.js']);
    expect(summary.skippedFiles[0]?.reason).toMatch(
      /^changed: 23 bytes, manifest \d+ \(installed beta@2\.4\.0, manifest @2\.3\.0\)$/,
    );
  });

  it('refuses a malformed manifest with what is wrong', () => {
    expect(() => parseManifest('{')).toThrow(/not JSON.*npm run bench:manifest/);
    expect(() => parseManifest('{"passageWords":40,"passageLimit":1}')).toThrow(/no "files" list/);
    const bad = JSON.stringify({ passageWords: 40, passageLimit: 1, files: [{ package: 'a', path: 'b' }] });
    expect(() => parseManifest(bad)).toThrow(/files\[0\]/);
  });

  it("the committed manifest is well formed and lists only the project's direct packages", () => {
    const manifest = loadManifest(ROOT);
    expect(manifest.files.length).toBeGreaterThan(0);
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const direct = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);
    for (const f of manifest.files) expect(direct.has(f.package), `${f.package} in ${MANIFEST_FILE}`).toBe(true);
  });
});

describe('findFiles', () => {
  it('follows links inside the walked folder, not links out of it', () => {
    const outside = join(dir, 'elsewhere');
    mkdirSync(outside);
    writeFileSync(join(outside, 'far.md'), 'far');
    symlinkSync(outside, join(root, 'node_modules/linked-out'));
    symlinkSync(join(outside, 'far.md'), join(root, 'node_modules/alpha/far.md'));
    symlinkSync(join(root, 'node_modules/beta/docs'), join(root, 'node_modules/alpha/docs-link'));
    symlinkSync(join(root, 'node_modules/beta/docs/guide.md'), join(root, 'node_modules/alpha/guide-link.md'));
    // A link to an ancestor would loop for ever if folders reached twice were walked again.
    symlinkSync(join(root, 'node_modules'), join(root, 'node_modules/beta/loop'));
    symlinkSync(join(dir, 'nowhere'), join(root, 'node_modules/alpha/dangling.md'));
    const found = findFiles(`${root}node_modules`, ['.md']).map((f) => f.slice(`${root}node_modules/`.length));
    expect(found).toEqual([
      'alpha/README.md',
      'alpha/docs-link/guide.md',
      'alpha/guide-link.md',
      'alpha/node_modules/nested/README.md',
      'beta/docs/guide.md',
      'gamma/README.md',
    ]);
  });
});
