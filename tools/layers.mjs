// The layer rules, written once: which part of the code may import which of our other parts and which packages.
// eslint.config.js turns this table into `no-restricted-imports` rules for every layer (layerConfigs below),
// ARCHITECTURE.md shows it (layerTableMarkdown; test/layers.test.ts checks the two agree), and test/layers.test.ts
// proves that a forbidden import fails the lint. Tests, e2e, tools and config files are outside the layers.
//
// Imports are matched as written, so every relative form is covered: `../ingest/x`, `../../ingest/x`,
// `../../src/store/y` (from workers/ or a nested folder), `./core/x` (from src/index.ts) and `../../workers/z`.
// Limits, on purpose: `import()` expressions are not checked by the ESLint rule (the only ones today load a
// widget module and pdf.js's worker), and workers started with `new Worker(new URL(…))` are URLs, not imports.

/** @typedef {{ regex: string, label: string }} PackageGroup */
/**
 * @typedef {{ dir: string, role: string, imports: string[], packages: string[], globals?: string[] }} Layer
 */
/** @typedef {{ file: string, allow: string[], reason: string }} LayerException */

/** Packages that belong to one layer, by group: a layer may use a group only when it lists it. Packages in no group
 * (minisearch, @noble/hashes…) are free for all.
 * @type {Record<string, PackageGroup>} */
export const PACKAGE_GROUPS = {
  /** The model library and its runtime: only the engines adapt it to the core's interfaces. */
  model: { regex: '^(@huggingface/|onnxruntime-)', label: '@huggingface/*, onnxruntime-*' },
  /** IndexedDB: only the store. */
  storage: { regex: '^idb(/|$)', label: 'idb' },
  /** Worker messaging: the workers and the pages that talk to them. */
  rpc: { regex: '^comlink(/|$)', label: 'comlink' },
  /** The service worker and the page that registers it. */
  serviceWorker: { regex: '^workbox-', label: 'workbox-*' },
  /** Document parsers: only ingest reads file formats. */
  parsers: {
    regex: '^(pdfjs-dist|mammoth|htmlparser2|markdown-it|papaparse)(/|$)',
    label: 'pdfjs-dist, mammoth, htmlparser2, markdown-it, papaparse',
  },
  /** The training library: only the training layer builds graphs and takes gradients. */
  training: { regex: '^@tensorflow/', label: '@tensorflow/*' },
  /** Node's built-ins: only the command line runs in Node alone (the rest runs in browsers too). */
  node: { regex: '^node:', label: 'node:*' },
};

/**
 * Every layer: where its files are (a folder, or one file), which layers (or single modules of a layer, `layer/module`) it may import,
 * and which package groups it may use. A layer may always import its own files.
 * @type {Record<string, Layer>}
 */
export const LAYERS = {
  core: {
    dir: 'src/core',
    role: 'pure logic, the same in Node and browsers',
    imports: [],
    packages: [],
    // The DOM and browser storage are as much a dependency as an import.
    globals: ['document', 'window', 'indexedDB', 'navigator', 'localStorage'],
  },
  ingest: {
    dir: 'src/ingest',
    role: 'files → documents → passages',
    imports: ['core'],
    packages: ['parsers'],
  },
  store: {
    dir: 'src/store',
    role: 'the IndexedDB library',
    imports: ['core'],
    packages: ['storage'],
  },
  engines: {
    dir: 'src/engines',
    role: 'model adapters, model sources and cache',
    imports: ['core'],
    packages: ['model'],
  },
  train: {
    dir: 'src/train',
    role: 'training the model on a library (TensorFlow.js)',
    imports: ['core'],
    packages: ['training'],
  },
  dom: {
    dir: 'src/dom',
    role: 'DOM helpers shared by the app and the widget',
    imports: ['core'],
    packages: [],
  },
  workers: {
    dir: 'workers',
    role: 'Web Workers, their typed protocols, the service worker',
    imports: ['core', 'ingest', 'store', 'engines', 'train'],
    packages: ['rpc', 'serviceWorker'],
  },
  ui: {
    dir: 'src/ui',
    role: 'the app page',
    imports: ['core', 'dom', 'workers/protocol', 'workers/library-protocol', 'workers/train-protocol'],
    packages: ['rpc', 'serviceWorker'],
  },
  widget: {
    dir: 'src/widget',
    role: 'the embeddable `<self-retrieval-search>` element',
    imports: ['core', 'dom', 'workers/widget-protocol'],
    packages: ['rpc'],
  },
  cli: {
    dir: 'src/cli',
    role: 'the Node command line',
    imports: ['core', 'ingest', 'engines', 'train'],
    packages: ['node'],
  },
  entry: {
    dir: 'src/index.ts',
    role: 'the library entry (dist/lib)',
    imports: ['core', 'ingest'],
    packages: [],
  },
};

/**
 * Imports that break the table today and wait for a larger redesign: per file, what it may import beyond its
 * layer's rule (layer or package-group names), and why. The list is what remains to do; shrink it, never grow it
 * without a reason.
 * @type {LayerException[]}
 */
