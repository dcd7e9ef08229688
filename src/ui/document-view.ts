// "Open in document": a modal dialog with a passage's whole document (its parsed text, which the passage's offsets
// point into), the passage marked and scrolled into view, the query's words marked inside it. Text nodes only: the
// document is untrusted. Closing returns focus to the button that opened it (the dialog element does that).
import { highlightQuery } from '../dom/highlight';
import type { DocumentText, ModelWorkerApi, SearchHit, SearchLibrary } from '../../workers/protocol';
import { element, errorText, h } from './dom';

export function hitLocation(hit: Pick<SearchHit, 'documentPath' | 'page' | 'section'>): string {
  return [hit.documentPath, hit.page !== undefined && `page ${hit.page}`, hit.section].filter(Boolean).join(' · ');
}

/** The document's text with [start, end) marked as the passage. */
function documentBody(source: DocumentText, hit: SearchHit, query: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  // Offsets come from the same parse as the text; if they ever disagree (a document re-parsed since), the passage
  // is found by its text instead, and the document is shown unmarked only if it is not in it at all.
  let { start, end } = hit;
  if (source.text.slice(start, end) !== hit.text) {
    start = source.text.indexOf(hit.text);
    end = start + hit.text.length;
  }
  if (start < 0) {
    fragment.append(source.text);
    return fragment;
  }
  const passage = h('mark', { className: 'passage', dataset: { testid: 'document-passage' } });
  passage.append(highlightQuery(document, source.text.slice(start, end), query));
  fragment.append(source.text.slice(0, start), passage, source.text.slice(end));
  return fragment;
}

export function mountDocumentView(
  worker: ModelWorkerApi,
): (library: SearchLibrary, hit: SearchHit, query: string) => void {
  const dialog = element<HTMLDialogElement>('document-view');
  const titleEl = element<HTMLHeadingElement>('document-title');
  const metaEl = element<HTMLParagraphElement>('document-meta');
  const bodyEl = element<HTMLDivElement>('document-text');
  element<HTMLButtonElement>('close-document').addEventListener('click', () => dialog.close());
  let opened = 0;

  return (library, hit, query) => {
    const ticket = ++opened;
    titleEl.textContent = hit.title || hit.documentPath;
    metaEl.textContent = hitLocation(hit);
    bodyEl.textContent = 'Opening…';
    dialog.dataset['state'] = 'opening';
    if (!dialog.open) dialog.showModal();
    worker.documentText(library, hit.documentPath).then(
      (source) => {
        if (ticket !== opened) return;
        if (!source) {
          dialog.dataset['state'] = 'error';
          bodyEl.textContent = 'This document is no longer in the library.';
          return;
        }
        bodyEl.replaceChildren(documentBody(source, hit, query));
        dialog.dataset['state'] = 'open';
        bodyEl.querySelector('mark.passage')?.scrollIntoView({ block: 'center' });
      },
      (error: unknown) => {
        if (ticket !== opened) return;
        dialog.dataset['state'] = 'error';
        bodyEl.textContent = errorText(error);
      },
    );
  };
}
