// A passage: the unit the index keys, the model generates, a library stores and the user reads. The one shape of a
// passage everywhere: the splitter's output, a bundle's and the browser store's passages, and every search hit's.
// Pure data.

export interface Passage {
  /** Content-derived id, unique in a library (passage-id.ts). */
  readonly id: string;
  /** Path of the document it was cut from, relative to what the user gave ('/'-separated). */
  readonly documentPath: string;
  /** Document title (plus section heading where there is one): the first part of the corpus key. */
  readonly title: string;
  /** The passage text, exactly as shown to the user and keyed in the index. */
  readonly text: string;
  /** Character offsets in the document's text: `text === documentText.slice(start, end)`. */
  readonly start: number;
  readonly end: number;
  /** The section heading it sits under, where the document has sections. */
  readonly section?: string;
  /** 1-based page (PDF) where the passage starts. */
  readonly page?: number;
}
