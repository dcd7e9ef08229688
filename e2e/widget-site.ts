// A third-party site for the widget's browser tests: a plain node:http server on its own origin (127.0.0.1, a port
// of its own, never the app's localhost:PW_PORT) serving plain HTML pages with no app code, the built widget
// (`dist/widget.js` + `dist/widget/**`), index bundles and the fixture model folder (HEAD and Range, as the model
// download needs) — every response under `Content-Security-Policy: script-src 'self' 'wasm-unsafe-eval'` and with no
// COOP/COEP, so ONNX Runtime runs single-threaded as on most real sites. It logs every request, so tests can say
// what was fetched before the widget was first opened.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

export const SITE_CSP = "script-src 'self' 'wasm-unsafe-eval'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.srbundle': 'application/octet-stream',
  '.md': 'text/markdown; charset=utf-8',
};

export interface SiteRequest {
  readonly method: string;
  readonly path: string;
  readonly range?: string;
}

export interface WidgetSiteOptions {
  /** The repository's `dist/` (holding widget.js and widget/). */
  readonly dist: string;
  /** URL path → file on disk (bundles, a damaged bundle). */
  readonly files: Readonly<Record<string, string>>;
  /** URL path prefix → folder on disk (model folders), e.g. `/models/cranfield-tiny/`. */
  readonly folders: Readonly<Record<string, string>>;
  /** URL path → HTML of a page. */
  readonly pages: Readonly<Record<string, string>>;
}

/** A plain page embedding the widget with the three lines the README shows (`script`: where widget.js is). */
export function widgetPage(
  attributes: Readonly<Record<string, string>>,
  { title = 'Aeronautics notes', script = '/widget.js' }: { readonly title?: string; readonly script?: string } = {},
): string {
  const escape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  const attrs = Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${escape(value)}"`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<script type="module" src="${escape(script)}"></script>
</head>
<body>
<header><h1>${escape(title)}</h1><self-retrieval-search${attrs}></self-retrieval-search></header>
<main>
<p>A third-party page: no app code, just the widget's script tag and element.</p>
<p><a href="#about">About this site</a></p>
</main>
</body>
</html>
`;
}

export class WidgetSite {
  readonly requests: SiteRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: WidgetSiteOptions,
  ) {}

  static async start(options: WidgetSiteOptions): Promise<WidgetSite> {
    const ready: { site?: WidgetSite } = {};
    const server = createServer((req, res) => ready.site?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const site = new WidgetSite(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
    ready.site = site;
    return site;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The file on disk a URL path names, or undefined; never outside the folders given. */
  private locate(pathname: string): string | undefined {
    if (this.options.files[pathname]) return this.options.files[pathname];
    const inside = (root: string, rest: string) => {
      const file = normalize(join(root, rest));
      return file.startsWith(normalize(root) + sep) && existsSync(file) && statSync(file).isFile() ? file : undefined;
    };
    if (pathname === '/widget.js') return join(this.options.dist, 'widget.js');
    if (pathname.startsWith('/widget/')) return inside(join(this.options.dist, 'widget'), pathname.slice(8));
    for (const [prefix, folder] of Object.entries(this.options.folders)) {
      if (pathname.startsWith(prefix)) return inside(folder, pathname.slice(prefix.length));
    }
    return undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', this.url).pathname);
    const range = req.headers.range;
    this.requests.push({ method: req.method ?? 'GET', path: pathname, ...(range ? { range } : {}) });
    res.setHeader('Content-Security-Policy', SITE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    const page = this.options.pages[pathname];
    if (page !== undefined) {
      res.writeHead(200, { 'Content-Type': TYPES['.html']! }).end(page);
      return;
    }
    // A real site has an icon. Without one, Chromium's favicon request (made after the load, whenever the browser
    // gets to it) logs a 404 on the page's console, which the tests that want a clean console would count.
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = this.locate(pathname);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    const body = readFileSync(file);
    const start = range ? Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0) : 0;
    if (start >= body.length && body.length > 0) {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
      return;
    }
    const headers: Record<string, string> = {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(body.length - start),
      'Accept-Ranges': 'bytes',
    };
    if (start > 0) headers['Content-Range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    res.end(req.method === 'HEAD' ? undefined : body.subarray(start));
  }
}
