// Build configuration. `vite build` makes the app (index.html + workers); `vite build --mode lib` makes the
// library entry (dist/lib); `--mode widget` the embeddable widget (dist/widget.js); `--mode cli` the command line
// (dist/cli/main.js). The ONNX Runtime wasm files are served from our own origin, never a CDN, so the
// app works offline and under a strict CSP.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { defaultClientConditions, defineConfig } from 'vite';
import { minimal2023Preset } from '@vite-pwa/assets-generator/presets/minimal-2023';
import { VitePWA } from 'vite-plugin-pwa';

// The onnxruntime-web that transformers.js itself resolves; its entry file sits in dist/ beside the wasm files.
const requireFromTransformers = createRequire(createRequire(import.meta.url).resolve('@huggingface/transformers'));
const ortDist = dirname(requireFromTransformers.resolve('onnxruntime-web'));
/** The single ONNX Runtime flavour transformers.js needs for both wasm and WebGPU. */
export const ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

const DEPENDENCIES = Object.keys(
  (
    JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    }
  ).dependencies,
);

/** Cross-origin isolation lets ONNX Runtime use wasm threads (SharedArrayBuffer). The script policy is the one the
 * app promises to work under (no inline scripts, no eval; wasm compiles): the workers get it from this header. */
const appHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Content-Security-Policy': "script-src 'self' 'wasm-unsafe-eval'",
};

/**
 * ONNX Runtime's files, emitted once into `folder` (the app's `ort/`, the widget's `widget/ort/`, beside its worker,
 * so a site can copy the widget anywhere); `emit: false` for a worker's own build, which only drops its copy.
 */
function ortRuntime({ chunks, folder, emit = true }: { chunks: string; folder: string; emit?: boolean }): Plugin {
  const hashedCopy = new RegExp(`^${chunks}/ort-wasm-simd-threaded[^/]*\\.wasm$`);
  return {
    name: 'self-retrieval:ort-runtime',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.match(/^\/ort\/([^?]+)/)?.[1];
        if (!name || !ORT_FILES.includes(name)) return next();
        res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        res.end(readFileSync(join(ortDist, name)));
      });
    },
    generateBundle(_options, bundle) {
      // ONNX Runtime's own `new URL('….wasm', import.meta.url)` makes Vite emit a hashed 27 MB copy that is never
      // fetched (configureOffline points wasmPaths at the folder): drop it rather than ship the runtime twice.
      for (const fileName of Object.keys(bundle)) {
        if (hashedCopy.test(fileName)) delete bundle[fileName];
      }
      if (!emit) return;
      for (const name of ORT_FILES) {
        this.emitFile({ type: 'asset', fileName: `${folder}/${name}`, source: readFileSync(join(ortDist, name)) });
      }
    },
  };
}

/** The demo library as the app loads it: a sharded bundle folder the CLI builds before the app (`npm run
 * build:demo`), emitted under `demo/bundle/` and served there by `vite dev`; the app reads it lazily. */
