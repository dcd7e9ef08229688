// A static file server for the scale benchmark that counts what each engine fetches: URL prefixes map to folders,
// every response's path and body bytes are logged, and nothing is compressed on the way (both engines' index files
// are compressed already), so bytes logged are bytes a real host would send. Every response makes the page
// cross-origin isolated, so the driver can ask the browser what the tab holds (measureUserAgentSpecificMemory).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

export interface Fetched {
  readonly path: string;
  readonly bytes: number;
}

export class CountingServer {
  readonly log: Fetched[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** `routes`: URL prefix (`/pagefind/`) → folder, or URL path → file; `pages`: URL path → HTML. */
  static async start(
    routes: Readonly<Record<string, string>>,
    pages: Readonly<Record<string, string>>,
  ): Promise<CountingServer> {
    const holder: { self?: CountingServer } = {};
    const server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const page = pages[path];
      if (page !== undefined) {
        res.writeHead(200, { ...ISOLATED, 'Content-Type': TYPES['.html']!, 'Cache-Control': 'no-store' }).end(page);
        return;
      }
      const file = locate(routes, path);
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      const bytes = statSync(file).size;
      holder.self?.log.push({ path, bytes });
      res.writeHead(200, {
        ...ISOLATED,
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': String(bytes),
        'Cache-Control': 'no-store',
      });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.self = new CountingServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.self;
  }

  /** Bytes fetched under `prefix` since log position `from`. */
  bytes(prefix: string, from = 0): { requests: number; bytes: number } {
    const hits = this.log.slice(from).filter((f) => f.path.startsWith(prefix));
    return { requests: hits.length, bytes: hits.reduce((n, f) => n + f.bytes, 0) };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function locate(routes: Readonly<Record<string, string>>, path: string): string | undefined {
  for (const [prefix, folder] of Object.entries(routes)) {
    if (path === prefix && existsSync(folder) && statSync(folder).isFile()) return folder;
    if (!path.startsWith(prefix)) continue;
    const file = normalize(join(folder, path.slice(prefix.length)));
    if (file.startsWith(normalize(folder) + sep) && existsSync(file) && statSync(file).isFile()) return file;
  }
  return undefined;
}
