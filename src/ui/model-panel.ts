// The model panel: choose a model from the registry and download it from the hub or a mirror, or load a model folder
// from disk; follow the download (per file and in total), cancel, resume, delete; see which models this browser
// keeps and how much storage they use. Every byte moves in the model worker; this is a view.
import { proxy } from 'comlink';
import type { Dtype } from '../core/model-card';
import type {
  DeviceRequest,
  DownloadProgress,
  DownloadSource,
  ModelCatalog,
  ModelRef,
  ModelWorkerApi,
  RegistryModel,
  StoredModel,
} from '../../workers/protocol';
import { reportActivity } from './activity';
import { element, formatBytes, h } from './dom';
import { describeError, errorLine } from './error-help';

export interface ModelPanelOptions {
  readonly worker: ModelWorkerApi;
  /** The device the user asked for: weights are chosen for it. */
  readonly device: () => DeviceRequest;
  /** Loads a model (the page shows its status). */
  readonly load: (model: ModelRef, name: string) => Promise<void>;
  /** The hub to download from (a test or an enterprise proxy may set another). */
  readonly hubHost?: string;
}

function sizes(model: RegistryModel): string {
  return (Object.entries(model.sizes) as [Dtype, number][])
    .map(([dtype, bytes]) => `${dtype} ${formatBytes(bytes)}`)
    .join(' · ');
}

export interface ModelPanel {
  /** Re-reads the cached models (after a load, a restart). */
  refresh(): Promise<void>;
}

