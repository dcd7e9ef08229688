// Where a model's files come from, turned into a download plan: the exact files transformers.js will read for one
// weight format, with their sizes and, when the source gives them, their SHA-256. Three sources: the Hugging Face
// hub (its tree API lists sizes and LFS checksums), a URL of a self-hosted mirror in the same folder layout (sizes
// from HEAD, a checksum when its ETag is one), and a folder the user picked. model-store.ts carries plans out.
import { CodedError } from '../core/errors';
import { chatModelCard, parseModelCard, type Dtype, type ModelCard } from '../core/model-card';
import {
  dtypeOfOnnxFile,
  onnxFile,
  OPTIONAL_FILES,
  REQUIRED_FILES,
  registryDtypes,
  type RegistryModel,
} from './models';

export type ModelSourceErrorCode =
  'MODEL_FILE_NOT_FOUND' | 'SOURCE_UNREACHABLE' | 'NO_USABLE_WEIGHTS' | 'BAD_MODEL_FOLDER' | 'INVALID_MODEL_CARD';

export class ModelSourceError extends CodedError<ModelSourceErrorCode> {}

export interface PlannedFile {
  /** Path inside the model folder, as transformers.js asks for it (`onnx/model_q4f16.onnx`). */
  readonly path: string;
  /** Where to download it from; absent for a picked file. */
  readonly url?: string;
  /** The picked file itself (folder source). */
  readonly blob?: Blob;
  /** Bytes, when the source says; checked once the file is complete. */
  readonly size?: number;
  /** Lowercase hex SHA-256 of the content, when the source gives one; checked once the file is complete. */
  readonly sha256?: string;
}

export interface DownloadPlan {
  /** The model's name in the store: one segment, also a valid transformers.js model id under `store/`. */
  readonly key: string;
  readonly name: string;
  readonly registryId?: string;
  /** For people: where it comes from. */
  readonly origin: string;
  readonly dtype: Dtype;
  readonly card: ModelCard;
  readonly files: readonly PlannedFile[];
}

export type PickDtype = (available: readonly Dtype[]) => Dtype;
type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** `a.B c` → `a.b-c`: a store key segment transformers.js accepts (no `/`, `..` or `--`). */
function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/\.{2,}/g, '.')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 80) || 'model'
  );
}

export function storeKey(kind: 'hub' | 'url' | 'folder', name: string, dtype: Dtype): string {
  return `${kind}.${slug(name)}.${dtype}`;
}

/** The card for a model: its own model-card.json when it ships one, else the zero-shot chat profile. */
function cardFor(name: string, dtype: Dtype, parameters: number, own: unknown, dtypes: readonly Dtype[]): ModelCard {
  if (own !== undefined) {
    try {
      return { ...parseModelCard(own), dtype, dtypes };
    } catch (error) {
      throw new ModelSourceError('INVALID_MODEL_CARD', `${name}: model-card.json is not usable: ${String(error)}`);
    }
  }
  return { ...chatModelCard(name, dtype), name, parameters, dtypes };
}

const SHA256 = /^[0-9a-f]{64}$/;

async function json(fetchImpl: Fetch, url: string, what: string): Promise<unknown> {
  let response: Response;
  try {
    // Listings and cards change with a repository's revision: never from the HTTP cache.
    response = await fetchImpl(url, { cache: 'no-store' });
  } catch (error) {
    throw new ModelSourceError('SOURCE_UNREACHABLE', `${what} could not be reached (${url}): ${String(error)}`);
  }
  if (response.status === 404) throw new ModelSourceError('MODEL_FILE_NOT_FOUND', `${what} not found: ${url} (404)`);
  if (!response.ok) throw new ModelSourceError('SOURCE_UNREACHABLE', `${what}: HTTP ${response.status} from ${url}`);
  try {
    return await response.json();
  } catch {
    throw new ModelSourceError('SOURCE_UNREACHABLE', `${what}: ${url} did not return JSON`);
  }
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}

/** External weight files transformers.js reads beside `weights` (config `transformers.js_config`). */
function externalDataFiles(config: unknown, weights: string): string[] {
  const custom = (config as { 'transformers.js_config'?: { use_external_data_format?: unknown } } | null)?.[
    'transformers.js_config'
  ];
  const setting = custom?.use_external_data_format;
  const file = weights.slice('onnx/'.length);
  let chunks = 0;
  if (typeof setting === 'object' && setting !== null) {
    const table = setting as Record<string, unknown>;
    chunks = Number(table[file] ?? table[file.replace(/\.onnx$/, '')] ?? 0);
  } else if (setting !== undefined) {
    chunks = Number(setting);
  }
  return Array.from({ length: chunks }, (_, i) => `${weights}_data${i === 0 ? '' : `_${i}`}`);
}

interface TreeEntry {
  readonly type: string;
  readonly path: string;
  readonly size: number;
  readonly lfs?: { readonly oid: string; readonly size: number };
}

/**
 * A registry model from the hub (`host` defaults to huggingface.co): one call to the tree API gives every file's
 * size and, for LFS files (the weights), the SHA-256 the download is checked against.
 */
