// The search view: a view over the model worker's search, which also answers, in one call. Results are cards of exact
// passages of the library, shown as text (document text is untrusted: never inserted as HTML), trimmed around the
// query's words with "Show more", every score on demand. While the decode runs, the status line counts the passages
// generated and judged; the ranking then fills the list (keyword matches first while the model loads, then the
// model's), and the answer, when the model writes one, streams in above it. A search can be stopped at any point.
import { proxy } from 'comlink';
import { answerSegments } from '../core/answer';
import { excerpt } from '../core/excerpt';
import { highlightRanges } from '../core/highlight';
import type { RankedHit } from '../core/ranked-hit';
import type { RetrievalMode } from '../core/self-retriever';
import { markRanges } from '../dom/highlight';
import type {
  AnswerCitation,
  ModelWorkerApi,
  SearchAnswer,
  SearchFallback,
  SearchLibrary,
  SearchProgress,
  SearchResponse,
} from '../../workers/protocol';
import { mountDocumentView, passageLocation } from './document-view';
import { element, h } from './dom';
import { describeError, errorLine } from './error-help';

/** Why keyword matches answer instead of the model, as the status line says it. */
const FALLBACK_TEXT: Readonly<Record<SearchFallback, string>> = {
  'model-loading': ' — keyword matches while the model loads; its own results will replace them',
  'no-model': ' — keyword matches: no model is loaded',
  'model-failed': ' — keyword matches: the model could not be loaded',
  rekeying: ' — keyword matches: your library is being indexed for the loaded model',
};

const SCORE_NAMES = ['fused', 'title', 'path', 'assessment', 'prior', 'lexical'] as const;

function score(value: number | null): string {
  return value === null ? '–' : Math.abs(value) >= 0.01 || value === 0 ? value.toFixed(3) : value.toExponential(2);
}

/** The element id of a result, so an answer's citation can link to it. */
const hitId = (passageId: string) => `hit-${passageId}`;

/** How much of a passage a card shows before "Show more": two lines or so at desktop width. */
const EXCERPT_CHARS = 220;

/** A passage's text with the query's words marked: the part around them, or (`whole`) all of it; `trimmed` when
 * some of it was left out. */
function passageText(text: string, query: string, whole: boolean): { fragment: DocumentFragment; trimmed: boolean } {
  const ranges = highlightRanges(text, query);
  const cut = whole ? { start: 0, end: text.length, ranges } : excerpt(text, ranges, EXCERPT_CHARS);
  const fragment = markRanges(document, text.slice(cut.start, cut.end), cut.ranges);
  if (cut.start > 0) fragment.prepend('… ');
  if (cut.end < text.length) fragment.append(' …');
  return { fragment, trimmed: cut.start > 0 || cut.end < text.length };
}

/** A result card: title, where it is, the passage trimmed around the query's marks ("Show more" gives all of it),
 * "Open in document", and the scores on demand. */
function renderHit({ rank, passage, scores }: RankedHit, query: string, open: (hit: RankedHit) => void): HTMLLIElement {
  const dataset: Record<string, string> = { passageId: passage.id, rank: String(rank) };
  for (const name of SCORE_NAMES) {
    const value = scores[name];
    if (value !== null) dataset[name] = String(value);
  }
  const details = h(
    'details',
    { className: 'scores' },
    h('summary', {}, 'Scores'),
    h('dl', {}, ...SCORE_NAMES.flatMap((name) => [h('dt', {}, name), h('dd', {}, score(scores[name]))])),
  );
  const shown = passageText(passage.text, query, false);
  const text = h('p', { className: 'passage', dataset: { testid: 'passage' } }, shown.fragment);
  text.dataset['trimmed'] = String(shown.trimmed);
  const actions = h('div', { className: 'hit-actions' });
  if (shown.trimmed) {
    const more = h('button', { type: 'button', className: 'link', dataset: { testid: 'show-more' } }, 'Show more');
    more.setAttribute('aria-expanded', 'false');
    more.addEventListener('click', () => {
      const now = passageText(passage.text, query, more.getAttribute('aria-expanded') !== 'true');
      text.replaceChildren(now.fragment);
      text.dataset['trimmed'] = String(now.trimmed);
      more.setAttribute('aria-expanded', String(!now.trimmed));
      more.textContent = now.trimmed ? 'Show more' : 'Show less';
    });
    actions.append(more);
  }
  const openButton = h(
    'button',
    { type: 'button', className: 'link', dataset: { testid: 'open-document' } },
    'Open in document',
  );
  openButton.addEventListener('click', () => open({ rank, passage, scores }));
  actions.append(openButton, details);
  return h(
    'li',
    { id: hitId(passage.id), className: 'card', tabIndex: -1, dataset },
    h('h3', { className: 'title' }, passage.title || '(untitled)'),
    h('p', { className: 'path' }, passageLocation(passage)),
    text,
    actions,
  );
}

