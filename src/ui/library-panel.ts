// The library panel: getting the user's files in (drop, file and folder inputs, a kept folder handle), showing
// internalization progress with cancel, the documents with their status, storage use, keyword search, bundle
// export/import and the index check. A thin view: the ingest worker does every parse, tokenize and write.
import type {
  DocumentRecord,
  FileToAdd,
  IngestProgress,
  LibraryEvent,
  LibraryView,
} from '../../workers/library-protocol';
import { reportActivity } from './activity';
import { element, formatBytes, formatDuration, h } from './dom';
import { describeError, errorLine, helpFor } from './error-help';
import {
  canPickDirectory,
  ensureReadPermission,
  filesFromDataTransfer,
  filesFromDirectoryHandle,
  filesFromInput,
  pickDirectory,
  type Picked,
} from './file-input';
import { startLibraryWorker } from './library-client';

/** The share of the site's quota past which storage is "nearly full": warned of in the header, from every view. */
const NEARLY_FULL = 0.9;

const STATUS_LABEL: Record<DocumentRecord['status'], string> = {
  indexed: 'Indexed',
  failed: 'Failed',
  skipped: 'Skipped',
  duplicate: 'Duplicate',
};

export interface LibraryPanelOptions {
  /** Each new view of the library (the training panel recounts what the internalized model holds). */
  readonly onChange?: (view: LibraryView) => void;
  /** Files are dragged over the page, in whichever view: the page shows the Library view, which takes them. */
  readonly onFilesDragged?: () => void;
}

/** Mounts the panel. The returned function (re)opens the library for a model: the tokenizer choice the model worker
 * uses, so a new model re-keys the library (with progress) before self mode is offered over it. */
