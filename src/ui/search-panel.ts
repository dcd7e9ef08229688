// The search panel: a view over the model worker's search and answer. Results are exact passages of the demo
// library, shown as text (document text is untrusted: never inserted as HTML), with every score on hand. Candidates
// are counted as the decode finds them, then the ranking replaces them; a search can be stopped at any point.
import { proxy } from 'comlink';
import { answerSegments, type Citation } from '../core/answer';
import type { RetrievalMode } from '../core/self-retriever';
import { highlightQuery } from '../dom/highlight';
import type { ModelWorkerApi, SearchHit, SearchLibrary, SearchProgress, SearchResponse } from '../../workers/protocol';
import { mountDocumentView, hitLocation } from './document-view';
import { element, errorText, h } from './dom';

const SCORE_NAMES = ['fused', 'title', 'path', 'assessment', 'prior', 'lexical'] as const;

function score(value: number | null): string {
  return value === null ? '–' : Math.abs(value) >= 0.01 || value === 0 ? value.toFixed(3) : value.toExponential(2);
}

/** A result: title, where it is, the exact passage with the query's words marked, "open in document", and the
 * scores on demand. `id` lets an answer's citation link to it. */
function renderHit(hit: SearchHit, query: string, open: (hit: SearchHit) => void): HTMLLIElement {
  const dataset: Record<string, string> = {
    entry: String(hit.entry),
    passageId: hit.passageId,
    rank: String(hit.rank),
  };
  for (const name of SCORE_NAMES) {
    const value = hit.scores[name];
    if (value !== null) dataset[name] = String(value);
  }
  const details = h(
    'details',
    { className: 'scores' },
    h('summary', {}, `Scores (fused ${score(hit.scores.fused)})`),
    h('dl', {}, ...SCORE_NAMES.flatMap((name) => [h('dt', {}, name), h('dd', {}, score(hit.scores[name]))])),
  );
  const passage = h('p', { className: 'passage' });
  passage.append(highlightQuery(document, hit.text, query));
  const openButton = h(
    'button',
    { type: 'button', className: 'link', dataset: { testid: 'open-document' } },
    'Open in document',
  );
  openButton.addEventListener('click', () => open(hit));
  return h(
    'li',
    { id: `hit-${hit.entry}`, tabIndex: -1, dataset },
    h('h3', { className: 'title' }, hit.title || '(untitled)'),
    h('p', { className: 'path' }, hitLocation(hit)),
    passage,
    h('div', { className: 'hit-actions' }, openButton, details),
  );
}

/** A candidate the decode just reached, shown until the ranking replaces the list. */
function renderCandidate(hit: SearchHit): HTMLLIElement {
  return h(
    'li',
    { dataset: { entry: String(hit.entry) } },
    h('span', { className: 'title' }, hit.title || '(untitled)'),
    ' — ',
    h('span', { className: 'path' }, hitLocation(hit)),
  );
}

/** A link to a result: it scrolls to it and moves the focus there (so a keyboard user lands on the passage). */
function citationLink(entry: number, label: string): HTMLAnchorElement {
  const link = h('a', { href: `#hit-${entry}`, className: 'citation', dataset: { entry: String(entry) } }, label);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    const target = document.getElementById(`hit-${entry}`);
    target?.scrollIntoView({ block: 'center' });
    target?.focus();
  });
  return link;
}

/** The answer's text with each citation marker [n] a link to the result it cites. */
function answerWithLinks(text: string, citations: readonly Citation[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const segment of answerSegments(text, citations)) {
    fragment.append('entry' in segment ? citationLink(segment.entry, segment.text) : segment.text);
  }
  return fragment;
}

