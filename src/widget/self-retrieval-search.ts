// <self-retrieval-search>: the embeddable search widget, and the entry of `dist/widget.js`. A trigger button opens a
// modal dialog holding a WAI-ARIA combobox (input + listbox of passages + a polite live region); choosing a passage
// fires `sr-select` and, unless the host prevents it, shows the passage in its document. This shell is small and
// loads nothing until first opened: then it imports the engine client (./engine-client.ts), which starts the
// worker. Everything lives in an open shadow root; document text is untrusted and only ever becomes text nodes.
import type { Passage } from '../core/passage';
import type { RankedHit } from '../core/ranked-hit';
import type { PassageScores, RetrievalMode } from '../core/self-retriever';
import { highlightQuery } from '../dom/highlight';
import type {
  WidgetFallback,
  WidgetModelSource,
  WidgetModelState,
  WidgetSearchResponse,
} from '../../workers/widget-protocol';
import type { WidgetEngine } from './engine-client';
import {
  ariaShortcut,
  DEFAULT_SHORTCUT,
  matchesShortcut,
  parseShortcut,
  shortcutLabel,
  type Shortcut,
} from './shortcut';
import { WIDGET_CSS } from './styles';

/** The `sr-select` event's detail: the query and the chosen passage with its scores. */
export interface SelectDetail {
  readonly query: string;
  readonly passage: Passage;
  readonly scores: PassageScores;
}

/** The engine's state, on the dialog's `data-engine` (tests and hosts' CSS may read it). */
export type EngineState = 'idle' | 'loading' | 'ready' | 'error';

/** Typing pauses this long before a search starts: fewer wasted searches, each cancelled by the next. */
const SEARCH_DELAY_MS = 250;
const MODES: readonly RetrievalMode[] = ['hybrid', 'self', 'lexical'];
const DEFAULT_PLACEHOLDER = 'Search';
const SVG = 'http://www.w3.org/2000/svg';

type Attributes = Record<string, string>;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** An icon from SVG shapes, built as elements (never markup). */
function icon(shapes: readonly [string, Attributes][]): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [name, value] of Object.entries({
    viewBox: '0 0 24 24',
    width: '18',
    height: '18',
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': '2',
    'stroke-linecap': 'round',
    'aria-hidden': 'true',
    focusable: 'false',
  })) {
    svg.setAttribute(name, value);
  }
  for (const [tag, attributes] of shapes) {
    const shape = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) shape.setAttribute(name, value);
    svg.append(shape);
  }
  return svg;
}

const searchIcon = () =>
  icon([
    ['circle', { cx: '11', cy: '11', r: '7' }],
    ['line', { x1: '16.5', y1: '16.5', x2: '21', y2: '21' }],
  ]);
const closeIcon = () =>
  icon([
    ['line', { x1: '6', y1: '6', x2: '18', y2: '18' }],
    ['line', { x1: '18', y1: '6', x2: '6', y2: '18' }],
  ]);

/** The model attribute as a source: a registry id ("smollm2-135m-instruct"), else a folder URL resolved against
 * the page ("/models/mine/", "https://cdn.example/models/mine/"). */