export async function planFromHub(
  model: RegistryModel,
  pick: PickDtype,
  options: { readonly host?: string; readonly revision?: string; readonly fetch?: Fetch } = {},
): Promise<DownloadPlan> {
  if (!model.repo) throw new ModelSourceError('MODEL_FILE_NOT_FOUND', `${model.name} is not on the hub`);
  const fetchImpl = options.fetch ?? fetch;
  const host = (options.host ?? 'https://huggingface.co').replace(/\/+$/, '');
  const revision = options.revision ?? 'main';
  const listing = await json(
    fetchImpl,
    `${host}/api/models/${model.repo}/tree/${encodeURIComponent(revision)}?recursive=true`,
    `The file list of ${model.repo}`,
  );
  if (!Array.isArray(listing)) {
    throw new ModelSourceError('SOURCE_UNREACHABLE', `The hub's file list of ${model.repo} is not a list`);
  }
  const files = new Map((listing as TreeEntry[]).filter((e) => e.type === 'file').map((e) => [e.path, e]));
  const offered = registryDtypes(model).filter((d) => files.has(onnxFile(d)));
  if (offered.length === 0) {
    throw new ModelSourceError('NO_USABLE_WEIGHTS', `${model.repo} has none of the ONNX weights this app reads`);
  }
  const dtype = pick(offered);
  const weights = onnxFile(dtype);
  for (const required of REQUIRED_FILES) {
    if (!files.has(required)) {
      throw new ModelSourceError('MODEL_FILE_NOT_FOUND', `${model.repo} has no ${required}: it cannot be loaded`);
    }
  }
  const wanted = [
    ...REQUIRED_FILES,
    ...OPTIONAL_FILES.filter((f) => files.has(f)),
    weights,
    ...[...files.keys()].filter((p) => p.startsWith(`${weights}_data`)).sort(),
  ];
  const resolve = (path: string) => `${host}/${model.repo}/resolve/${encodeURIComponent(revision)}/${path}`;
  const card = files.has('model-card.json')
    ? cardFor(
        model.name,
        dtype,
        model.parameters,
        await json(fetchImpl, resolve('model-card.json'), 'model-card.json'),
        offered,
      )
    : cardFor(model.name, dtype, model.parameters, undefined, offered);
  return {
    key: storeKey('hub', model.id, dtype),
    name: model.name,
    registryId: model.id,
    origin: `${host}/${model.repo}`,
    dtype,
    card,
    files: wanted.map((path) => {
      const entry = files.get(path)!;
      const sha256 = entry.lfs?.oid;
      return {
        path,
        url: resolve(path),
        size: entry.lfs?.size ?? entry.size,
        ...(sha256 && SHA256.test(sha256) ? { sha256 } : {}),
      };
    }),
  };
}

