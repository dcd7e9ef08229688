// Marks ranges of untrusted text with <mark> elements built from text nodes: never innerHTML, so a passage holding
// "<script>" or "<img onerror=…>" shows as those characters and runs nothing. The one DOM highlighter, shared by the
// app (src/ui) and the widget (src/widget); src/dom holds such browser-only code that both may use, and the ranges
// themselves are pure logic (src/core/highlight.ts).
import { highlightRanges } from '../core/highlight';

/** `text` as nodes, the ranges inside <mark> elements (`part` names them for a shadow root's ::part). */
export function markRanges(
  doc: Document,
  text: string,
  ranges: ReadonlyArray<readonly [number, number]>,
  part?: string,
): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  let at = 0;
  for (const [start, end] of ranges) {
    if (start > at) fragment.append(doc.createTextNode(text.slice(at, start)));
    const mark = doc.createElement('mark');
    if (part) mark.setAttribute('part', part);
    mark.textContent = text.slice(start, end);
    fragment.append(mark);
    at = end;
  }
  if (at < text.length) fragment.append(doc.createTextNode(text.slice(at)));
  return fragment;
}

/** `text` with the query's words marked. */
export function highlightQuery(doc: Document, text: string, query: string, part?: string): DocumentFragment {
  return markRanges(doc, text, highlightRanges(text, query), part);
}
