// Passage text in fragments, fetched on demand: fragment k holds the passages of entries [k·P, (k+1)·P) and the
// text they are cut from, stored once. A document's parsed text is split at its passages' ends into pieces, each
// kept with the passage that ends it (the last one runs to the document's end), so a passage is a slice of a piece
// in its own fragment and a document is its pieces joined — the text is never stored twice. A passage that is not
// a slice of its document's text (or whose document has no text) carries its own. What a reader can derive is not
// stored: a slice's content-derived id, a title the previous passage has, a section that is the title.
import type { BundleSource } from './library-bundle';
import type { Passage } from './passage';
import { passageId } from './passage-id';

/** Text a fragment aims at, in UTF-16 code units: small enough that a query's ten results fetch little besides
 * their own text, large enough that each file compresses well and a site of a million passages is not a million
 * files. */
export const FRAGMENT_TEXT = 4500;

/** Passages per fragment for a library: as many of its passages, at their mean length, as make FRAGMENT_TEXT (8 for
 * abstracts of ~100 words, 19 for passages of ~35 words), between 4 and 64. */
export function fragmentPassages(passages: readonly Pick<Passage, 'text'>[]): number {
  if (passages.length === 0) return 16;
  const mean = passages.reduce((n, p) => n + p.text.length, 0) / passages.length;
  return Math.min(64, Math.max(4, Math.round(FRAGMENT_TEXT / Math.max(1, mean))));
}

/** Text [from, from + text.length) of document `path`, whose whole text is `length` long. */
export interface FragmentPiece {
  readonly path: string;
  readonly from: number;
  readonly text: string;
  readonly length: number;
  /** The document's passage entries [first, first + count): the fragments that hold the rest of its pieces. */
  readonly entries: readonly [number, number];
  /** On the piece that starts the document. */
  readonly sections?: BundleSource['sections'];
  readonly pages?: BundleSource['pages'];
}

/**
 * Where a passage lies, as stored: only what a reader cannot derive. `id` is left out when it is the passage's
 * content-derived id (passage-id.ts); `title` when it is the previous passage's in the fragment; `section` when it is
 * the title (`null`: the passage has no section).
 */
interface Located {
  readonly id?: string;
  readonly title?: string;
  readonly start: number;
  readonly end: number;
  readonly section?: string | null;
  readonly page?: number;
}

/** A passage as a slice of piece `piece`, or (`text` set) as itself. */
export type FragmentPassage =
  (Located & { readonly piece: number }) | (Located & { readonly documentPath: string; readonly text: string });

export interface PassageFragment {
  /** The entry of the fragment's first passage. */
  readonly first: number;
  readonly passages: readonly FragmentPassage[];
  readonly pieces: readonly FragmentPiece[];
}

/** `p` as stored after a passage titled `previousTitle`; `derivedId`: the id a reader would derive, if any. */
function located(p: Passage, previousTitle: string | undefined, derivedId: string | undefined): Located {
  return {
    ...(p.id !== derivedId ? { id: p.id } : {}),
    ...(p.title !== previousTitle ? { title: p.title } : {}),
    start: p.start,
    end: p.end,
    ...(p.section === undefined ? { section: null } : p.section !== p.title ? { section: p.section } : {}),
    ...(p.page !== undefined ? { page: p.page } : {}),
  };
}

/**
 * Cuts passages (entry = position; a document's passages in a row, in text order, as the bundle writer orders them)
 * and their documents' texts into fragments of `perFragment` passages.
 */