export const DEMO_BUNDLE = 'dist/demo/cranfield';
const DEMO_URL = '/demo/bundle/';
function demoBundle(): Plugin {
  const manifest = join(DEMO_BUNDLE, 'manifest.json');
  const missing = `${manifest} is missing: run \`npm run build:cli && npm run build:demo\` first`;
  return {
    name: 'self-retrieval:demo-bundle',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = req.url?.split('?')[0] ?? '';
        if (!path.startsWith(DEMO_URL)) return next();
        const name = path.slice(DEMO_URL.length);
        const file = join(DEMO_BUNDLE, name);
        if (!/^[\w.-]+$/.test(name) || !existsSync(file)) {
          res.statusCode = 404;
          res.end(existsSync(manifest) ? `${path}: no such file` : missing);
          return;
        }
        res.setHeader('Content-Type', name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
    generateBundle() {
      if (!existsSync(manifest)) this.error(missing);
      for (const name of readdirSync(DEMO_BUNDLE)) {
        this.emitFile({
          type: 'asset',
          fileName: `demo/bundle/${name}`,
          source: readFileSync(join(DEMO_BUNDLE, name)),
        });
      }
    },
  };
}

/** The service worker (workers/sw.ts) and the list of files it keeps. Everything the first visit fetches from our
 * own origin is listed: the app shell, the ONNX Runtime files, the demo corpus and the built-in models; the worker
 * puts `models/` in a cache of its own and the rest in Workbox's precache. The same plugin makes the app installable:
 * it writes the web app manifest and renders the icons from public/icon.svg at build (pwaAssets). */
function offlineShell(): Plugin[] {
  // The app's accent and page colours (src/ui/app.css, light theme): the installed app's title bar, its splash screen.
  const accent = '#0969da';
  const page = '#ffffff';
  return VitePWA({
    strategies: 'injectManifest',
    srcDir: 'workers',
    filename: 'sw.ts',
    // Registered by src/ui/offline.ts (workbox-window): no inline registration script, so a strict CSP holds.
    injectRegister: false,
    // Emitted as manifest.webmanifest; the build adds <link rel="manifest"> to index.html and lists the file in the
    // precache itself (with a revision), so the installed app opens offline too.
    manifest: {
      // The installed app's identity (the base URL here): fixed, so a later change of start_url keeps it one app.
      id: './',
      name: 'Self-Retrieval Web',
      short_name: 'Self-Retrieval',
      description: 'A search engine that runs in this page, on your own documents, offline.',
      lang: 'en',
      dir: 'ltr',
      // Relative to the manifest, which sits at the app's base: the app's page and everything under it.
      start_url: './',
      scope: './',
      display: 'standalone',
      theme_color: accent,
      background_color: page,
      categories: ['productivity', 'utilities', 'education'],
      // No `icons`: pwaAssets fills them in from the preset below (pwa-64, -192, -512 and maskable-512).
    },
    // The PNG icons and favicon.ico are rendered from the one SVG at build (sharp), into dist/app/ beside it, before
    // the service worker's file list is made, so the precache globs pick them up. The build also adds the <link
    // rel="icon">, <link rel="apple-touch-icon"> and <meta name="theme-color"> tags to index.html (no script).
    pwaAssets: {
      image: 'public/icon.svg',
      preset: {
        ...minimal2023Preset,
        // The preset pads maskable and Apple icons on white; on the tile's own blue the corners vanish instead. The
        // mark reaches 242 px from the centre of the 512 px tile, and a maskable icon keeps only a circle of radius
        // 205 px (0.4 × 512): padding 0.2 scales the mark by 0.8, to 194 px, so no mask cuts it.
        maskable: { sizes: [512], padding: 0.2, resizeOptions: { fit: 'contain', background: accent } },
        apple: { sizes: [180], padding: 0.1, resizeOptions: { fit: 'contain', background: accent } },
      },
      includeHtmlHeadLinks: true,
      injectThemeColor: true,
      overrideManifestIcons: true,
    },
    // No service worker in `vite dev`: it would serve stale modules.
    devOptions: { enabled: false },
    injectManifest: {
      // The demo is its bundle's files and its example queries: the collection's raw files stay on the server (the
      // CLI's). The generated icons match the png/ico/svg pattern. No `webmanifest` here: the plugin lists
      // manifest.webmanifest itself, and a second entry for it (with another revision) would make Workbox's
      // precacheAndRoute throw in workers/sw.ts.
      globPatterns: [
        '**/*.{html,js,mjs,css,wasm,svg,png,ico,woff2}',
        'demo/bundle/*',
        'demo/cranfield/cran.qry',
        'models/**/*',
      ],
      // The ONNX Runtime wasm file is ~27 MB; the demo model's weights are ~6 MB.
      maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
    },
  });
}

export default defineConfig(({ mode }) => {
  if (mode === 'widget') {
    // `dist/widget.js` (the <self-retrieval-search> shell a page loads) and everything it loads lazily under
    // `dist/widget/`: the engine client chunk, the worker, ONNX Runtime. Relative URLs throughout.
    const names = {
      entryFileNames: 'widget.js',
      chunkFileNames: 'widget/[name]-[hash].js',
      assetFileNames: 'widget/[name]-[hash][extname]',
    };
    return {
      publicDir: false,
      base: './',
      plugins: [
        // `dist/` holds the other builds too, so it is not emptied: the widget's own folder is, or chunks of earlier
        // builds would pile up there (and in the package).
        { name: 'clean-widget-folder', buildStart: () => rmSync('dist/widget', { recursive: true, force: true }) },
        ortRuntime({ chunks: 'widget', folder: 'widget/ort' }),
      ],
      resolve: { conditions: ['worker', ...defaultClientConditions] },
      worker: {
        format: 'es',
        plugins: () => [ortRuntime({ chunks: 'widget', folder: 'widget/ort', emit: false })],
        rollupOptions: {
          output: {
            entryFileNames: 'widget/[name]-[hash].js',
            chunkFileNames: names.chunkFileNames,
            assetFileNames: names.assetFileNames,
          },
        },
      },
      build: {
        outDir: 'dist',
        emptyOutDir: false,
        target: 'es2022',
        // Vite's preload helper would add <link rel="modulepreload"> to the host page's <head>.
        modulePreload: false,
        chunkSizeWarningLimit: 2048,
        rollupOptions: {
          input: 'src/widget/self-retrieval-search.ts',
          output: names,
          preserveEntrySignatures: 'exports-only',
        },
      },
    };
  }
  if (mode === 'cli') {
    // The `self-retrieval` command as one Node ES module, dist/cli/main.js, which bin/self-retrieval.mjs imports: no
    // TypeScript loader at run time. One file (no chunks) at dist/cli/ keeps `new URL('../../public/models/',
    // import.meta.url)` pointing at the package root, as it does from src/cli/. Runtime dependencies stay imports.
    return {
      publicDir: false,
      ssr: { noExternal: [/^@tensorflow\//] },
      build: {
        ssr: 'src/cli/main.ts',
        outDir: 'dist/cli',
        emptyOutDir: true,
        target: 'node20',
        minify: false,
        // The whole graph is ours and small; a single file keeps it debuggable and every relative URL stable.
        // TensorFlow.js is the exception, bundled: its gradients register from ES modules Node cannot import as
        // published (directory imports), which the bundler resolves.
        rollupOptions: {
          external: (id) =>
            id.startsWith('node:') ||
            (!id.startsWith('@tensorflow/') && DEPENDENCIES.some((d) => id === d || id.startsWith(`${d}/`))),
          output: {
            entryFileNames: 'main.js',
            codeSplitting: false,
            // The WebAssembly backend's Emscripten loader reads `__dirname` and `require` when it runs in Node,
            // which an ES module does not have.
            banner:
              "import { createRequire as __createRequire } from 'node:module';\n" +
              "import { fileURLToPath as __fileURLToPath } from 'node:url';\n" +
              'const require = __createRequire(import.meta.url);\n' +
              "const __dirname = __fileURLToPath(new URL('.', import.meta.url));",
          },
        },
      },
    };
  }
  if (mode === 'lib') {
    return {
      publicDir: false,
      build: {
        outDir: 'dist/lib',
        emptyOutDir: true,
        lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'self-retrieval' },
        // Runtime dependencies stay imports: the consumer's bundler resolves (and dedupes) them.
        rollupOptions: { external: (id) => DEPENDENCIES.some((d) => id === d || id.startsWith(`${d}/`)) },
      },
    };
  }
  return {
    // 'mpa' turns off the SPA fallback: a missing model file must be a 404, not index.html, so a
    // loader never mistakes an HTML page for weights.
    appType: 'mpa',
    plugins: [ortRuntime({ chunks: 'assets', folder: 'ort' }), demoBundle(), offlineShell()],
    // Parsing runs in workers, where there is no `document`: prefer packages' worker builds over their DOM ones
    // (decode-named-character-reference's browser build decodes entities with document.createElement).
    resolve: { conditions: ['worker', ...defaultClientConditions] },
    worker: { format: 'es' },
    server: { headers: appHeaders },
    preview: { headers: appHeaders },
    build: { outDir: 'dist/app', target: 'es2022', chunkSizeWarningLimit: 1024 },
  };
});