/** A link to a result: it scrolls to it and moves the focus there (so a keyboard user lands on the passage). */
function citationLink(passageId: string, label: string): HTMLAnchorElement {
  const link = h('a', { href: `#${hitId(passageId)}`, className: 'citation', dataset: { passageId } }, label);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    const target = document.getElementById(hitId(passageId));
    target?.scrollIntoView({ block: 'center' });
    target?.focus();
  });
  return link;
}

/** The answer's text with each citation marker [n] a link to the result it cites. */
function answerWithLinks(text: string, citations: readonly AnswerCitation[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  // The core cuts at markers of citations that name an entry: number them by position here.
  const byPosition = citations.map((c, entry) => ({ marker: c.marker, entry }));
  for (const segment of answerSegments(text, byPosition)) {
    fragment.append(
      'entry' in segment ? citationLink(citations[segment.entry]!.passageId, segment.text) : segment.text,
    );
  }
  return fragment;
}

export interface SearchPanelOptions {
  /** A search starts: the page shows the search view (the box is above every view). */
  readonly onSearch: () => void;
  /** How the library searched is named on the no-results state ("the demo collection"), and whether it is empty. */
  readonly describeLibrary: (library: SearchLibrary) => { readonly name: string; readonly empty: boolean };
}

/** Mounts the panel. Returns "search for this". */
export function mountSearchPanel(worker: ModelWorkerApi, options: SearchPanelOptions): (query: string) => void {
  const form = element<HTMLFormElement>('search-form');
  const queryEl = element<HTMLInputElement>('query');
  const modeEl = element<HTMLSelectElement>('mode');
  const libraryEl = element<HTMLSelectElement>('search-library');
  const stopEl = element<HTMLButtonElement>('stop-search');
  const statusEl = element<HTMLParagraphElement>('search-status');
  const resultsEl = element<HTMLOListElement>('results');
  const answerEl = element<HTMLDivElement>('answer');
  const welcomeEl = element<HTMLDivElement>('welcome');
  const emptyEl = element<HTMLDivElement>('no-results');
  const openDocument = mountDocumentView(worker);
  let current: string | undefined;
  let counter = 0;

  async function search(query: string): Promise<void> {
    if (current) void worker.cancel(current);
    options.onSearch();
    welcomeEl.hidden = true;
    emptyEl.hidden = true;
    const id = `search-${++counter}`;
    current = id;
    stopEl.hidden = false;
    statusEl.dataset['state'] = 'searching';
    delete statusEl.dataset['code'];
    statusEl.textContent = 'Searching…';
    answerEl.replaceChildren();
    delete answerEl.dataset['state'];
    const mode = modeEl.value as RetrievalMode;
    const library = libraryEl.value as SearchLibrary;
    let answerText: HTMLParagraphElement | undefined;
    // The decode's progress, counted on the status line (the ranking shows the passages themselves).
    let generated = 0;
    let judged = '';
    const count = () => {
      statusEl.dataset['generated'] = String(generated);
      statusEl.textContent =
        `Searching… ${generated} passage${generated === 1 ? '' : 's'} generated` + (judged ? ` · ${judged}` : '');
    };
    // Progress comes on its own message port: a late event must not undo the final response shown before it.
    let settled = false;
    const onProgress = (progress: SearchProgress) => {
      if (current !== id || settled) return;
      if (progress.type === 'candidate') {
        generated++;
        count();
      } else if (progress.type === 'judged') {
        judged = `${progress.judged} of ${progress.of} judged`;
        statusEl.dataset['judged'] = String(progress.judged);
        count();
      } else if (progress.type === 'ranked') {
        // Keyword matches while the model loads, then the model's ranking: each replaces the list.
        show(progress.response);
      } else if (progress.type === 'answering') {
        answerEl.dataset['state'] = 'writing';
        answerText = h('p', { className: 'answer-text' });
        answerEl.replaceChildren(h('h2', {}, 'Answer'), answerText);
      } else {
        answerText?.append(progress.text);
      }
    };
    try {
      const response = await worker.search({ id, query, library, settings: { mode }, answer: true }, proxy(onProgress));
      settled = true;
      if (current !== id) return;
      show(response);
      if (response.answer) showAnswer(response.answer, response.hits);
    } catch (error) {
      if (current !== id) return;
      const aborted = (error as { name?: string }).name === 'AbortError';
      statusEl.dataset['state'] = aborted ? 'cancelled' : 'error';
      if (aborted) statusEl.textContent = 'Search stopped.';
      else {
        const info = describeError(error, 'SEARCH_FAILED');
        statusEl.dataset['code'] = info.code;
        statusEl.textContent = errorLine(info);
      }
    } finally {
      if (current === id) {
        current = undefined;
        stopEl.hidden = true;
      }
    }
  }

  function show(response: SearchResponse): void {
    const open = (hit: RankedHit) => openDocument(response.library, hit.passage, response.query);
    resultsEl.replaceChildren(...response.hits.map((hit) => renderHit(hit, response.query, open)));
    const { stats } = response;
    const fallback = response.fallback ? FALLBACK_TEXT[response.fallback] : '';
    statusEl.textContent =
      `${response.hits.length} passages (${response.mode} mode) in ${Math.round(stats.millis)} ms` +
      (stats.forwardPasses ? ` — ${stats.forwardPasses} forward passes, ${stats.assessed} self-assessed` : '') +
      fallback;
    statusEl.dataset['state'] = response.fallback === 'model-loading' ? 'interim' : 'done';
    statusEl.dataset['mode'] = response.mode;
    statusEl.dataset['library'] = response.library;
    if (response.fallback) statusEl.dataset['fallback'] = response.fallback;
    else delete statusEl.dataset['fallback'];
    statusEl.dataset['liveTensors'] = String(response.engine.liveTensors);
    statusEl.dataset['liveHandles'] = String(response.engine.liveHandles);
    showEmpty(response);
  }

  /** No results: say where nothing was found, and what to try. */
  function showEmpty(response: SearchResponse): void {
    emptyEl.hidden = response.hits.length > 0;
    if (!emptyEl.hidden) {
      const { name: where, empty } = options.describeLibrary(response.library);
      emptyEl.dataset['reason'] = empty ? 'empty-library' : 'no-match';
      emptyEl.replaceChildren(
        h('h2', {}, empty ? 'Your library is empty' : `No passages found in ${where}`),
        empty
          ? h('p', {}, 'Add files or a folder, then search them here. ', h('a', { href: '#library' }, 'Add documents'))
          : h(
              'p',
              {},
              response.mode === 'lexical'
                ? 'No passage holds these words. Try other words, or a mode that uses the model.'
                : 'Try other words, fewer words, or Keywords only (BM25) as the mode.',
            ),
      );
    }
  }

  function showAnswer(answer: SearchAnswer, hits: readonly RankedHit[]): void {
    const text = h('p', { className: 'answer-text' });
    answerEl.replaceChildren(h('h2', {}, 'Answer'), text);
    if (!answer.available) {
      answerEl.dataset['state'] = 'unavailable';
      text.textContent = answer.reason;
      return;
    }
    answerEl.dataset['state'] = 'done';
    text.replaceChildren(answerWithLinks(answer.text, answer.citations));
    answerEl.append(
      h(
        'ol',
        { className: 'citations' },
        ...answer.citations.map((c) => {
          const cited = hits.find((hit) => hit.passage.id === c.passageId)!.passage;
          return h(
            'li',
            { value: c.marker, dataset: { passageId: c.passageId } },
            citationLink(c.passageId, cited.title || cited.documentPath),
          );
        }),
      ),
    );
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void search(queryEl.value);
  });
  stopEl.addEventListener('click', () => {
    if (!current) return;
    void worker.cancel(current);
    // Also when the search is only waiting for the model: nothing runs in the worker yet.
    current = undefined;
    stopEl.hidden = true;
    statusEl.dataset['state'] = 'cancelled';
    statusEl.textContent = 'Search stopped.';
  });
  return (query) => {
    queryEl.value = query;
    void search(query);
  };
}