export function cutFragments(
  passages: readonly Passage[],
  sources: readonly BundleSource[] = [],
  perFragment = fragmentPassages(passages),
): PassageFragment[] {
  const sourceOf = new Map(sources.map((s) => [s.path, s]));
  const range = new Map<string, [number, number]>();
  passages.forEach((p, entry) => {
    const r = range.get(p.documentPath);
    if (r) r[1] = entry - r[0] + 1;
    else range.set(p.documentPath, [entry, 1]);
  });
  /** How far each document's text is in pieces already. */
  const cursor = new Map<string, number>();
  const fragments: PassageFragment[] = [];
  for (let first = 0; first < passages.length; first += perFragment) {
    const pieces: { path: string; from: number; to: number }[] = [];
    const pieceOf = new Map<string, number>();
    const out: FragmentPassage[] = [];
    passages.slice(first, first + perFragment).forEach((p, i) => {
      const source = sourceOf.get(p.documentPath);
      const [docFirst, docCount] = range.get(p.documentPath)!;
      const last = first + i === docFirst + docCount - 1;
      const previousTitle = i > 0 ? passages[first + i - 1]!.title : undefined;
      if (!source) {
        out.push({ ...located(p, previousTitle, undefined), documentPath: p.documentPath, text: p.text });
        return;
      }
      let index = pieceOf.get(p.documentPath);
      if (index === undefined) {
        const from = cursor.get(p.documentPath) ?? 0;
        index = pieces.push({ path: p.documentPath, from, to: from }) - 1;
        pieceOf.set(p.documentPath, index);
      }
      const piece = pieces[index]!;
      const slice =
        p.start >= piece.from && p.end <= source.text.length && source.text.slice(p.start, p.end) === p.text;
      if (slice) piece.to = Math.max(piece.to, p.end);
      if (last) piece.to = source.text.length;
      cursor.set(p.documentPath, piece.to);
      // A slice's id is derived from its piece's document and its place in it; a passage with its own text keeps its id.
      const derived = passageId(p.documentPath, p.title, p.text, first + i - docFirst);
      out.push(
        slice
          ? { ...located(p, previousTitle, derived), piece: index }
          : { ...located(p, previousTitle, undefined), documentPath: p.documentPath, text: p.text },
      );
    });
    fragments.push({
      first,
      passages: out,
      pieces: pieces.map(({ path, from, to }) => {
        const source = sourceOf.get(path)!;
        return {
          path,
          from,
          text: source.text.slice(from, to),
          length: source.text.length,
          entries: range.get(path)!,
          ...(from === 0 ? { sections: source.sections, pages: source.pages } : {}),
        };
      }),
    });
  }
  return fragments;
}

/** Passage `index` of a fragment. */
export function fragmentPassage(fragment: PassageFragment, index: number): Passage {
  const p = fragment.passages[index];
  if (!p) throw new RangeError(`no passage ${index} in this fragment`);
  let title = p.title;
  for (let i = index - 1; title === undefined && i >= 0; i--) title = fragment.passages[i]!.title;
  if (title === undefined) throw new RangeError(`passage ${index} of the fragment has no title`);
  const section = p.section === null ? {} : { section: p.section ?? title };
  const where = { title, start: p.start, end: p.end, ...section, ...(p.page !== undefined ? { page: p.page } : {}) };
  if ('text' in p) {
    if (p.id === undefined) throw new RangeError(`passage ${index} of the fragment has no id`);
    return { id: p.id, documentPath: p.documentPath, text: p.text, ...where };
  }
  const piece = fragment.pieces[p.piece]!;
  const text = piece.text.slice(p.start - piece.from, p.end - piece.from);
  const id = p.id ?? passageId(piece.path, title, text, fragment.first + index - piece.entries[0]);
  return { id, documentPath: piece.path, text, ...where };
}

/** A document's text from all its pieces (from the fragments of its entries); undefined when they do not tile it. */
export function joinPieces(pieces: readonly FragmentPiece[]): BundleSource | undefined {
  const sorted = [...pieces].sort((a, b) => a.from - b.from);
  const head = sorted[0];
  if (!head || head.from !== 0) return undefined;
  let at = 0;
  const parts: string[] = [];
  for (const piece of sorted) {
    if (piece.from !== at) return undefined;
    parts.push(piece.text);
    at += piece.text.length;
  }
  if (at !== head.length) return undefined;
  return { path: head.path, text: parts.join(''), sections: head.sections ?? [], pages: head.pages ?? [] };
}

export function isPassageFragment(value: unknown): value is PassageFragment {
  const f = value as Partial<PassageFragment> | null;
  return (
    typeof f === 'object' &&
    f !== null &&
    Array.isArray(f.passages) &&
    Array.isArray(f.pieces) &&
    Number.isInteger(f.first) &&
    f.passages.every(
      (p: Partial<FragmentPassage> & { piece?: unknown; text?: unknown }) =>
        (p.id === undefined || typeof p.id === 'string') &&
        (p.title === undefined || typeof p.title === 'string') &&
        (p.section === undefined || p.section === null || typeof p.section === 'string') &&
        Number.isInteger(p.start) &&
        Number.isInteger(p.end) &&
        (typeof p.text === 'string' || (Number.isInteger(p.piece) && (p.piece as number) < f.pieces!.length)),
    ) &&
    f.pieces.every(
      (piece: Partial<FragmentPiece>) =>
        typeof piece.path === 'string' &&
        typeof piece.text === 'string' &&
        Number.isInteger(piece.from) &&
        Number.isInteger(piece.length),
    )
  );
}