export function mountModelPanel(options: ModelPanelOptions): ModelPanel {
  const { worker } = options;
  const form = element<HTMLFormElement>('model-download');
  const choice = element<HTMLSelectElement>('model-choice');
  const info = element<HTMLParagraphElement>('model-info');
  const mirror = element<HTMLInputElement>('mirror-url');
  const folderInput = element<HTMLInputElement>('model-folder');
  const progressBox = element<HTMLDivElement>('model-progress');
  const progressBar = progressBox.querySelector('progress')!;
  const progressText = element<HTMLSpanElement>('model-progress-text');
  const cancelButton = element<HTMLButtonElement>('cancel-download');
  const errorEl = element<HTMLParagraphElement>('model-error');
  const list = element<HTMLUListElement>('model-list');
  const storageEl = element<HTMLParagraphElement>('model-storage');
  let catalog: ModelCatalog | undefined;
  let downloading: string | undefined;
  let counter = 0;

  const showError = (error: unknown) => {
    errorEl.hidden = false;
    const info = describeError(error);
    errorEl.dataset['code'] = info.code;
    errorEl.textContent = `${errorLine(info)} Searches keep working with keywords (BM25).`;
  };
  const clearError = () => {
    errorEl.hidden = true;
    delete errorEl.dataset['code'];
    errorEl.textContent = '';
  };

  function showInfo(): void {
    const model = catalog?.registry.find((m) => m.id === choice.value);
    if (!model) return;
    info.textContent =
      `${model.description} ${(model.parameters / 1e6).toFixed(0)}M parameters; licence ${model.licence}; ` +
      `${model.profile === 'chat' ? 'zero-shot (chat prompts)' : 'trained for self-retrieval'}. Download size: ${sizes(model)}.`;
  }

  function progress(p: DownloadProgress): void {
    progressBox.hidden = false;
    progressBox.dataset['phase'] = p.phase;
    progressBox.dataset['loaded'] = String(p.loaded);
    if (p.total) {
      progressBar.max = p.total;
      progressBar.value = p.loaded;
    } else {
      progressBar.removeAttribute('value');
    }
    const file =
      p.phase === 'done'
        ? 'done'
        : `${p.phase === 'verifying' ? 'checking' : 'file'} ${p.fileIndex + 1} of ${p.files}: ${p.file} ` +
          `${formatBytes(p.fileLoaded)}${p.fileTotal ? ` of ${formatBytes(p.fileTotal)}` : ''}`;
    progressText.textContent = `${formatBytes(p.loaded)}${p.total ? ` of ${formatBytes(p.total)} (${Math.floor((100 * p.loaded) / p.total)}%)` : ''} — ${file}`;
    reportActivity(
      'download',
      p.phase === 'done'
        ? null
        : {
            text: `Downloading a model: ${progressText.textContent}`,
            view: 'model',
            ...(p.total ? { progress: { value: p.loaded, max: p.total } } : {}),
          },
    );
  }

  async function download(source: DownloadSource): Promise<void> {
    if (downloading) return;
    clearError();
    const id = `download-${++counter}`;
    downloading = id;
    progressBox.hidden = false;
    progressBox.dataset['state'] = 'running';
    progressText.textContent = 'Asking the source for the file list…';
    // Hundreds of megabytes should not be evicted under storage pressure: ask for persistent storage.
    void navigator.storage?.persist?.().catch(() => false);
    try {
      const stored = await worker.download({ id, source, device: options.device() }, proxy(progress));
      progressBox.dataset['state'] = 'done';
      await refresh();
      await options.load({ kind: 'stored', key: stored.key }, stored.name);
    } catch (error) {
      // The error says what happened (and what was kept); the bar would only repeat its last step.
      progressBox.dataset['state'] = 'failed';
      progressBox.hidden = true;
      showError(error);
      await refresh();
    } finally {
      downloading = undefined;
      reportActivity('download', null);
    }
  }

  function row(model: StoredModel): HTMLLIElement {
    const state = model.complete ? 'complete' : 'partial';
    const size =
      model.complete || model.total === null
        ? formatBytes(model.stored)
        : `${formatBytes(model.stored)} of ${formatBytes(model.total)}`;
    const load = h('button', { type: 'button', textContent: 'Load', dataset: { action: 'load' } });
    load.addEventListener('click', () => void options.load({ kind: 'stored', key: model.key }, model.name));
    const resume = h('button', { type: 'button', textContent: 'Resume download', dataset: { action: 'resume' } });
    resume.addEventListener('click', () => void download({ kind: 'resume', key: model.key }));
    const remove = h('button', { type: 'button', textContent: 'Delete', dataset: { action: 'delete' } });
    remove.addEventListener('click', () => {
      clearError();
      void worker.deleteModel(model.key).then(refresh, showError);
    });
    return h(
      'li',
      { dataset: { key: model.key, state } },
      h('strong', {}, model.name),
      ` (${model.dtype}) — ${size}${model.complete ? '' : ', incomplete'} — from ${model.origin} `,
      model.complete ? load : resume,
      remove,
    );
  }

  async function refresh(): Promise<void> {
    catalog = await worker.models();
    if (choice.options.length === 0) {
      for (const model of catalog.registry.filter((m) => m.repo)) {
        choice.append(h('option', { value: model.id, textContent: model.name }));
      }
      showInfo();
    }
    const builtin = catalog.registry
      .filter((m) => m.builtin)
      .map((m) => {
        const load = h('button', { type: 'button', textContent: 'Load', dataset: { action: 'load' } });
        load.addEventListener('click', () => void options.load({ kind: 'builtin', id: m.id }, m.name));
        return h(
          'li',
          { dataset: { builtin: m.id, state: 'complete' } },
          h('strong', {}, m.name),
          ' — served with this app ',
          load,
        );
      });
    list.replaceChildren(...builtin, ...catalog.stored.map(row));
    const used = catalog.stored.reduce((sum, m) => sum + m.stored, 0);
    storageEl.textContent =
      `Models use ${formatBytes(used)}` +
      (catalog.quota !== null && catalog.usage !== null
        ? ` — this site uses ${formatBytes(catalog.usage)} of ${formatBytes(catalog.quota)} available.`
        : '.');
  }

  choice.addEventListener('change', showInfo);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const via = (form.elements.namedItem('model-source') as RadioNodeList).value;
    void download(
      via === 'url'
        ? { kind: 'url', url: mirror.value.trim(), registryId: choice.value }
        : { kind: 'hub', registryId: choice.value, ...(options.hubHost ? { host: options.hubHost } : {}) },
    );
  });
  cancelButton.addEventListener('click', () => {
    if (downloading) void worker.cancel(downloading);
  });
  folderInput.addEventListener('change', () => {
    const files = Array.from(folderInput.files ?? [], (file) => ({ path: file.webkitRelativePath || file.name, file }));
    folderInput.value = '';
    if (files.length > 0) void download({ kind: 'folder', files });
  });
  void refresh().catch(showError);
  return { refresh };
}