function modelSource(value: string | null): WidgetModelSource | undefined {
  const spec = value?.trim();
  if (!spec) return undefined;
  if (/^[a-z0-9][a-z0-9._-]*$/i.test(spec)) return { kind: 'registry', id: spec };
  return { kind: 'url', url: new URL(spec, document.baseURI).href };
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'WIDGET_ERROR';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function resultsText(response: WidgetSearchResponse): string {
  const n = response.hits.length;
  if (n === 0) return 'No results';
  const results = n === 1 ? 'result' : 'results';
  const why: Record<WidgetFallback, string> = {
    'model-loading': ' — the model is loading',
    'no-model': ' (keyword search only)',
    'model-failed': ' — the model could not be loaded',
    rekeying: ' — the index is being prepared for the model',
  };
  if (response.fallback) return `${n} keyword ${results}${why[response.fallback]}`;
  return response.mode === 'lexical' ? `${n} keyword ${results}` : `${n} ${results}`;
}

function modelText(state: WidgetModelState): string {
  const name = state.name ?? 'the model';
  switch (state.phase) {
    case 'none':
      return 'Keyword search (BM25): no model is configured.';
    case 'downloading': {
      const percent = state.total ? ` ${Math.floor(((state.loaded ?? 0) / state.total) * 100)} %` : '';
      return `Downloading ${name}…${percent} Keyword results meanwhile.`;
    }
    case 'loading':
      return `Loading ${name}… Keyword results meanwhile.`;
    case 'ready':
      return `${name} on ${state.device === 'webgpu' ? 'WebGPU' : 'WebAssembly'}${state.fromCache ? ' (cached)' : ''}.`;
    case 'failed':
      return `The model could not be loaded (${state.code ?? 'MODEL_LOAD_FAILED'}): ${state.message ?? ''} Keyword search only.`;
  }
}

export class SelfRetrievalSearch extends HTMLElement {
  static readonly observedAttributes = ['index', 'model', 'placeholder', 'shortcut', 'mode'];

  private readonly trigger: HTMLButtonElement;
  private readonly shortcutHint: HTMLElement;
  private readonly dialog: HTMLDialogElement;
  private readonly label: HTMLLabelElement;
  private readonly input: HTMLInputElement;
  private readonly results: HTMLElement;
  private readonly listbox: HTMLUListElement;
  private readonly status: HTMLParagraphElement;
  private readonly modelStatus: HTMLParagraphElement;
  private readonly documentView: HTMLElement;
  private readonly documentTitle: HTMLHeadingElement;
  private readonly documentPath: HTMLParagraphElement;
  private readonly documentText: HTMLDivElement;
  private readonly backButton: HTMLButtonElement;

  private engine: Promise<WidgetEngine> | undefined;
  /** Bumped when the engine is replaced: late answers of an old engine are dropped. */
  private generation = 0;
  private hits: readonly RankedHit[] = [];
  private active = -1;
  private lastResponse: WidgetSearchResponse | undefined;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private searchSeq = 0;
  private pendingSearch: string | undefined;
  private shortcut: Shortcut | undefined;
  /** The current key press is an Escape the document view handled: a `cancel` it causes must not close the dialog
   * (browsers that honour the keydown's preventDefault fire none). */
  private escapeHandled = false;

  private readonly onDocumentKeydown = (event: KeyboardEvent) => {
    if (!this.shortcut || event.defaultPrevented || !matchesShortcut(event, this.shortcut)) return;
    event.preventDefault();
    this.open();
  };

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });

    this.shortcutHint = el('kbd', { part: 'shortcut', 'aria-hidden': 'true' });
    this.trigger = el(
      'button',
      { type: 'button', part: 'trigger', 'aria-haspopup': 'dialog' },
      searchIcon(),
      el('span', { part: 'trigger-label' }, 'Search'),
      this.shortcutHint,
    );

    this.label = el('label', { for: 'sr-input', class: 'visually-hidden' });
    this.input = el('input', {
      id: 'sr-input',
      part: 'input',
      // Not type=search: there Escape clears the text instead of closing the dialog.
      type: 'text',
      role: 'combobox',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-expanded': 'false',
      'aria-controls': 'sr-listbox',
      'aria-autocomplete': 'list',
      enterkeyhint: 'search',
    });
    const close = el('button', { type: 'button', part: 'close', 'aria-label': 'Close search' }, closeIcon());
    this.status = el('p', { part: 'status', role: 'status', 'aria-live': 'polite', id: 'sr-status' });
    this.listbox = el('ul', { part: 'listbox', role: 'listbox', id: 'sr-listbox', 'aria-label': 'Results' });
    this.results = el('div', { part: 'results' }, this.status, this.listbox);

    this.backButton = el('button', { type: 'button', part: 'back' }, '← Back to results');
    this.documentTitle = el('h3', { part: 'document-title', id: 'sr-document-title' });
    this.documentPath = el('p', { part: 'document-path' });
    this.documentText = el('div', {
      part: 'document-text',
      tabindex: '0',
      role: 'region',
      'aria-labelledby': 'sr-document-title',
    });
    this.documentView = el(
      'section',
      { part: 'document', hidden: '', 'aria-labelledby': 'sr-document-title' },
      this.backButton,
      this.documentTitle,
      this.documentPath,
      this.documentText,
    );
    this.modelStatus = el('p', { part: 'model-status' });

    this.dialog = el(
      'dialog',
      { part: 'dialog', 'aria-labelledby': 'sr-title', 'data-engine': 'idle', 'data-view': 'results' },
      el('h2', { id: 'sr-title', class: 'visually-hidden' }, 'Search'),
      el('div', { class: 'search-row' }, searchIcon(), this.label, this.input, close),
      el('div', { class: 'body' }, this.results, this.documentView),
      this.modelStatus,
    );
    // A constructed style sheet, which a host's `style-src` CSP does not block (a <style> element it would).
    if ('adoptedStyleSheets' in root && 'replaceSync' in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(WIDGET_CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      const style = el('style');
      style.textContent = WIDGET_CSS;
      root.append(style);
    }
    root.append(this.trigger, this.dialog);

    this.trigger.addEventListener('click', () => this.open());
    close.addEventListener('click', () => this.dialog.close());
    this.backButton.addEventListener('click', () => this.showResults());
    this.input.addEventListener('input', () => this.scheduleSearch(SEARCH_DELAY_MS));
    this.input.addEventListener('keydown', (event) => this.onInputKeydown(event));
    this.listbox.addEventListener('click', (event) => {
      const option = (event.target as Element).closest('[role="option"]');
      const index = option ? [...this.listbox.children].indexOf(option) : -1;
      if (index >= 0) {
        this.setActive(index);
        this.choose(index);
      }
    });
    // Escape in the document view goes back to the results; the dialog's own Escape (cancel) closes it.
    // The flag is about one key press only. It is cleared when the next key press reaches the dialog, and a `cancel`
    // consumes it, never by a timer: input events run before timers, so under load a second Escape pressed soon
    // after the first could find the flag still set and its `cancel` swallowed, leaving the dialog open.
    this.dialog.addEventListener(
      'keydown',
      (event) => {
        this.escapeHandled = false;
        if (event.key !== 'Escape' || this.dialog.dataset['view'] !== 'document') return;
        event.preventDefault();
        this.escapeHandled = true;
        this.showResults();
      },
      true,
    );
    this.dialog.addEventListener('cancel', (event) => {
      const handled = this.escapeHandled;
      this.escapeHandled = false;
      if (handled || this.dialog.dataset['view'] === 'document') {
        event.preventDefault();
        this.showResults();
      }
    });
    this.dialog.addEventListener('close', () => this.onClosed());
    // A click on the backdrop (the dialog box itself is filled by its children) closes it.
    this.dialog.addEventListener('click', (event) => {
      if (event.target === this.dialog) this.dialog.close();
    });
    this.applyPlaceholder();
    this.applyShortcut();
  }

  connectedCallback(): void {
    // Listening on the document is not a change to it: the widget still touches nothing outside its shadow root.
    document.addEventListener('keydown', this.onDocumentKeydown);
  }

  disconnectedCallback(): void {
    document.removeEventListener('keydown', this.onDocumentKeydown);
    this.closeEngine();
  }

  attributeChangedCallback(name: string, previous: string | null, value: string | null): void {
    if (previous === value) return;
    if (name === 'placeholder') this.applyPlaceholder();
    else if (name === 'shortcut') this.applyShortcut();
    else if (name === 'mode') {
      if (this.dialog.open) this.scheduleSearch(0);
    } else if (this.engine || this.dialog.open) {
      // A new index or model is a new engine (also after a failed one): the old worker ends, and an open dialog
      // opens the new one at once.
      this.closeEngine();
      if (this.dialog.open) this.ensureEngine();
    }
  }

  /** Opens the dialog (and, the first time, the engine). */
  open(): void {
    if (!this.isConnected) return;
    if (!this.dialog.open) this.dialog.showModal();
    this.showResults();
    this.ensureEngine();
  }

  close(): void {
    if (this.dialog.open) this.dialog.close();
  }

  get mode(): RetrievalMode {
    const mode = this.getAttribute('mode') as RetrievalMode | null;
    return mode && MODES.includes(mode) ? mode : 'hybrid';
  }

  private applyPlaceholder(): void {
    const placeholder = this.getAttribute('placeholder') || DEFAULT_PLACEHOLDER;
    this.input.placeholder = placeholder;
    this.label.textContent = placeholder;
  }

  private applyShortcut(): void {
    const spec = this.getAttribute('shortcut') ?? DEFAULT_SHORTCUT;
    this.shortcut = parseShortcut(spec);
    this.shortcutHint.textContent = this.shortcut ? shortcutLabel(this.shortcut) : '';
    this.shortcutHint.hidden = !this.shortcut;
    if (this.shortcut) this.trigger.setAttribute('aria-keyshortcuts', ariaShortcut(this.shortcut));
    else this.trigger.removeAttribute('aria-keyshortcuts');
  }

  private ensureEngine(): void {
    if (this.engine) return;
    const index = this.getAttribute('index');
    if (!index) {
      this.showError('NO_INDEX', 'This search has no index: set the index attribute to the bundle’s URL.');
      return;
    }
    const generation = ++this.generation;
    const request = {
      indexUrl: new URL(index, document.baseURI).href,
      ...(modelSource(this.getAttribute('model')) ? { model: modelSource(this.getAttribute('model'))! } : {}),
    };
    this.dialog.dataset['engine'] = 'loading';
    delete this.dialog.dataset['errorCode'];
    this.status.removeAttribute('data-error');
    this.status.textContent = 'Loading the search index…';
    this.modelStatus.textContent = '';
    const engine = import('./engine-client').then(({ openEngine }) =>
      openEngine(request, (state) => {
        if (generation === this.generation) this.onModel(state);
      }),
    );
    this.engine = engine;
    engine.then(
      (opened) => {
        if (generation !== this.generation) return opened.close();
        this.dialog.dataset['engine'] = 'ready';
        this.dialog.dataset['passages'] = String(opened.library.passages);
        this.status.textContent = this.input.value.trim() ? '' : `Search ${opened.library.passages} passages`;
        if (this.input.value.trim()) this.scheduleSearch(0);
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        // The trigger still works: the next open tries again.
        this.engine = undefined;
        this.showError(errorCode(error), errorMessage(error));
      },
    );
  }

  private closeEngine(): void {
    this.generation++;
    clearTimeout(this.searchTimer);
    void this.engine?.then(
      (engine) => engine.close(),
      () => undefined,
    );
    this.engine = undefined;
    this.dialog.dataset['engine'] = 'idle';
    delete this.dialog.dataset['model'];
    delete this.dialog.dataset['modelError'];
    // Results of the old index are not results of the new one.
    this.render(undefined);
  }

  private showError(code: string, message: string): void {
    this.dialog.dataset['engine'] = 'error';
    this.dialog.dataset['errorCode'] = code;
    this.status.setAttribute('data-error', '');
    this.status.textContent = `Search is unavailable (${code}): ${message}`;
  }

  private onModel(state: WidgetModelState): void {
    this.dialog.dataset['model'] = state.phase;
    if (state.code) this.dialog.dataset['modelError'] = state.code;
    this.modelStatus.textContent = modelText(state);
    // Keyword results stood in while the model loaded: replace them with the model's (or relabel them).
    const settled = state.phase === 'ready' || state.phase === 'failed';
    if (settled && this.lastResponse?.fallback === 'model-loading' && this.input.value.trim()) this.scheduleSearch(0);
  }

  private scheduleSearch(delay: number): void {
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.runSearch(), delay);
  }

  private async runSearch(): Promise<void> {
    const query = this.input.value.trim();
    const seq = ++this.searchSeq;
    const engine = await this.engine?.catch(() => undefined);
    if (seq !== this.searchSeq) return;
    if (this.pendingSearch) engine?.cancel(this.pendingSearch);
    this.pendingSearch = undefined;
    if (!query) {
      this.render(undefined);
      return;
    }
    // No engine yet: the search runs as soon as it is open (ensureEngine).
    if (!engine) return;
    const id = `search-${seq}`;
    this.pendingSearch = id;
    this.dialog.dataset['results'] = 'searching';
    try {
      const response = await engine.search({ id, query, mode: this.mode });
      if (seq === this.searchSeq) this.render(response);
    } catch (error) {
      if (seq !== this.searchSeq || (error as { name?: string } | null)?.name === 'AbortError') return;
      this.dialog.dataset['results'] = 'error';
      this.status.setAttribute('data-error', '');
      this.status.textContent = `The search failed (${errorCode(error)}): ${errorMessage(error)}`;
    } finally {
      if (this.pendingSearch === id) this.pendingSearch = undefined;
    }
  }

  private render(response: WidgetSearchResponse | undefined): void {
    this.lastResponse = response;
    this.hits = response?.hits ?? [];
    this.active = -1;
    this.input.removeAttribute('aria-activedescendant');
    this.input.setAttribute('aria-expanded', String(this.hits.length > 0));
    this.status.removeAttribute('data-error');
    const options = this.hits.map((hit, i) => {
      const { passage } = hit;
      // A section named like the title (a document's first heading) says nothing more.
      const section = passage.section !== passage.title ? passage.section : undefined;
      const where = [passage.documentPath, section, passage.page !== undefined ? `page ${passage.page}` : '']
        .filter(Boolean)
        .join(' · ');
      return el(
        'li',
        { role: 'option', part: 'option', id: `sr-option-${i}`, 'aria-selected': 'false' },
        el('span', { part: 'option-title' }, passage.title || passage.documentPath),
        el('span', { part: 'option-path' }, where),
        el('span', { part: 'option-text' }, highlightQuery(document, passage.text, response!.query, 'mark')),
      );
    });
    this.listbox.replaceChildren(...options);
    if (!response) {
      delete this.dialog.dataset['results'];
      delete this.dialog.dataset['problemCode'];
      this.status.textContent = '';
      return;
    }
    this.dialog.dataset['results'] = response.fallback === 'model-loading' ? 'interim' : 'final';
    this.dialog.dataset['resultMode'] = response.mode;
    this.dialog.dataset['resultCount'] = String(this.hits.length);
    this.status.textContent = resultsText(response);
    // Part of the index could not be read: the results are those of the rest, and the status says what is missing.
    const problem = response.problems?.[0];
    if (problem) {
      this.dialog.dataset['problemCode'] = problem.code;
      this.status.setAttribute('data-error', '');
      this.status.textContent += ` — part of the index could not be read (${problem.code}): ${problem.message}`;
    } else delete this.dialog.dataset['problemCode'];
  }

  private onInputKeydown(event: KeyboardEvent): void {
    const n = this.hits.length;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (n === 0) return;
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.setActive(this.active < 0 ? (step > 0 ? 0 : n - 1) : (this.active + step + n) % n);
    } else if (event.key === 'Enter') {
      if (n === 0 || event.isComposing) return;
      event.preventDefault();
      // Enter with no active option opens the best result.
      this.choose(this.active >= 0 ? this.active : 0);
    }
  }

  private setActive(index: number): void {
    const options = this.listbox.children;
    options[this.active]?.setAttribute('aria-selected', 'false');
    this.active = index;
    const option = options[index];
    if (!option) return;
    option.setAttribute('aria-selected', 'true');
    this.input.setAttribute('aria-activedescendant', option.id);
    option.scrollIntoView({ block: 'nearest' });
  }

  private choose(index: number): void {
    const hit = this.hits[index];
    if (!hit || !this.lastResponse) return;
    const detail: SelectDetail = { query: this.lastResponse.query, passage: hit.passage, scores: hit.scores };
    const event = new CustomEvent<SelectDetail>('sr-select', {
      bubbles: true,
      composed: true,
      cancelable: true,
      detail,
    });
    if (this.dispatchEvent(event)) void this.showDocument(hit.passage);
  }

  /** The passage in its document's full text, marked and scrolled to; the passage alone if the bundle has no
   * sources. */
  private async showDocument(passage: Passage): Promise<void> {
    const generation = this.generation;
    const engine = await this.engine?.catch(() => undefined);
    const source = await engine?.document(passage.documentPath).catch(() => undefined);
    if (generation !== this.generation || !this.dialog.open) return;
    const text = source?.text;
    const inPlace = text !== undefined && passage.end <= text.length && passage.start < passage.end;
    const mark = el('mark', { part: 'passage-mark' }, inPlace ? text.slice(passage.start, passage.end) : passage.text);
    this.documentText.replaceChildren(
      ...(inPlace ? [text.slice(0, passage.start), mark, text.slice(passage.end)] : [mark]),
    );
    this.documentTitle.textContent = passage.title || passage.documentPath;
    const section = passage.section !== passage.title ? passage.section : undefined;
    this.documentPath.textContent = [passage.documentPath, section].filter(Boolean).join(' · ');
    this.results.hidden = true;
    this.documentView.hidden = false;
    this.dialog.dataset['view'] = 'document';
    this.documentText.focus();
    // Scrolled inside the text box only: scrollIntoView could scroll the host page too.
    this.documentText.scrollTop = Math.max(0, mark.offsetTop - this.documentText.clientHeight / 3);
  }

  private showResults(): void {
    if (this.dialog.dataset['view'] === 'results' && !this.results.hidden) {
      this.input.focus();
      return;
    }
    this.documentView.hidden = true;
    this.results.hidden = false;
    this.documentText.replaceChildren();
    this.dialog.dataset['view'] = 'results';
    this.input.focus();
  }

  private onClosed(): void {
    clearTimeout(this.searchTimer);
    if (this.pendingSearch) void this.engine?.then((engine) => engine.cancel(this.pendingSearch!));
    this.showResults();
    this.trigger.focus();
  }
}

if (!customElements.get('self-retrieval-search')) {
  customElements.define('self-retrieval-search', SelfRetrievalSearch);
}

declare global {
  interface HTMLElementTagNameMap {
    'self-retrieval-search': SelfRetrievalSearch;
  }
  interface HTMLElementEventMap {
    'sr-select': CustomEvent<SelectDetail>;
  }
}
