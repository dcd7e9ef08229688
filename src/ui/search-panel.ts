// The search panel: a view over the model worker's search, which also answers, in one call. Results are exact
// passages of the library, shown as text (document text is untrusted: never inserted as HTML), with every score on
// hand. Candidates are listed as the decode finds them, then the ranking replaces them (keyword matches first while
// the model loads, then the model's); a search can be stopped at any point.
import { proxy } from 'comlink';
import { answerSegments } from '../core/answer';
import type { CandidateHit, RankedHit } from '../core/ranked-hit';
import type { RetrievalMode } from '../core/self-retriever';
import { highlightQuery } from '../dom/highlight';
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
import { element, errorText, h } from './dom';

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

/** A result: title, where it is, the exact passage with the query's words marked, "open in document", and the
 * scores on demand. */
function renderHit({ rank, passage, scores }: RankedHit, query: string, open: (hit: RankedHit) => void): HTMLLIElement {
  const dataset: Record<string, string> = { passageId: passage.id, rank: String(rank) };
  for (const name of SCORE_NAMES) {
    const value = scores[name];
    if (value !== null) dataset[name] = String(value);
  }
  const details = h(
    'details',
    { className: 'scores' },
    h('summary', {}, `Scores (fused ${score(scores.fused)})`),
    h('dl', {}, ...SCORE_NAMES.flatMap((name) => [h('dt', {}, name), h('dd', {}, score(scores[name]))])),
  );
  const text = h('p', { className: 'passage' });
  text.append(highlightQuery(document, passage.text, query));
  const openButton = h(
    'button',
    { type: 'button', className: 'link', dataset: { testid: 'open-document' } },
    'Open in document',
  );
  openButton.addEventListener('click', () => open({ rank, passage, scores }));
  return h(
    'li',
    { id: hitId(passage.id), tabIndex: -1, dataset },
    h('h3', { className: 'title' }, passage.title || '(untitled)'),
    h('p', { className: 'path' }, passageLocation(passage)),
    text,
    h('div', { className: 'hit-actions' }, openButton, details),
  );
}

/** A candidate the decode just reached, shown until the ranking replaces the list. */
function renderCandidate({ passage }: CandidateHit): HTMLLIElement {
  return h(
    'li',
    { dataset: { passageId: passage.id } },
    h('span', { className: 'title' }, passage.title || '(untitled)'),
    ' — ',
    h('span', { className: 'path' }, passageLocation(passage)),
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

/** Mounts the panel. Returns "search for this". */
export function mountSearchPanel(worker: ModelWorkerApi): (query: string) => void {
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
    let answerText: HTMLParagraphElement | undefined;
    // Progress comes on its own message port: a late event must not undo the final response shown before it.
    let settled = false;
    const onProgress = (progress: SearchProgress) => {
      if (current !== id || settled) return;
      if (progress.type === 'candidate') {
        candidates++;
        // Results stream in: each passage the decode reaches is listed until the ranking replaces the list.
        candidatesEl.append(renderCandidate(progress.candidate));
        statusEl.textContent = `Searching… ${candidates} passage${candidates === 1 ? '' : 's'} generated so far`;
      } else if (progress.type === 'ranked') {
        // Keyword matches while the model loads, then the model's ranking: each replaces the list.
        show(progress.response);
        candidates = 0;
      } else if (progress.type === 'answering') {
        answerEl.dataset['state'] = 'writing';
        answerText = h('p', { className: 'answer-text' });
        answerEl.replaceChildren(h('h3', {}, 'Answer'), answerText);
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
      statusEl.textContent = aborted ? 'Search stopped.' : errorText(error);
    } finally {
      if (current === id) {
        candidatesEl.replaceChildren();
        current = undefined;
        stopEl.hidden = true;
      }
    }
  }

  function show(response: SearchResponse): void {
    candidatesEl.replaceChildren();
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
  }

  function showAnswer(answer: SearchAnswer, hits: readonly RankedHit[]): void {
    const text = h('p', { className: 'answer-text' });
    answerEl.replaceChildren(h('h3', {}, 'Answer'), text);
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
    candidatesEl.replaceChildren();
    statusEl.dataset['state'] = 'cancelled';
    statusEl.textContent = 'Search stopped.';
  });
  return (query) => {
    queryEl.value = query;
    void search(query);
  };
}