/** Size and checksum of a mirrored file from a HEAD request; undefined when it is not there. */
async function head(fetchImpl: Fetch, url: string): Promise<Omit<PlannedFile, 'path'> | undefined> {
  let response: Response;
  try {
    response = await fetchImpl(url, { method: 'HEAD', cache: 'no-store' });
  } catch (error) {
    throw new ModelSourceError('SOURCE_UNREACHABLE', `The mirror could not be reached (${url}): ${String(error)}`);
  }
  if (response.status === 404 || response.status === 410) return undefined;
  if (!response.ok) throw new ModelSourceError('SOURCE_UNREACHABLE', `HTTP ${response.status} from ${url}`);
  const length = Number(response.headers.get('content-length'));
  // The hub sends the LFS SHA-256 as X-Linked-Etag; a mirror that copies its headers keeps it.
  const tag = (response.headers.get('x-linked-etag') ?? response.headers.get('etag') ?? '')
    .replace(/^W\//, '')
    .replaceAll('"', '')
    .toLowerCase();
  return { url, ...(length > 0 ? { size: length } : {}), ...(SHA256.test(tag) ? { sha256: tag } : {}) };
}

/**
 * A model on a self-hosted mirror: `base` is the URL of a folder in the transformers.js layout. With a registry
 * model the formats to look for are known; without, the mirror's model-card.json (or every format) says.
 */
export async function planFromUrl(
  base: string,
  model: RegistryModel | undefined,
  pick: PickDtype,
  options: { readonly fetch?: Fetch } = {},
): Promise<DownloadPlan> {
  const fetchImpl = options.fetch ?? fetch;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ModelSourceError('SOURCE_UNREACHABLE', `"${base}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ModelSourceError('SOURCE_UNREACHABLE', `"${base}" is not an http(s) URL`);
  }
  const root = url.href.replace(/\/+$/, '');
  const name = model?.name ?? (root.split('/').pop() || url.host);
  const config = await json(fetchImpl, join(root, 'config.json'), `${name}: config.json`);
  const present = new Map<string, Omit<PlannedFile, 'path'>>();
  for (const path of [...REQUIRED_FILES, ...OPTIONAL_FILES]) {
    const found = await head(fetchImpl, join(root, path));
    if (found) present.set(path, found);
    else if ((REQUIRED_FILES as readonly string[]).includes(path)) {
      throw new ModelSourceError('MODEL_FILE_NOT_FOUND', `${name}: ${join(root, path)} not found (404)`);
    }
  }
  const own = present.has('model-card.json')
    ? await json(fetchImpl, join(root, 'model-card.json'), `${name}: model-card.json`)
    : undefined;
  const ownDtypes = (own as { dtypes?: Dtype[]; dtype?: Dtype } | undefined)?.dtypes;
  const candidates: Dtype[] = model ? registryDtypes(model) : (ownDtypes ?? ['q4f16', 'fp16', 'q4', 'q8', 'fp32']);
  // Ask for the weights in the order they would be chosen; the first the mirror has is the one.
  const offered: Dtype[] = [];
  let weights: Omit<PlannedFile, 'path'> | undefined;
  let dtype: Dtype | undefined;
  const remaining = [...candidates];
  while (remaining.length > 0 && !weights) {
    let next: Dtype;
    try {
      next = pick(remaining);
    } catch {
      break; // none of the rest can run on this device
    }
    remaining.splice(remaining.indexOf(next), 1);
    const found = await head(fetchImpl, join(root, onnxFile(next)));
    if (found) {
      weights = found;
      dtype = next;
      offered.push(next);
    }
  }
  if (!weights || !dtype) {
    throw new ModelSourceError(
      'NO_USABLE_WEIGHTS',
      `${name}: the mirror has none of the weights this device can use (${candidates.map(onnxFile).join(', ')})`,
    );
  }
  const files: PlannedFile[] = [...present].map(([path, file]) => ({ path, ...file }));
  files.push({ path: onnxFile(dtype), ...weights });
  for (const path of externalDataFiles(config, onnxFile(dtype))) {
    const found = await head(fetchImpl, join(root, path));
    if (!found) throw new ModelSourceError('MODEL_FILE_NOT_FOUND', `${name}: ${join(root, path)} not found (404)`);
    files.push({ path, ...found });
  }
  const key = storeKey('url', model?.id ?? `${url.host}-${name}`, dtype);
  return {
    key,
    name,
    ...(model ? { registryId: model.id } : {}),
    origin: root,
    dtype,
    card: cardFor(name, dtype, model?.parameters ?? 0, own, offered),
    files,
  };
}

/** A file the user picked, with its path relative to what they chose (`folder/onnx/model.onnx`). */
export interface PickedFile {
  readonly path: string;
  readonly file: Blob;
}

/**
 * A model folder the user picked (File System Access or `webkitdirectory`). The model's root is the folder holding
 * config.json nearest the top; its onnx/ sub-folder holds the weights.
 */
export async function planFromFolder(picked: readonly PickedFile[], pick: PickDtype): Promise<DownloadPlan> {
  const configs = picked
    .map((f) => f.path.replace(/^\/+/, ''))
    .filter((p) => p === 'config.json' || p.endsWith('/config.json'))
    .sort((a, b) => a.split('/').length - b.split('/').length);
  const config = configs[0];
  if (!config) {
    throw new ModelSourceError(
      'BAD_MODEL_FOLDER',
      'This folder holds no config.json: pick the model folder itself (with config.json, tokenizer.json and onnx/).',
    );
  }
  const rootPrefix = config.slice(0, -'config.json'.length);
  const name = rootPrefix.replace(/\/$/, '').split('/').pop() || 'model';
  const inRoot = new Map<string, Blob>();
  for (const f of picked) {
    const path = f.path.replace(/^\/+/, '');
    if (path.startsWith(rootPrefix)) inRoot.set(path.slice(rootPrefix.length), f.file);
  }
  const missing = REQUIRED_FILES.filter((f) => !inRoot.has(f));
  if (missing.length > 0) {
    throw new ModelSourceError('BAD_MODEL_FOLDER', `${name}: the folder lacks ${missing.join(', ')}`);
  }
  const offered = [...inRoot.keys()].map(dtypeOfOnnxFile).filter((d): d is Dtype => d !== undefined);
  if (offered.length === 0) {
    throw new ModelSourceError('NO_USABLE_WEIGHTS', `${name}: the folder has no onnx/model*.onnx weights`);
  }
  const dtype = pick(offered);
  const weights = onnxFile(dtype);
  const configJson = JSON.parse(await inRoot.get('config.json')!.text()) as unknown;
  const cardBlob = inRoot.get('model-card.json');
  const own = cardBlob ? (JSON.parse(await cardBlob.text()) as unknown) : undefined;
  const paths = [
    ...REQUIRED_FILES,
    ...OPTIONAL_FILES.filter((f) => inRoot.has(f)),
    weights,
    ...externalDataFiles(configJson, weights),
  ];
  for (const path of paths) {
    if (!inRoot.has(path)) throw new ModelSourceError('BAD_MODEL_FOLDER', `${name}: the folder lacks ${path}`);
  }
  return {
    key: storeKey('folder', name, dtype),
    name,
    origin: `folder ${rootPrefix.replace(/\/$/, '') || name}`,
    dtype,
    card: cardFor(name, dtype, 0, own, offered),
    files: paths.map((path) => ({ path, blob: inRoot.get(path)!, size: inRoot.get(path)!.size })),
  };
}