/** Mounts the panel; `modelReady` resolves once the current model load has settled. Returns "search for this". */
export function mountSearchPanel(worker: ModelWorkerApi, modelReady: () => Promise<unknown>): (query: string) => void {
  const form = element<HTMLFormElement>('search-form');
  const queryEl = element<HTMLInputElement>('query');
  const modeEl = element<HTMLSelectElement>('mode');
  const libraryEl = element<HTMLSelectElement>('search-library');
  const stopEl = element<HTMLButtonElement>('stop-search');
  const statusEl = element<HTMLParagraphElement>('search-status');
  const resultsEl = element<HTMLOListElement>('results');
  const answerEl = element<HTMLDivElement>('answer');
  const candidatesEl = element<HTMLOListElement>('candidates');
  const openDocument = mountDocumentView(worker);
  let current: string | undefined;
  let counter = 0;

  const engineStats = async () => {
    const stats = await worker.engineStats();
    statusEl.dataset['liveTensors'] = String(stats.liveTensors);
    statusEl.dataset['liveHandles'] = String(stats.liveHandles);
  };

  async function search(query: string): Promise<void> {
    if (current) void worker.cancel(current);
    const id = `search-${++counter}`;
    current = id;
    stopEl.hidden = false;
    statusEl.dataset['state'] = 'searching';
    statusEl.textContent = 'Searching…';
    answerEl.replaceChildren();
    delete answerEl.dataset['state'];
    let candidates = 0;
    candidatesEl.replaceChildren();
    const mode = modeEl.value as RetrievalMode;
    const library = libraryEl.value as SearchLibrary;
    const run = () =>
      worker.search(
        { id, query, library, settings: { mode } },
        proxy((progress: SearchProgress) => {
          if (current !== id || progress.type !== 'candidate') return;
          candidates++;
          // Results stream in: each passage the decode reaches is listed until the ranking replaces the list.
          candidatesEl.append(renderCandidate(progress.hit));
          statusEl.textContent = `Searching… ${candidates} passage${candidates === 1 ? '' : 's'} generated so far`;
        }),
      );
    try {
      let response = await run();
      if (current !== id) return;
      show(response);
      if (response.fallback === 'model-loading' && mode !== 'lexical') {
        // First results without waiting: BM25's are on screen; the model's replace them once it is ready.
        await modelReady();
        if (current !== id) return;
        response = await run();
        if (current !== id) return;
        show(response);
      }
      if (response.mode !== 'lexical' && response.hits.length > 0) await answer(id, query, library, response.hits);
    } catch (error) {
      if (current !== id) return;
      const aborted = (error as { name?: string }).name === 'AbortError';
      statusEl.dataset['state'] = aborted ? 'cancelled' : 'error';
      statusEl.textContent = aborted ? 'Search stopped.' : errorText(error);
    } finally {
      if (current === id) {
        candidatesEl.replaceChildren();
        current = undefined;
        stopEl.hidden = true;
        await engineStats();
      }
    }
  }

  function show(response: SearchResponse): void {
    candidatesEl.replaceChildren();
    const open = (hit: SearchHit) => openDocument(response.library, hit, response.query);
    resultsEl.replaceChildren(...response.hits.map((hit) => renderHit(hit, response.query, open)));
    const { stats } = response;
    const fallback =
      response.fallback === 'model-loading'
        ? ' — keyword matches while the model loads; its own results will replace them'
        : response.fallback === 'no-model'
          ? ' — keyword matches: no model is loaded'
          : response.fallback === 'rekeying'
            ? ' — keyword matches: your library is being indexed for the loaded model'
            : '';
    statusEl.textContent =
      `${response.hits.length} passages (${response.mode} mode) in ${Math.round(stats.millis)} ms` +
      (stats.forwardPasses ? ` — ${stats.forwardPasses} forward passes, ${stats.assessed} self-assessed` : '') +
      fallback;
    statusEl.dataset['state'] = response.fallback === 'model-loading' ? 'interim' : 'done';
    statusEl.dataset['mode'] = response.mode;
    statusEl.dataset['library'] = response.library;
    if (response.fallback) statusEl.dataset['fallback'] = response.fallback;
    else delete statusEl.dataset['fallback'];
  }

  async function answer(id: string, query: string, library: SearchLibrary, hits: readonly SearchHit[]): Promise<void> {
    answerEl.dataset['state'] = 'writing';
    const text = h('p', { className: 'answer-text' });
    answerEl.replaceChildren(h('h3', {}, 'Answer'), text);
    const outcome = await worker.answer(
      { id, query, library, hits },
      proxy((delta: string) => text.append(delta)),
    );
    if (!outcome.available) {
      answerEl.dataset['state'] = 'unavailable';
      text.textContent = outcome.reason;
      return;
    }
    answerEl.dataset['state'] = 'done';
    text.replaceChildren(answerWithLinks(outcome.answer.text, outcome.answer.citations));
    answerEl.append(
      h(
        'ol',
        { className: 'citations' },
        ...outcome.answer.citations.map((c) => {
          const cited = hits.find((hit) => hit.entry === c.entry)!;
          return h(
            'li',
            { value: c.marker, dataset: { entry: String(c.entry) } },
            citationLink(c.entry, cited.title || cited.documentPath),
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
    candidatesEl.replaceChildren();
    statusEl.dataset['state'] = 'cancelled';
    statusEl.textContent = 'Search stopped.';
  });
  return (query) => {
    queryEl.value = query;
    void search(query);
  };
}
