// The layer rules (tools/layers.mjs) hold: the project's own ESLint config, run through ESLint's Node API on probe
// snippets placed in each layer, reports a forbidden import as `no-restricted-imports` and lets an allowed one
// through; and ARCHITECTURE.md shows the same table. Type information is switched off for the probes (they are
// virtual files no TypeScript project knows), which the import rules do not need.
import { readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXCEPTIONS, LAYERS, layerOf, layerTableMarkdown } from '../tools/layers.mjs';
import { ROOT } from './paths';

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT, overrideConfig: tseslint.configs.disableTypeChecked });
});

/** The `no-restricted-imports` messages for `source`, linted as if it were the file `filePath`. */
async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  expect(result?.messages.filter((m) => m.fatal)).toEqual([]);
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const importing = (specifier: string) => `import { x } from '${specifier}';\nexport const y = x;\n`;

describe('layer rules', () => {
  it.each([
    // core imports nothing of ours, nor the model library, storage, worker messaging or Node.
    ['src/core/__probe__.ts', '../ingest/parse'],
    ['src/core/__probe__.ts', '../store/library'],
    ['src/core/__probe__.ts', '../engines/models'],
    ['src/core/__probe__.ts', '../dom/highlight'],
    ['src/core/__probe__.ts', '../../workers/protocol'],
    ['src/core/__probe__.ts', '../cli/main'],
    ['src/core/__probe__.ts', '../index'],
    ['src/core/__probe__.ts', '@huggingface/transformers'],
    ['src/core/__probe__.ts', 'idb'],
    ['src/core/__probe__.ts', 'comlink'],
    ['src/core/__probe__.ts', 'node:fs'],
    // ingest, store and engines import only core (store's exceptions are per file, below).
    ['src/ingest/__probe__.ts', '../store/library'],
    ['src/ingest/parsers/__probe__.ts', '../../engines/models'],
    ['src/store/__probe__.ts', '../ingest/parse'],
    ['src/store/__probe__.ts', '../engines/models'],
    ['src/engines/__probe__.ts', '../store/library'],
    ['src/engines/transformers/__probe__.ts', '../../store/library'],
    ['src/engines/transformers/__probe__.ts', '../../ingest/passages'],
    // workers use the lower layers, never the pages or the command line.
    ['workers/__probe__.ts', '../src/ui/main'],
    ['workers/__probe__.ts', '../src/widget/styles'],
    ['workers/__probe__.ts', '../src/cli/main'],
    // The pages reach workers through their protocols only, and no store, ingest or engine internals.
    ['src/ui/__probe__.ts', '../store/library'],
    ['src/ui/__probe__.ts', '../../src/store/schema'],
    ['src/ui/__probe__.ts', '../ingest/parse'],
    ['src/ui/__probe__.ts', '../engines/models'],
    ['src/ui/__probe__.ts', '../../workers/model.worker'],
    ['src/ui/__probe__.ts', '../../workers/widget-protocol'],
    ['src/ui/__probe__.ts', '../widget/styles'],
    ['src/widget/__probe__.ts', '../ui/dom'],
    ['src/widget/__probe__.ts', '../../workers/protocol'],
    ['src/widget/__probe__.ts', '../../workers/widget.worker'],
    ['src/widget/__probe__.ts', '@huggingface/transformers'],
    ['src/dom/__probe__.ts', '../ui/dom'],
    // The command line: core, ingest and engines, not the browser's layers.
    ['src/cli/__probe__.ts', '../store/library'],
    ['src/cli/__probe__.ts', '../ui/main'],
    ['src/cli/__probe__.ts', '../widget/styles'],
    ['src/cli/__probe__.ts', '../../workers/protocol'],
    ['src/cli/bench/__probe__.ts', '../../store/schema'],
    ['src/cli/__probe__.ts', 'idb'],
    ['src/index.ts', './store/library'],
  ])('%s may not import %s', async (file, specifier) => {
    const messages = await restricted(file, importing(specifier));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/may not (import|use)/);
  });

  it('checks re-exports too', async () => {
    expect(await restricted('src/ui/__probe__.ts', "export { Library } from '../store/library';\n")).toHaveLength(1);
    expect(await restricted('src/core/__probe__.ts', "export * from '../ingest/parse';\n")).toHaveLength(1);
  });

  it.each([
    ['src/core/__probe__.ts', './errors'],
    ['src/core/__probe__.ts', 'minisearch'],
    ['src/ingest/parsers/__probe__.ts', '../../core/passage'],
    ['src/ingest/parsers/__probe__.ts', 'pdfjs-dist/legacy/build/pdf.mjs'],
    ['src/store/__probe__.ts', 'idb'],
    ['src/engines/transformers/__probe__.ts', '../../core/model-card'],
    ['workers/__probe__.ts', '../src/store/library'],
    ['workers/__probe__.ts', '../src/ingest/cranfield'],
    ['src/ui/__probe__.ts', '../../workers/protocol'],
    ['src/ui/__probe__.ts', '../../workers/library-protocol'],
    ['src/ui/__probe__.ts', '../dom/highlight'],
    ['src/widget/__probe__.ts', '../../workers/widget-protocol'],
    ['src/widget/__probe__.ts', '../core/self-retriever'],
    ['src/cli/bench/__probe__.ts', '../../engines/transformers/keyer'],
    ['src/cli/__probe__.ts', 'node:fs'],
    ['src/index.ts', './ingest/parse'],
  ])('%s may import %s', async (file, specifier) => {
    expect(await restricted(file, importing(specifier))).toEqual([]);
  });

  it('allows an exception only in its own file', async () => {
    const bare = importing('@huggingface/transformers');
    expect(await restricted('src/cli/bench/index-bench.ts', bare)).toEqual([]);
    expect(await restricted('src/cli/bench/index-bench.ts', importing('../../store/library'))).toHaveLength(1);
    expect(await restricted('src/cli/bench/other.ts', bare)).toHaveLength(1);
  });

  it('keeps the store free of the ingest pipeline (the ingest run is the library owner’s, in workers/)', async () => {
    expect(await restricted('src/store/library.ts', importing('../ingest/parse'))).toHaveLength(1);
    expect(await restricted('workers/ingest-run.ts', importing('../src/ingest/ingest-file'))).toEqual([]);
  });

  it('keeps core free of the DOM and browser storage globals', async () => {
    const [result] = await eslint.lintText('export const title = () => document.title;\n', {
      filePath: 'src/core/__probe__.ts',
    });
    expect(result?.messages.map((m) => m.ruleId)).toContain('no-restricted-globals');
  });

  it('lists every exception with a reason, in a layer, for files that exist', () => {
    for (const { file, allow, reason } of EXCEPTIONS) {
      expect(layerOf(file), file).toBeDefined();
      expect(allow.length, file).toBeGreaterThan(0);
      expect(reason.length, file).toBeGreaterThan(20);
      expect(() => readFileSync(`${ROOT}${file}`), file).not.toThrow();
    }
    expect(Object.keys(LAYERS)).toEqual(
      expect.arrayContaining(['core', 'ingest', 'store', 'engines', 'workers', 'ui', 'widget', 'cli', 'dom']),
    );
  });

  it('is the table ARCHITECTURE.md shows', () => {
    // Cell for cell: Prettier pads the document's table to aligned columns.
    const cells = (markdown: string) => markdown.replace(/ *\| */g, '|').replace(/-{3,}/g, '---');
    expect(cells(readFileSync(`${ROOT}ARCHITECTURE.md`, 'utf8'))).toContain(cells(layerTableMarkdown()));
  });
});