export const EXCEPTIONS = [
  {
    file: 'src/cli/bench/index-bench.ts',
    allow: ['model'],
    reason:
      "the benchmark loads a bare tokenizer (Qwen3's, from node_modules) that has no model card, which the " +
      'engines have no loader for, so it calls transformers.js directly',
  },
  {
    file: 'src/cli/bench/library-bench.ts',
    allow: ['store'],
    reason:
      "the benchmark measures the app's library (the store's) in Node, on fake-indexeddb; the command line " +
      'itself never opens one',
  },
  {
    file: 'src/cli/bench/ingest-bench.ts',
    allow: ['model'],
    reason: 'as index-bench.ts: a bare Qwen3 tokenizer loaded with transformers.js directly',
  },
];

/**
 * How an import of layer `name` is written from anywhere in the code, as a regex; `except` its allowed modules.
 * @param {string} name
 * @param {string[]} [except]
 * @returns {string}
 */
function targetRegex(name, except = []) {
  const layer = /** @type {Layer} */ (LAYERS[name]);
  if (layer.dir === 'src/index.ts') return `^(?:(?:\\.\\./)+(?:src/)?|/?src/)index(?:\\.[cm]?[jt]s)?$`;
  const escape = (/** @type {string} */ text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  // From a file of src/: `../core/x`, `../../core/x`; from workers/ or below src/: `../src/core/x`,
  // `../../src/core/x`; from src/index.ts: `./core/x`; root-relative `/src/core/x` or `src/core/x`.
  const prefix = layer.dir.startsWith('src/')
    ? `(?:(?:\\.{1,2}/)+(?:src/)?|/?src/)${escape(layer.dir.slice('src/'.length))}`
    : `(?:(?:\\.{1,2}/)+|/)${escape(layer.dir)}`;
  if (except.length === 0) return `^${prefix}(?:/|$)`;
  // Only some modules of the layer are allowed: anything else under it (and the folder itself) is not.
  const allowed = except.map(escape).join('|');
  return `^${prefix}(?:$|/(?!(?:${allowed})(?:\\.[cm]?[jt]s)?$))`;
}

/**
 * The `no-restricted-imports` patterns for files of `name`, with `extra` (exception) allowances.
 * @param {string} name
 * @param {string[]} [extra]
 * @returns {{ regex: string, message: string }[]}
 */
function restrictedPatterns(name, extra = []) {
  const layer = /** @type {Layer} */ (LAYERS[name]);
  const allowed = [...layer.imports, ...extra];
  const patterns = [];
  for (const other of Object.keys(LAYERS)) {
    if (other === name || allowed.includes(other)) continue;
    const modules = allowed.filter((a) => a.startsWith(`${other}/`)).map((a) => a.slice(other.length + 1));
    const only = modules.length ? ` (only ${modules.join(', ')})` : '';
    patterns.push({
      regex: targetRegex(other, modules),
      message: `${name} may not import ${other}${only}: ${name} may import ${allowedText(name)} (tools/layers.mjs).`,
    });
  }
  for (const [group, { regex, label }] of Object.entries(PACKAGE_GROUPS)) {
    if (layer.packages.includes(group) || extra.includes(group)) continue;
    patterns.push({ regex, message: `${name} may not use ${label} (tools/layers.mjs).` });
  }
  return patterns;
}

/**
 * @param {string} name
 * @returns {string}
 */
function allowedText(name) {
  const { imports } = /** @type {Layer} */ (LAYERS[name]);
  return imports.length ? imports.join(', ') : 'nothing of ours';
}

/** ESLint flat-config objects: one per layer, then one per exception file (a later object replaces the rule). */
export function layerConfigs() {
  const configs = Object.entries(LAYERS).map(([name, layer]) => ({
    name: `layers/${name}`,
    // A folder covers everything under it; the entry layer is one file.
    files: [layer.dir.endsWith('.ts') ? layer.dir : `${layer.dir}/**`],
    rules: {
      'no-restricted-imports': ['error', { patterns: restrictedPatterns(name) }],
      ...(layer.globals ? { 'no-restricted-globals': ['error', ...layer.globals] } : {}),
    },
  }));
  for (const exception of EXCEPTIONS) {
    const name = layerOf(exception.file);
    if (!name) throw new Error(`tools/layers.mjs: exception ${exception.file} is in no layer`);
    configs.push({
      name: `layers/exception ${exception.file}`,
      files: [exception.file],
      rules: { 'no-restricted-imports': ['error', { patterns: restrictedPatterns(name, exception.allow) }] },
    });
  }
  return configs;
}

/**
 * The layer a file belongs to (by its folder), or undefined outside the layers.
 * @param {string} file
 * @returns {string | undefined}
 */
export function layerOf(file) {
  return Object.entries(LAYERS).find(([, { dir }]) => file === dir || file.startsWith(`${dir}/`))?.[0];
}

/** The table as ARCHITECTURE.md shows it (test/layers.test.ts checks that the document holds it, cell for cell). */
export function layerTableMarkdown() {
  const rows = Object.entries(LAYERS).map(([name, layer]) => {
    const labels = layer.packages.flatMap((group) => (PACKAGE_GROUPS[group]?.label ?? group).split(', '));
    const packages = labels.map((label) => `\`${label}\``).join(', ') || '—';
    return `| ${name} | \`${layer.dir}\` | ${layer.role} | ${allowedText(name)} | ${packages} |`;
  });
  return [
    '| Layer | Files | Role | May import | Packages of its own |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
