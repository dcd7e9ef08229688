// The app's model service: a Comlink façade over one engine session (engine-session.ts) with the app's two
// libraries — the demo, a sharded bundle the CLI builds at build time and this worker reads lazily as the widget
// does, and the user's own library, followed live — plus the model cache (download, list, delete) and the page's
// lock that tells it when the worker died. Served on any endpoint (workers/protocol.ts is its API): `model.worker.ts`
// serves it on the worker's scope; Node tests serve it on one end of a MessageChannel, with the same code.
import * as Comlink from 'comlink';
import { CodedError } from '../src/core/errors';
import type { ModelCard } from '../src/core/model-card';
import type { ShardedBundle } from '../src/core/sharded-bundle';
import { planFromFolder, planFromHub, planFromUrl, type DownloadPlan } from '../src/engines/model-sources';
import type { DownloadProgress, ModelStore } from '../src/engines/model-store';
import { MODELS, registryModel } from '../src/engines/models';
import { storedModelId } from '../src/engines/transformers/store-id';
import type { LibraryDb } from '../src/store/schema';
import { dtypePicker, type DeviceChoice, type DeviceRequest } from './device';
import { EngineSession, type LoadSpec } from './engine-session';
import type {
  LibrarySummary,
  LoadRequest,
  ModelStatus,
  ModelWorkerApi,
  ModelWorkerErrorCode,
  SearchProgress,
} from './protocol';
import { shardedCorpus, type ShardedCorpus } from './sharded-corpus';
import { userLibraryCorpus } from './user-library';

class ModelWorkerError extends CodedError<ModelWorkerErrorCode> {}

export interface ModelServiceOptions {
  /** WebGPU or wasm in a browser (workers/device.ts); the CPU in Node. */
  readonly chooseDevice: (request: DeviceRequest) => Promise<DeviceChoice>;
  /** The demo library: a sharded bundle (its manifest read, the rest on demand), and a few example queries. */
  readonly demo: {
    readonly name: string;
    readonly open: () => Promise<ShardedBundle>;
    readonly exampleQueries: () => Promise<readonly string[]>;
  };
  /** The card of a model served with the app. */
  readonly builtinCard: (id: string) => Promise<ModelCard>;
  /** The model cache (OPFS in a browser). */
  readonly modelStore: Promise<ModelStore>;
  /** Opens the user's library read-only; `onVersionChange` is called when another tab upgrades it. */
  readonly openDb: (onVersionChange: () => void) => Promise<LibraryDb>;
  /** The Web Locks API (`navigator.locks` in a browser). */
  readonly locks: Pick<LockManager, 'request'>;
  /** navigator.storage.estimate() of this origin. */
  readonly storageEstimate: () => Promise<StorageEstimate>;
  /** The runtime cannot go on: the worker ends, after the page heard why, and the page starts a fresh one. */
  readonly exit: () => void;
  /** The library's BroadcastChannel name (default LIBRARY_CHANNEL). */
  readonly channel?: string;
}

