// A local HTTP server that plays the Hugging Face hub and a self-hosted mirror for the browser tests: the fixture
// model served under a real instruction model's folder layout (every weight format the registry names is the fixture's
// weights), the hub's tree API with sizes and LFS SHA-256, HTTP Range, CORS — and the failures a real network has:
// a connection dropped mid-file, a file held until released, a 404, a damaged file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_MODEL_ID, MODEL_ROOT } from '../test/paths';

export const HUB_REPO = 'HuggingFaceTB/SmolLM2-135M-Instruct';
export const MIRROR_PATH = '/mirror/SmolLM2-135M-Instruct';
const WEIGHTS = ['model.onnx', 'model_fp16.onnx', 'model_quantized.onnx', 'model_q4.onnx', 'model_q4f16.onnx'];

/** The fixture model dressed as a chat model: its files, no model card, and a chat template in its tokenizer config. */
export function chatFixtureFiles(): Map<string, Buffer> {
  const folder = `${MODEL_ROOT}${DEMO_MODEL_ID}`;
  const files = new Map<string, Buffer>();
  for (const name of ['config.json', 'generation_config.json', 'tokenizer.json']) {
    files.set(name, readFileSync(`${folder}/${name}`));
  }
  const config = JSON.parse(readFileSync(`${folder}/tokenizer_config.json`, 'utf8')) as Record<string, unknown>;
  config['chat_template'] =
    "{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|> {% endif %}";
  files.set('tokenizer_config.json', Buffer.from(JSON.stringify(config)));
  const weights = readFileSync(`${folder}/onnx/model.onnx`);
  for (const name of WEIGHTS) files.set(`onnx/${name}`, weights);
  files.set('README.md', Buffer.from('# SmolLM2-135M-Instruct (test double)\n'));
  return files;
}

export interface HubRequest {
  readonly method: string;
  /** The file path inside the model folder, or the API path. */
  readonly path: string;
  readonly range?: string;
}

type Rule = (path: string, response: ServerResponse, body: Buffer, start: number) => Promise<boolean> | boolean;

export class ModelHub {
  readonly requests: HubRequest[] = [];
  /** Files answered with 404 although the listing names them. */
  readonly missing = new Set<string>();
  /** Files served with other bytes than the listing's checksum describes. */
  readonly damaged = new Map<string, Buffer>();
  /** Sizes the listing gives instead of the true ones (a model larger than the browser's quota). */
  readonly listedSizes = new Map<string, number>();
  private rules: Rule[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly files: Map<string, Buffer>,
  ) {}

  static async start(files = chatFixtureFiles()): Promise<ModelHub> {
    const ready: { hub?: ModelHub } = {};
    const server = createServer((req, res) => void ready.hub?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const hub = new ModelHub(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, files);
    ready.hub = hub;
    return hub;
  }

  /** The next full (not ranged) response of a weights file sends `bytes` bytes, then the connection drops. */
  dropWeightsOnce(bytes: number): void {
    let used = false;
    this.rules.push((path, res, body, start) => {
      if (used || !path.startsWith('onnx/') || start !== 0) return false;
      used = true;
      // The drop waits a second after the bytes are flushed, so the client has read them all: cut sooner (a reset
      // drops bytes its kernel holds unread; an early end errors its body stream before queued chunks are read),
      // and how much arrived would depend on the machine's load (75 KB to 2 MB in CI runs).
      res.write(body.subarray(0, bytes), () => setTimeout(() => res.socket?.destroy(), 1000));
      return true;
    });
  }

  /** The next response of a weights file sends `bytes` bytes, then waits until the returned function is called. */
  holdWeights(bytes: number): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let used = false;
    this.rules.push(async (path, res, body, start) => {
      if (used || !path.startsWith('onnx/')) return false;
      used = true;
      res.write(body.subarray(start, start + bytes));
      await gate;
      if (!res.destroyed) res.end(body.subarray(start + bytes));
      return true;
    });
    return release;
  }

  weightRequests(): HubRequest[] {
    return this.requests.filter((r) => r.path.startsWith('onnx/') && r.method === 'GET');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private listing(): unknown[] {
    return [...this.files].map(([path, bytes]) => {
      const size = this.listedSizes.get(path) ?? bytes.length;
      const entry = { type: 'file', path, size, oid: createHash('sha1').update(bytes).digest('hex') };
      return path.startsWith('onnx/')
        ? {
            ...entry,
            lfs: { oid: createHash('sha256').update(bytes).digest('hex'), size, pointerSize: 134 },
          }
        : entry;
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Access-Control-Allow-Headers', 'Range');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, ETag, X-Linked-Etag');
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const url = new URL(req.url ?? '/', this.url);
    const pathname = decodeURIComponent(url.pathname);
    const api = `/api/models/${HUB_REPO}/tree/main`;
    if (pathname === api) {
      this.requests.push({ method: req.method ?? 'GET', path: api });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(this.listing()));
      return;
    }
    const prefixes = [`/${HUB_REPO}/resolve/main/`, `${MIRROR_PATH}/`];
    const prefix = prefixes.find((p) => pathname.startsWith(p));
    const path = prefix ? pathname.slice(prefix.length) : '';
    const range = req.headers.range;
    this.requests.push({ method: req.method ?? 'GET', path: path || pathname, ...(range ? { range } : {}) });
    const stored = this.files.get(path);
    if (!prefix || !stored || this.missing.has(path)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Entry not found');
      return;
    }
    const body = this.damaged.get(path) ?? stored;
    const start = range ? Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0) : 0;
    if (start >= body.length && body.length > 0) {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
      return;
    }
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body.length - start),
      'Accept-Ranges': 'bytes',
      // The mirror is a plain file server: its ETag is no checksum.
      ETag: `"${body.length}-mirror"`,
    };
    if (start > 0) headers['Content-Range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    for (const rule of this.rules) if (await rule(path, res, body, start)) return;
    res.end(body.subarray(start));
  }
}
