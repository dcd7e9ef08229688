// The model cache: downloaded and imported models in the origin-private file system (OPFS), outside the service
// worker's precache, which holds only the app shell and the built-in models. Each model is a folder `models/<key>/`
// with a manifest and its files, written through a sync access handle at the byte they reached, so a download goes on
// after a reload, a lost network or a closed tab from where it stopped (HTTP Range). Sizes and checksums the source
// gave are checked before a model is marked complete; only complete models are loaded. Runs in a dedicated worker (sync
// access handles need one).
import { bytesToHex } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CodedError } from '../core/errors';
import { formatBytes } from '../core/format';
import type { DownloadPlan, PlannedFile } from './model-sources';

export type ModelStoreErrorCode =
  | 'MODEL_FILE_NOT_FOUND'
  | 'SOURCE_UNREACHABLE'
  | 'DOWNLOAD_INTERRUPTED'
  | 'DOWNLOAD_CANCELLED'
  | 'DOWNLOAD_BUSY'
  | 'CHECKSUM_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'NOT_ENOUGH_STORAGE'
  | 'MODEL_NOT_CACHED'
  | 'CANNOT_RESUME';

export class ModelStoreError extends CodedError<ModelStoreErrorCode> {}

/** A planned file as the cache holds it: its source, and how far it got. */
export interface StoredFile extends Omit<PlannedFile, 'blob'> {
  /** Bytes on disk. */
  readonly stored: number;
  /** Complete, and its size and checksum (when known) were checked. */
  readonly verified: boolean;
}

/** A model in the cache: its download plan, kept as its manifest, with each file's progress. */
export interface StoredModel extends Omit<DownloadPlan, 'files'> {
  readonly files: readonly StoredFile[];
  /** Every file verified: the model can be loaded, with the network off too. */
  readonly complete: boolean;
  /** Bytes on disk, and the total when every size is known. */
  readonly stored: number;
  readonly total: number | null;
  readonly updatedAt: string;
}

export interface DownloadProgress {
  readonly key: string;
  readonly file: string;
  readonly fileIndex: number;
  readonly files: number;
  readonly fileLoaded: number;
  readonly fileTotal: number | null;
  readonly loaded: number;
  readonly total: number | null;
  /** `verifying` while a checksum is computed. */
  readonly phase: 'downloading' | 'verifying' | 'done';
}

export interface DownloadOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly fetch?: (url: string, init?: RequestInit) => Promise<Response>;
}

const MANIFEST = 'manifest.json';
const MODEL_CARD = 'model-card.json';
/** Progress events at most this often: they cross to the page. */
const PROGRESS_EVERY_MS = 100;

function fileName(path: string): string {
  return encodeURIComponent(path);
}

function summarize(manifest: Omit<StoredModel, 'complete' | 'stored' | 'total'>): StoredModel {
  const sizes = manifest.files.map((f) => f.size);
  return {
    ...manifest,
    complete: manifest.files.every((f) => f.verified),
    stored: manifest.files.reduce((sum, f) => sum + f.stored, 0),
    total: sizes.every((s) => s !== undefined) ? sizes.reduce<number>((sum, s) => sum + s, 0) : null,
  };
}

/** SHA-256 of a stream, read chunk by chunk: a 1 GB model is hashed without holding it in memory (WebCrypto's
 * digest takes one buffer). */
export async function sha256Hex(stream: ReadableStream<Uint8Array>): Promise<string> {
  const hash = sha256.create();
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
  }
  return bytesToHex(hash.digest());
}

function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'QuotaExceededError';
}

export class ModelStore {
  private constructor(private readonly root: FileSystemDirectoryHandle) {}

  static async open(): Promise<ModelStore> {
    const origin = await navigator.storage.getDirectory();
    return new ModelStore(await origin.getDirectoryHandle('models', { create: true }));
  }

  /** Every model in the cache, complete or partly downloaded. */
  async list(): Promise<StoredModel[]> {
    const models: StoredModel[] = [];
    for await (const [key, handle] of this.root as unknown as AsyncIterable<[string, FileSystemHandle]>) {
      if (handle.kind !== 'directory') continue;
      const model = await this.get(key);
      if (model) models.push(model);
    }
    return models.sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
  }