export function mountLibraryPanel({ onChange, onFilesDragged }: LibraryPanelOptions = {}): (
  modelId: string,
) => Promise<void> {
  const worker = startLibraryWorker();
  const status = element<HTMLParagraphElement>('library-status');
  const progressBox = element<HTMLDivElement>('ingest-progress');
  const progressBar = progressBox.querySelector('progress')!;
  const progressText = element<HTMLSpanElement>('ingest-progress-text');
  const cancelButton = element<HTMLButtonElement>('cancel-ingest');
  const documentsBody = element<HTMLTableSectionElement>('documents-body');
  const summary = element<HTMLParagraphElement>('library-summary');
  const foldersList = element<HTMLUListElement>('folders');
  let persistAsked = false;

  const say = (text: string, state: 'ok' | 'error' | 'busy' = 'ok', code?: string) => {
    status.dataset['state'] = state;
    if (code) status.dataset['code'] = code;
    else delete status.dataset['code'];
    status.textContent = text;
  };
  const fail = (error: unknown) => {
    const info = describeError(error);
    say(errorLine(info), 'error', info.code);
  };

  function showProgress(p: IngestProgress, otherTab: boolean): void {
    const active = p.phase === 'ingesting' || p.phase === 'rekeying' || p.phase === 'saving';
    progressBox.hidden = !active;
    progressBox.dataset['phase'] = p.phase;
    progressBox.dataset['otherTab'] = String(otherTab);
    cancelButton.hidden = otherTab;
    progressBar.max = Math.max(p.bytesTotal, 1);
    progressBar.value = p.bytesDone;
    const what =
      p.phase === 'rekeying'
        ? `Re-keying for the new model: ${p.filesDone} of ${p.filesTotal} passages`
        : `${p.filesDone} of ${p.filesTotal} files · ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)} · ` +
          `${p.passagesAdded.toLocaleString('en')} passages`;
    const eta = p.etaMs !== undefined && p.filesDone > 0 ? ` · about ${formatDuration(p.etaMs)} left` : '';
    progressText.textContent = `${otherTab ? 'Another tab is internalizing: ' : ''}${what}${eta}`;
    reportActivity(
      'ingest',
      active
        ? {
            text: `${p.phase === 'rekeying' ? 'Re-keying' : 'Adding documents'}: ${what}${eta}`,
            view: 'library',
            progress: { value: p.bytesDone, max: p.bytesTotal },
          }
        : null,
    );
    if (p.phase === 'cancelled' || p.phase === 'done') {
      say(p.message ?? `Internalized ${p.filesDone} files (${p.passagesAdded.toLocaleString('en')} new passages).`);
    }
  }

  function documentRow(doc: DocumentRecord): HTMLTableRowElement {
    const remove = h('button', { type: 'button', textContent: 'Remove', title: `Remove ${doc.path}` });
    remove.addEventListener('click', () => void run(() => worker.remove([doc.path])));
    const detail = doc.error
      ? errorLine({ ...doc.error, help: helpFor(doc.error.code) })
      : doc.duplicateOf
        ? `same content as ${doc.duplicateOf}`
        : (doc.title ?? '');
    return h(
      'tr',
      { dataset: { path: doc.path, status: doc.status, ...(doc.error ? { code: doc.error.code } : {}) } },
      h('td', { textContent: doc.path }),
      h('td', { textContent: STATUS_LABEL[doc.status] }),
      h('td', { textContent: formatBytes(doc.size) }),
      h('td', { textContent: String(doc.passages) }),
      h('td', { textContent: detail }),
      h('td', {}, remove),
    );
  }

  /** Shows a view of the library. The storage estimate and the kept folders follow on their own: they are extras
   * that must never hold the panel back (the estimate can take long on a big profile just after a crash). */
  function render(view: LibraryView): void {
    onChange?.(view);
    const documents = view.documents;
    summary.dataset['passages'] = String(view.passages);
    summary.dataset['documents'] = String(documents.length);
    summary.dataset['queued'] = String(view.queued);
    summary.dataset['generation'] = String(view.generation);
    const problems = documents.filter((d) => d.status === 'failed' || d.status === 'skipped').length;
    summary.textContent =
      documents.length === 0
        ? 'No documents yet: drop files or a folder here.'
        : `${view.indexedDocuments} documents, ${view.passages.toLocaleString('en')} passages` +
          (problems ? ` · ${problems} not internalized (see below)` : '') +
          (view.queued ? ` · ${view.queued} waiting` : '');
    documentsBody.replaceChildren(...documents.map(documentRow));
    // An empty library shows its drop zone and the line above, not an empty table.
    element('your-library').dataset['empty'] = String(documents.length === 0);
    void showStorage().catch(() => undefined);
    void showFolders().catch(() => undefined);
  }

  async function showStorage(): Promise<void> {
    const el = element<HTMLParagraphElement>('storage');
    if (!navigator.storage?.estimate) return;
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    const persisted = navigator.storage.persisted ? await navigator.storage.persisted() : false;
    const nearlyFull = quota > 0 && usage / quota >= NEARLY_FULL;
    el.dataset['state'] = nearlyFull ? 'warning' : 'ok';
    el.textContent =
      `Storage: ${formatBytes(usage)} used of ${formatBytes(quota)} available to this site` +
      (persisted ? ' (kept: the browser will not evict it)' : ' (the browser may evict it when space runs low)') +
      (nearlyFull ? '. Nearly full: remove documents or models you no longer need before adding more.' : '');
    reportActivity(
      'storage',
      nearlyFull
        ? {
            text: `Storage nearly full: ${formatBytes(usage)} of ${formatBytes(quota)} used. Remove documents or models to add more.`,
            view: 'library',
            state: 'warning',
          }
        : null,
    );
  }

  async function showFolders(): Promise<void> {
    const folders = await worker.folders();
    foldersList.replaceChildren(
      ...folders.map((folder) => {
        const button = h('button', { type: 'button', textContent: `Re-scan “${folder.name}”` });
        button.addEventListener(
          'click',
          () => void rescanHandle(folder.name, folder.handle as FileSystemDirectoryHandle),
        );
        return h('li', {}, button);
      }),
    );
  }

  /** Every write goes through here: errors are shown with their code, the panel re-rendered either way. */
  async function run(action: () => Promise<LibraryView | void>): Promise<void> {
    try {
      const view = await action();
      if (view) render(view);
    } catch (error) {
      fail(error);
      await worker.view().then(render, () => undefined);
    }
  }

  async function add(picked: Picked): Promise<void> {
    if (!persistAsked && navigator.storage?.persist) {
      persistAsked = true;
      void navigator.storage.persist();
    }
    const skipped = picked.skipped.length ? ` (${picked.skipped.length} hidden or system files left out)` : '';
    if (picked.files.length === 0) {
      say(`Nothing to add${skipped}.`);
      return;
    }
    say(`Adding ${picked.files.length} files${skipped}…`, 'busy');
    const files: FileToAdd[] = picked.files.map((f) => ({ path: f.path, file: f.file }));
    await run(() => worker.add(files));
  }

  async function rescanHandle(name: string, handle: FileSystemDirectoryHandle): Promise<void> {
    if (!(await ensureReadPermission(handle))) {
      say(`Permission to read “${name}” was not granted.`, 'error');
      return;
    }
    const picked = await filesFromDirectoryHandle(handle);
    await run(() => worker.rescan(name, picked.files));
  }

  function onEvent(event: LibraryEvent): void {
    if (event.type === 'progress') showProgress(event.progress, event.otherTab);
    else if (event.type === 'changed') render(event.view);
    else say(event.message, 'error', event.code);
  }

  // Getting files in: dropped anywhere on the page (the drop zone lights up, in the Library view the drag brings
  // forward), or picked with the inputs below.
  const dropZone = element<HTMLDivElement>('drop-zone');
  const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
  document.addEventListener('dragover', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (dropZone.classList.contains('dragging')) return;
    dropZone.classList.add('dragging');
    onFilesDragged?.();
  });
  // Left the window (no element to go to), or let go elsewhere: the zone goes back to rest.
  document.addEventListener('dragleave', (event) => {
    if (event.relatedTarget === null) dropZone.classList.remove('dragging');
  });
  document.addEventListener('dragend', () => dropZone.classList.remove('dragging'));
  document.addEventListener('drop', (event) => {
    if (!carriesFiles(event) || !event.dataTransfer) return;
    event.preventDefault();
    dropZone.classList.remove('dragging');
    onFilesDragged?.();
    // Called synchronously: the drop's items are only readable until the handler's first await.
    void filesFromDataTransfer(event.dataTransfer).then(add, fail);
  });
  for (const id of ['add-files', 'add-folder']) {
    const input = element<HTMLInputElement>(id);
    input.addEventListener('change', () => {
      const picked = filesFromInput(input);
      input.value = '';
      void add(picked);
    });
  }
  const rescanInput = element<HTMLInputElement>('rescan-folder');
  rescanInput.addEventListener('change', () => {
    const picked = filesFromInput(rescanInput);
    rescanInput.value = '';
    const root = picked.files[0]?.path.split('/')[0];
    if (root) void run(() => worker.rescan(root, picked.files));
  });
  const pickButton = element<HTMLButtonElement>('pick-folder');
  pickButton.hidden = !canPickDirectory();
  pickButton.addEventListener('click', () => {
    void (async () => {
      const handle = await pickDirectory();
      if (!handle) return;
      await worker.saveFolder(handle.name, handle);
      await add(await filesFromDirectoryHandle(handle));
    })().catch(fail);
  });
  cancelButton.addEventListener('click', () => void worker.cancel());

  // Bundles and checks.
  element<HTMLButtonElement>('export-bundle').addEventListener('click', () => {
    void (async () => {
      const bytes = await worker.exportBundle();
      const url = URL.createObjectURL(
        new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
      );
      const link = h('a', { href: url, download: `library-${new Date().toISOString().slice(0, 10)}.srbundle` });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      say(`Exported ${formatBytes(bytes.byteLength)}.`);
    })().catch(fail);
  });
  const importInput = element<HTMLInputElement>('import-bundle');
  importInput.addEventListener('change', () => {
    const file = importInput.files?.[0];
    importInput.value = '';
    if (!file) return;
    say(`Importing ${file.name}…`, 'busy');
    void run(async () => {
      const view = await worker.importBundle(file);
      say(`Imported ${file.name}: ${view.documents.length} documents, ${view.passages} passages.`);
      return view;
    });
  });
  const checkResult = element<HTMLParagraphElement>('check-result');
  element<HTMLButtonElement>('check-index').addEventListener('click', () => {
    void worker.check().then((report) => {
      checkResult.dataset['ok'] = String(report.ok);
      checkResult.dataset['stored'] = String(report.storedPassages);
      checkResult.dataset['indexed'] = String(report.indexedPassages);
      checkResult.dataset['fingerprint'] = report.fingerprint;
      checkResult.textContent = report.ok
        ? `All ${report.storedPassages.toLocaleString('en')} stored passages are reachable in the corpus index.`
        : `Inconsistent: ${report.notIndexed.length} stored passages not indexed, ${report.notStored.length} ` +
          `indexed entries not stored.`;
    }, fail);
  });

  // Keyword search (BM25), until the model's own retrieval covers the library.
  const searchForm = element<HTMLFormElement>('keyword-search');
  const searchInput = element<HTMLInputElement>('keyword-query');
  const results = element<HTMLOListElement>('keyword-results');
  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void worker.search(searchInput.value, 10).then((hits) => {
      results.dataset['count'] = String(hits.length);
      results.replaceChildren(
        ...hits.map(({ passage }) =>
          h(
            'li',
            { dataset: { id: passage.id } },
            h('strong', { textContent: passage.title }),
            h('span', {
              className: 'path',
              textContent: ` — ${passage.documentPath}${passage.page ? `, page ${passage.page}` : ''}`,
            }),
            h('p', { textContent: passage.text }),
          ),
        ),
      );
    }, fail);
  });

  let openedFor: string | undefined;
  return async (modelId) => {
    if (openedFor === modelId) return;
    openedFor = modelId;
    const panel = element('your-library');
    panel.dataset['state'] = 'opening';
    say('Opening your library…', 'busy');
    try {
      const view = await worker.open(modelId, onEvent);
      say(view.queued ? 'Resuming where the last visit stopped…' : 'Library ready.');
      render(view);
      panel.dataset['state'] = 'ready';
      panel.dataset['modelId'] = view.modelId;
      // Files left queued by the last visit (a closed tab or a crash mid-ingest): the run goes on from them.
      panel.dataset['queuedAtOpen'] = String(view.queued);
    } catch (error) {
      // Shown with its code; the next model load, or a reload of the page, tries again.
      openedFor = undefined;
      panel.dataset['state'] = 'error';
      fail(error);
    }
  };
}
