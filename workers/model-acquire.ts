// How the widget gets its model in a browser: a complete copy in this origin's model cache (OPFS) that the chosen
// device can run — a second visit loads it without the network — or else a download of it into the cache (from a
// folder URL, or from the hub for a registry id), with its progress reported.
import { planFromHub, planFromUrl, type DownloadPlan } from '../src/engines/model-sources';
import type { ModelStore, StoredModel } from '../src/engines/model-store';
import { registryModel } from '../src/engines/models';
import { storedModelId } from '../src/engines/transformers/store-id';
import { dtypePicker, type DeviceChoice } from './device';
import type { WidgetModelSource, WidgetModelState } from './widget-protocol';
import { WidgetError, type AcquiredModel } from './widget-service';

async function cachedModel(
  store: ModelStore,
  source: WidgetModelSource,
  choice: DeviceChoice,
): Promise<StoredModel | undefined> {
  const runnable = (m: StoredModel) => {
    try {
      dtypePicker(choice)([m.dtype]);
      return true;
    } catch {
      return false;
    }
  };
  const origin = source.kind === 'url' ? source.url.replace(/\/+$/, '') : undefined;
  return (await store.list()).find(
    (m) =>
      m.complete &&
      runnable(m) &&
      (source.kind === 'url' ? m.origin === origin && m.registryId === undefined : m.registryId === source.id),
  );
}

async function plan(source: WidgetModelSource, choice: DeviceChoice): Promise<DownloadPlan> {
  if (source.kind === 'url') return planFromUrl(source.url, undefined, dtypePicker(choice));
  const registered = registryModel(source.id);
  if (!registered) throw new WidgetError('UNKNOWN_MODEL', `No model "${source.id}" in the registry.`);
  return planFromHub(registered, dtypePicker(choice));
}

/** The widget's `acquireModel` over a model cache. */
export function acquireFrom(modelStore: Promise<ModelStore>) {
  return async (
    source: WidgetModelSource,
    choice: DeviceChoice,
    report: (state: WidgetModelState) => void,
  ): Promise<AcquiredModel> => {
    const store = await modelStore;
    let stored = await cachedModel(store, source, choice);
    const fromCache = stored !== undefined;
    if (!stored) {
      const downloadPlan = await plan(source, choice);
      report({ phase: 'downloading', name: downloadPlan.name, loaded: 0, total: null });
      // The store holds the model's Web Lock while it writes: another tab downloading it gets DOWNLOAD_BUSY.
      stored = await store.download(downloadPlan, {
        onProgress: (p) => report({ phase: 'downloading', name: downloadPlan.name, loaded: p.loaded, total: p.total }),
      });
    }
    return {
      modelId: storedModelId(stored.key),
      name: stored.name,
      card: stored.card,
      dtype: dtypePicker(choice)([stored.dtype]),
      fromCache,
    };
  };
}