/** Serves the model API on `endpoint`; `close()` stops following the library (the endpoint stays open). */
export function serveModel(endpoint: Comlink.Endpoint, options: ModelServiceOptions): { close(): void } {
  let onFatal: ((reason: string) => void) | undefined;
  const session = new EngineSession({
    chooseDevice: options.chooseDevice,
    onFatal(reason) {
      onFatal?.(reason);
      setTimeout(options.exit, 0);
    },
  });
  const userLibrary = userLibraryCorpus({
    openDb: options.openDb,
    ...(options.channel ? { channel: options.channel } : {}),
  });
  session.addSource('demo', async () => shardedCorpus(await options.demo.open()));
  session.addSource('mine', () => Promise.resolve(userLibrary));
  const demo = () => session.source('demo') as Promise<ShardedCorpus>;
  /** Downloads in progress by store key, so deleting a model stops its download first. */
  const downloads = new Map<string, AbortController>();

  /** The transformers.js id, the card and the weight format of a model to load. */
  function loadSpec(request: LoadRequest): LoadSpec {
    return {
      device: request.device,
      async resolve(choice) {
        if (request.model.kind === 'builtin') {
          const modelId = request.model.id;
          if (!registryModel(modelId)?.builtin) {
            throw new ModelWorkerError('UNKNOWN_MODEL', `no built-in model "${modelId}"`);
          }
          const card = await options.builtinCard(modelId);
          return { modelId, card, dtype: dtypePicker(choice)(card.dtypes ?? [card.dtype]) };
        }
        const stored = await (await options.modelStore).get(request.model.key);
        if (!stored?.complete) {
          throw new ModelWorkerError(
            'UNKNOWN_MODEL',
            stored
              ? `${stored.name} is not completely downloaded: resume its download first`
              : 'this model is not cached',
          );
        }
        // Downloaded for one device, it may be loaded on another: only if that one can run its weights.
        return { modelId: storedModelId(stored.key), card: stored.card, dtype: dtypePicker(choice)([stored.dtype]) };
      },
      loadFailed: (card, device, error) =>
        new ModelWorkerError(
          'MODEL_LOAD_FAILED',
          `${card.name} could not be loaded on ${device === 'webgpu' ? 'WebGPU' : 'WebAssembly'}: ` +
            `${error instanceof Error ? error.message : String(error)}. If a file of it is damaged, delete the model ` +
            'and download it again.',
        ),
    };
  }

  const api: ModelWorkerApi = {
    hold(lockName, fatal) {
      onFatal = fatal;
      return new Promise((resolve) => {
        void options.locks.request(lockName, () => {
          resolve();
          return new Promise<never>(() => undefined); // held until the worker ends
        });
      });
    },

    async load(request: LoadRequest): Promise<ModelStatus> {
      // The demo is opened first, so the load keys it (once, and not at all when the bundle has this model's keys).
      const { bundle } = await demo();
      const { card, ...status } = await session.load(loadSpec(request));
      return {
        ...status,
        model: request.model,
        modelName: card.name,
        parameters: card.parameters,
        answers: card.capabilities.answers,
        passages: bundle.manifest.passages,
      };
    },

    async models() {
      const [stored, estimate] = await Promise.all([
        (await options.modelStore).list(),
        options.storageEstimate().catch((): StorageEstimate => ({})),
      ]);
      return { registry: MODELS, stored, usage: estimate.usage ?? null, quota: estimate.quota ?? null };
    },

    download({ id, source, device }, onProgress) {
      return session.cancellable(
        id,
        async (signal) => {
          const cache = await options.modelStore;
          const progress = {
            signal,
            ...(onProgress ? { onProgress: (p: DownloadProgress) => void onProgress(p) } : {}),
          };
          const tracked = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
            const controller = session.controllerOf(id)!;
            downloads.set(key, controller);
            try {
              return await work();
            } finally {
              if (downloads.get(key) === controller) downloads.delete(key);
            }
          };
          if (source.kind === 'resume') return tracked(source.key, () => cache.resume(source.key, progress));
          const pick = dtypePicker(await options.chooseDevice(device));
          let plan: DownloadPlan;
          if (source.kind === 'folder') {
            plan = await planFromFolder(source.files, pick);
          } else {
            const model = source.registryId !== undefined ? registryModel(source.registryId) : undefined;
            if (source.registryId !== undefined && !model) {
              throw new ModelWorkerError('UNKNOWN_MODEL', `no model "${source.registryId}" in the registry`);
            }
            plan =
              source.kind === 'hub'
                ? await planFromHub(model!, pick, source.host ? { host: source.host } : {})
                : await planFromUrl(source.url, model, pick);
          }
          signal.throwIfAborted();
          return tracked(plan.key, () => cache.download(plan, progress));
        },
        'download',
      );
    },

    async deleteModel(key) {
      const cache = await options.modelStore;
      // A download of it holds its files open: stop it and wait for it to let go.
      downloads.get(key)?.abort();
      await options.locks.request(`self-retrieval-model:${key}`, () => cache.remove(key));
    },

    async describeDemoLibrary(): Promise<LibrarySummary> {
      const [{ bundle }, exampleQueries] = await Promise.all([demo(), options.demo.exampleQueries()]);
      return { name: options.demo.name, passages: bundle.manifest.passages, exampleQueries };
    },

    documentText: (library, path) => session.documentText(library, path),

    search(request, onProgress?: (progress: SearchProgress) => void) {
      return session.search(
        { ...request, library: request.library ?? 'demo', waitForModel: true },
        onProgress && ((progress) => void onProgress(progress)),
      );
    },

    cancel(id: string): void {
      session.cancel(id);
    },

    engineStats() {
      return Promise.resolve(session.stats());
    },
  };

  Comlink.expose(api, endpoint);
  return { close: () => userLibrary.close() };
}