  async get(key: string): Promise<StoredModel | undefined> {
    const folder = await this.folder(key, false);
    if (!folder) return undefined;
    try {
      const file = await (await folder.getFileHandle(MANIFEST)).getFile();
      return summarize(JSON.parse(await file.text()) as StoredModel);
    } catch {
      return undefined; // a folder whose first manifest write never finished: nothing was downloaded yet
    }
  }

  /** A file of a complete model, for the runtime to read. `model-card.json` is the manifest's card when the model
   * ships none, so every model in the cache is read like a folder with a card. */
  async read(key: string, path: string): Promise<Blob | undefined> {
    const model = await this.get(key);
    if (!model?.complete) return undefined;
    if (!model.files.some((f) => f.path === path)) {
      return path === MODEL_CARD ? new Blob([JSON.stringify(model.card)], { type: 'application/json' }) : undefined;
    }
    const folder = await this.folder(key, false);
    return (await folder?.getFileHandle(fileName(path)))?.getFile();
  }

  async remove(key: string): Promise<void> {
    await this.root.removeEntry(key, { recursive: true }).catch((error: unknown) => {
      if (!(error instanceof DOMException && error.name === 'NotFoundError')) throw error;
    });
  }

  /** Downloads (or copies) what `plan` lists; files already complete are kept, partial ones go on from their end. */
  async download(plan: DownloadPlan, options: DownloadOptions = {}): Promise<StoredModel> {
    return this.exclusive(plan.key, async () => {
      const previous = await this.get(plan.key);
      const files: StoredFile[] = plan.files.map((f) => {
        const old = previous?.files.find((p) => p.path === f.path && p.sha256 === f.sha256 && p.size === f.size);
        return {
          path: f.path,
          ...(f.url ? { url: f.url } : {}),
          ...(f.size !== undefined ? { size: f.size } : {}),
          ...(f.sha256 ? { sha256: f.sha256 } : {}),
          stored: old?.stored ?? 0,
          verified: old?.verified ?? false,
        };
      });
      const manifest = {
        key: plan.key,
        name: plan.name,
        ...(plan.registryId ? { registryId: plan.registryId } : {}),
        origin: plan.origin,
        dtype: plan.dtype,
        card: plan.card,
        files,
        updatedAt: new Date().toISOString(),
      };
      await this.checkSpace(summarize(manifest));
      const folder = (await this.folder(plan.key, true))!;
      await this.writeManifest(folder, manifest);
      return this.fill(folder, manifest, plan.files, options);
    });
  }

  /** Goes on with a partly downloaded model from its manifest (after a reload or a lost network). */
  async resume(key: string, options: DownloadOptions = {}): Promise<StoredModel> {
    const model = await this.get(key);
    if (!model) throw new ModelStoreError('MODEL_NOT_CACHED', `No download of "${key}" to resume`);
    if (model.files.some((f) => !f.verified && !f.url)) {
      throw new ModelStoreError(
        'CANNOT_RESUME',
        `${model.name} was copied from a folder: pick the folder again to finish copying it`,
      );
    }
    return this.download({ ...model, files: model.files }, options);
  }

