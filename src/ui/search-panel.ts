// The search panel: a view over the model worker's search and answer. Results are exact passages of the demo
// library, shown as text (document text is untrusted: never inserted as HTML), with every score on hand. Candidates
// are counted as the decode finds them, then the ranking replaces them; a search can be stopped at any point.
import { proxy } from 'comlink';
import type { RetrievalMode } from '../core/self-retriever';
import type { ModelWorkerApi, SearchHit, SearchLibrary, SearchProgress, SearchResponse } from '../../workers/protocol';
import { element, errorText, h } from './dom';

const SCORE_NAMES = ['fused', 'title', 'path', 'assessment', 'prior', 'lexical'] as const;

function score(value: number | null): string {
  return value === null ? '–' : Math.abs(value) >= 0.01 || value === 0 ? value.toFixed(3) : value.toExponential(2);
}

function renderHit(hit: SearchHit): HTMLLIElement {
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
  return h(
    'li',
    { dataset },
    h('h3', { className: 'title' }, hit.title || '(untitled)'),
    h('p', { className: 'path' }, hit.documentPath),
    h('p', { className: 'passage' }, hit.text),
    details,
  );
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
    const mode = modeEl.value as RetrievalMode;
    const library = libraryEl.value as SearchLibrary;
    const run = () =>
      worker.search(
        { id, query, library, settings: { mode } },
        proxy((progress: SearchProgress) => {
          if (current !== id || progress.type !== 'candidate') return;
          candidates++;
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
        current = undefined;
        stopEl.hidden = true;
        await engineStats();
      }
    }
  }

  function show(response: SearchResponse): void {
    resultsEl.replaceChildren(...response.hits.map(renderHit));
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
    text.textContent = outcome.answer.text;
    answerEl.append(
      h(
        'ol',
        { className: 'citations' },
        ...outcome.answer.citations.map((c) => {
          const cited = hits.find((hit) => hit.entry === c.entry)!;
          return h('li', { value: c.marker, dataset: { entry: String(c.entry) } }, cited.title);
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
