// "Open in document": a modal dialog with a passage's whole document (its parsed text, which the passage's offsets
// point into), the passage marked and scrolled into view, the query's words marked inside it. Text nodes only: the
// document is untrusted. Closing returns focus to the button that opened it (the dialog element does that).
import { highlightQuery } from '../dom/highlight';
import type { Passage } from '../core/passage';
import type { DocumentText, ModelWorkerApi, SearchLibrary } from '../../workers/protocol';
import { element, h } from './dom';
import { describeError, errorLine } from './error-help';

export function passageLocation(passage: Pick<Passage, 'documentPath' | 'page' | 'section'>): string {
  return [passage.documentPath, passage.page !== undefined && `page ${passage.page}`, passage.section]
    .filter(Boolean)
    .join(' · ');
}

/** The document's text with [start, end) marked as the passage. */
function documentBody(source: DocumentText, passage: Passage, query: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  // Offsets come from the same parse as the text; if they ever disagree (a document re-parsed since), the passage
  // is found by its text instead, and the document is shown unmarked only if it is not in it at all.
  let { start, end } = passage;
  if (source.text.slice(start, end) !== passage.text) {
    start = source.text.indexOf(passage.text);
    end = start + passage.text.length;
  }
  if (start < 0) {
    fragment.append(source.text);
    return fragment;
  }
  const mark = h('mark', { className: 'passage', dataset: { testid: 'document-passage' } });
  mark.append(highlightQuery(document, source.text.slice(start, end), query));
  fragment.append(source.text.slice(0, start), mark, source.text.slice(end));
  return fragment;
}

export function mountDocumentView(
  worker: ModelWorkerApi,
): (library: SearchLibrary, passage: Passage, query: string) => void {
  const dialog = element<HTMLDialogElement>('document-view');
  const titleEl = element<HTMLHeadingElement>('document-title');
  const metaEl = element<HTMLParagraphElement>('document-meta');
  const bodyEl = element<HTMLDivElement>('document-text');
  element<HTMLButtonElement>('close-document').addEventListener('click', () => dialog.close());
  let opened = 0;

  return (library, passage, query) => {
    const ticket = ++opened;
    titleEl.textContent = passage.title || passage.documentPath;
    metaEl.textContent = passageLocation(passage);
    bodyEl.textContent = 'Opening…';
    dialog.dataset['state'] = 'opening';
    if (!dialog.open) dialog.showModal();
    worker.documentText(library, passage.documentPath).then(
      (source) => {
        if (ticket !== opened) return;
        if (!source) {
          dialog.dataset['state'] = 'error';
          bodyEl.textContent = 'This document is no longer in the library.';
          return;
        }
        bodyEl.replaceChildren(documentBody(source, passage, query));
        dialog.dataset['state'] = 'open';
        bodyEl.querySelector('mark.passage')?.scrollIntoView({ block: 'center' });
      },
      (error: unknown) => {
        if (ticket !== opened) return;
        dialog.dataset['state'] = 'error';
        bodyEl.textContent = errorLine(describeError(error));
      },
    );
  };
}