  private async fill(
    folder: FileSystemDirectoryHandle,
    manifest: Omit<StoredModel, 'complete' | 'stored' | 'total'>,
    sources: readonly PlannedFile[],
    options: DownloadOptions,
  ): Promise<StoredModel> {
    const files = [...manifest.files];
    const total = summarize(manifest).total;
    // Progress crosses to the page: at most every PROGRESS_EVERY_MS, and the latest state always arrives.
    let lastReport = -Infinity;
    let trailing: ReturnType<typeof setTimeout> | undefined;
    let latest: Omit<DownloadProgress, 'key' | 'files' | 'total' | 'loaded'> | undefined;
    const emit = () => {
      clearTimeout(trailing);
      trailing = undefined;
      if (!latest || !options.onProgress) return;
      lastReport = performance.now();
      const index = latest.fileIndex;
      const done = files.reduce((sum, f, i) => sum + (i === index ? 0 : f.stored), 0);
      options.onProgress({
        key: manifest.key,
        files: files.length,
        total,
        loaded: done + latest.fileLoaded,
        ...latest,
      });
    };
    const report = (progress: Omit<DownloadProgress, 'key' | 'files' | 'total' | 'loaded'>, force = false) => {
      latest = progress;
      const wait = PROGRESS_EVERY_MS - (performance.now() - lastReport);
      if (force || wait <= 0) emit();
      else trailing ??= setTimeout(emit, wait);
    };
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      if (file.verified) continue;
      options.signal?.throwIfAborted();
      const handle = await folder.getFileHandle(fileName(file.path), { create: true });
      const access = await handle.createSyncAccessHandle();
      let stored: number;
      try {
        stored = await this.copy(access, file, sources[i]?.blob, options, (fileLoaded) => {
          files[i] = { ...file, stored: fileLoaded };
          report({ file: file.path, fileIndex: i, fileLoaded, fileTotal: file.size ?? null, phase: 'downloading' });
        });
      } catch (error) {
        files[i] = { ...file, stored: access.getSize() };
        access.close();
        report(
          {
            file: file.path,
            fileIndex: i,
            fileLoaded: files[i]!.stored,
            fileTotal: file.size ?? null,
            phase: 'downloading',
          },
          true,
        );
        await this.writeManifest(folder, { ...manifest, files, updatedAt: new Date().toISOString() });
        throw this.explain(error, file, files[i]!.stored);
      }
      access.close();
      report(
        { file: file.path, fileIndex: i, fileLoaded: stored, fileTotal: file.size ?? null, phase: 'verifying' },
        true,
      );
      await this.verify(folder, handle, file, stored);
      files[i] = { ...file, stored, verified: true };
      await this.writeManifest(folder, { ...manifest, files, updatedAt: new Date().toISOString() });
    }
    clearTimeout(trailing);
    const result = summarize({ ...manifest, files, updatedAt: new Date().toISOString() });
    options.onProgress?.({
      key: manifest.key,
      file: '',
      fileIndex: files.length,
      files: files.length,
      fileLoaded: 0,
      fileTotal: null,
      loaded: result.stored,
      total: result.total,
      phase: 'done',
    });
    return result;
  }

  /** Appends the rest of one file from its source to `access`; returns its size on disk. */
  private async copy(
    access: FileSystemSyncAccessHandle,
    file: StoredFile,
    blob: Blob | undefined,
    options: DownloadOptions,
    onBytes: (loaded: number) => void,
  ): Promise<number> {
    let offset = access.getSize();
    if (file.size !== undefined && offset > file.size) {
      access.truncate(0);
      offset = 0;
    }
    if (file.size !== undefined && offset === file.size) return offset;
    let body: ReadableStream<Uint8Array>;
    if (blob) {
      body = blob.slice(offset).stream();
    } else {
      if (!file.url) throw new ModelStoreError('CANNOT_RESUME', `${file.path} has no source to download from`);
      const fetchImpl = options.fetch ?? fetch;
      const response = await fetchImpl(file.url, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(offset > 0 ? { headers: { Range: `bytes=${offset}-` } } : {}),
        cache: 'no-store',
      });
      if (response.status === 404 || response.status === 410) {
        throw new ModelStoreError('MODEL_FILE_NOT_FOUND', `${file.path} not found at ${file.url} (${response.status})`);
      }
      if (response.status === 416 && file.size === undefined) return offset; // asked past the end: it was complete
      if (!response.ok || !response.body) {
        throw new ModelStoreError('SOURCE_UNREACHABLE', `${file.path}: HTTP ${response.status} from ${file.url}`);
      }
      if (offset > 0 && response.status !== 206) {
        // The server ignored the range: start the file over.
        access.truncate(0);
        offset = 0;
      }
      body = response.body;
    }
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const written = access.write(value, { at: offset });
        // A short write is the storage refusing more (OPFS reports a full quota this way too).
        if (written !== value.length) throw new DOMException('short write', 'QuotaExceededError');
        offset += written;
        onBytes(offset);
      }
    } finally {
      access.flush();
      reader.releaseLock();
    }
    return offset;
  }

  private async verify(
    folder: FileSystemDirectoryHandle,
    handle: FileSystemFileHandle,
    file: StoredFile,
    stored: number,
  ): Promise<void> {
    if (file.size !== undefined && stored !== file.size) {
      throw new ModelStoreError(
        'SIZE_MISMATCH',
        `${file.path} is ${formatBytes(stored)} but its source said ${formatBytes(file.size)}: download it again`,
      );
    }
    if (!file.sha256) return;
    const actual = await sha256Hex((await handle.getFile()).stream());
    if (actual !== file.sha256) {
      await folder.removeEntry(fileName(file.path));
      throw new ModelStoreError(
        'CHECKSUM_MISMATCH',
        `${file.path} does not match the SHA-256 its source published (expected ${file.sha256.slice(0, 12)}…, ` +
          `got ${actual.slice(0, 12)}…): the file is damaged or was changed. It was deleted; download the model again.`,
      );
    }
  }

  /** A failure while copying `file`, in words that say what happened and what to do. */
  private explain(error: unknown, file: StoredFile, stored: number): Error {
    if (error instanceof ModelStoreError) return error;
    if (error instanceof DOMException && error.name === 'AbortError') {
      return new ModelStoreError(
        'DOWNLOAD_CANCELLED',
        `Download cancelled at ${formatBytes(stored)} of ${file.path}; it can be resumed or deleted`,
      );
    }
    if (isQuotaError(error)) {
      return new ModelStoreError(
        'NOT_ENOUGH_STORAGE',
        `The browser's storage is full: ${file.path} stopped at ${formatBytes(stored)}. ` +
          'Delete cached models or documents, then resume.',
      );
    }
    const of = file.size !== undefined ? ` of ${formatBytes(file.size)}` : '';
    return new ModelStoreError(
      'DOWNLOAD_INTERRUPTED',
      `The download of ${file.path} stopped at ${formatBytes(stored)}${of} (${String(error)}). ` +
        'Resume to go on from there.',
    );
  }

  /** Refuses to start a download that the origin's quota cannot hold. */
  private async checkSpace(model: StoredModel): Promise<void> {
    const needed = model.files.reduce((sum, f) => sum + Math.max(0, (f.size ?? 0) - f.stored), 0);
    const { quota, usage } = await navigator.storage.estimate();
    if (quota === undefined || usage === undefined) return;
    const free = Math.max(0, quota - usage);
    if (needed > free) {
      throw new ModelStoreError(
        'NOT_ENOUGH_STORAGE',
        `${model.name} (${model.dtype}) needs ${formatBytes(needed)} more, but only ${formatBytes(free)} of this ` +
          `browser's storage is free (${formatBytes(usage)} used of ${formatBytes(quota)}). ` +
          'Delete cached models or documents, or free disk space, then try again.',
      );
    }
  }

  private async writeManifest(
    folder: FileSystemDirectoryHandle,
    manifest: Omit<StoredModel, 'complete' | 'stored' | 'total'>,
  ): Promise<void> {
    // createWritable writes a swap file and swaps it in on close: the manifest is never half written.
    const writable = await (await folder.getFileHandle(MANIFEST, { create: true })).createWritable();
    await writable.write(JSON.stringify(manifest));
    await writable.close();
  }

  private async folder(key: string, create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    try {
      return await this.root.getDirectoryHandle(key, { create });
    } catch {
      return undefined;
    }
  }

  /** One download of a model at a time, across tabs (sync access handles are exclusive anyway). */
  private async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    return navigator.locks.request(`self-retrieval-model:${key}`, { ifAvailable: true }, async (lock) => {
      if (!lock) {
        throw new ModelStoreError('DOWNLOAD_BUSY', `${key} is being downloaded in another tab`);
      }
      return work();
    });
  }
}
