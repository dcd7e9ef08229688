// Documents → passages: about `words` words each, cut at sentence and paragraph boundaries and never across a
// section, each keeping its character offsets (and PDF page) so the UI can highlight it in its source. Passage ids
// are derived from content, so re-ingesting an unchanged file yields the same ids (a no-op for the store).
import type { Passage } from '../core/passage';
import { passageId } from '../core/passage-id';
import type { ParsedDocument } from './document';

export interface SplitOptions {
  /** Target passage length in words (default 100); a passage ends at the sentence that reaches it. */
  readonly words?: number;
}

export const DEFAULT_PASSAGE_WORDS = 100;

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/g;

/**
 * A span's words come in two parts: whitespace-separated tokens (CJK characters, unspaced scripts, separate them)
 * and CJK characters, each counted as half a word — `spaced + ceil(cjk / 2)` words.
 */
function wordParts(text: string): { spaced: number; cjk: number } {
  const cjk = text.match(CJK)?.length ?? 0;
  return { spaced: text.replace(CJK, ' ').split(/\s+/).filter(Boolean).length, cjk };
}

/** How many of the sorted `starts` are at or before `offset` (binary search). */
function countAtOrBefore(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (starts[mid]! <= offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Sentence-sized spans [start, end) of text[from, to): sentence ends, then paragraph breaks. */
function sentenceSpans(text: string, from: number, to: number): [number, number][] {
  const spans: [number, number][] = [];
  const pattern = /[^\n.!?。！？]*(?:[.!?。！？]+["'”’)\]]*|\n\s*\n|\n|$)/g;
  pattern.lastIndex = from;
  while (pattern.lastIndex < to) {
    const match = pattern.exec(text);
    if (!match || match[0].length === 0) break;
    const start = match.index;
    const end = Math.min(start + match[0].length, to);
    spans.push([start, end]);
    if (end >= to) break;
  }
  return spans;
}

/** Cuts a document (stored under `documentPath`) into passages; the path is part of each passage's id. */
export function splitPassages(documentPath: string, document: ParsedDocument, options: SplitOptions = {}): Passage[] {
  const target = options.words ?? DEFAULT_PASSAGE_WORDS;
  const { text } = document;
  const bounds = [0, ...document.sections.map((s) => s.start).filter((s) => s > 0 && s < text.length), text.length];
  const passages: Passage[] = [];
  const emit = (start: number, end: number, section: string | undefined) => {
    while (start < end && /\s/.test(text[start]!)) start++;
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    if (start === end) return;
    const passageText = text.slice(start, end);
    const title = section && section !== document.title ? `${document.title} › ${section}` : document.title;
    // Page starts are in order: a binary search, not a scan per passage (a 1,000-page PDF has ~10,000 passages).
    const pageIndex = countAtOrBefore(document.pages, start);
    passages.push({
      id: passageId(documentPath, title, passageText, passages.length),
      documentPath,
      title,
      text: passageText,
      start,
      end,
      ...(section ? { section } : {}),
      ...(document.pages.length > 0 ? { page: Math.max(1, pageIndex) } : {}),
    });
  };
  // The section a bound belongs to is the last one starting at or before it; bounds and sections are both in
  // order of start, so one pointer finds it (searching from the end for every bound was quadratic in headings).
  let sectionIndex = -1;
  for (let b = 0; b + 1 < bounds.length; b++) {
    const from = bounds[b]!;
    const to = bounds[b + 1]!;
    while (sectionIndex + 1 < document.sections.length && document.sections[sectionIndex + 1]!.start <= from) {
      sectionIndex++;
    }
    const section = document.sections[sectionIndex]?.heading;
    let start = from;
    let words = 0;
    for (const [spanStart, spanEnd] of sentenceSpans(text, from, to)) {
      const parts = wordParts(text.slice(spanStart, spanEnd));
      const spanWords = parts.spaced + Math.ceil(parts.cjk / 2);
      if (words > 0 && words + spanWords > target * 1.5) {
        emit(start, spanStart, section);
        start = spanStart;
        words = 0;
      }
      // A single sentence far over the target is cut at word boundaries. What is left of it is counted by
      // subtracting each cut piece, not by recounting the rest after every cut — that was quadratic in the sentence
      // length (a 50 MB file with no full stops would never finish). Cuts fall after whitespace, so no token
      // straddles one and the token and CJK counts of the pieces add up exactly.
      let cursor = spanStart;
      let restSpaced = parts.spaced;
      let restCjk = parts.cjk;
      let rest = spanWords;
      while (words + rest > target * 1.5) {
        const take = target - words;
        const re = /\S+\s*/g;
        re.lastIndex = cursor;
        for (let n = 0; n < take && re.lastIndex < spanEnd; n++) if (!re.exec(text)) break;
        const cut = Math.min(re.lastIndex, spanEnd);
        if (cut <= cursor) break;
        emit(start, cut, section);
        start = cut;
        words = 0;
        const piece = wordParts(text.slice(cursor, cut));
        restSpaced -= piece.spaced;
        restCjk -= piece.cjk;
        rest = restSpaced + Math.ceil(restCjk / 2);
        cursor = cut;
      }
      words += rest;
      if (words >= target) {
        emit(start, spanEnd, section);
        start = spanEnd;
        words = 0;
      }
    }
    emit(start, to, section);
  }
  return passages;
}
