// A parsed document: the plain text a passage's offsets point into, its title, and where its sections (and PDF
// pages) start. Every parser produces one; the passage splitter consumes it. Pure data.
import { CodedError, type IngestErrorCode } from '../core/errors';

export interface Section {
  /** Section heading (e.g. a markdown heading), shown with the document title. */
  readonly heading: string;
  /** Character offset in `text` where the section starts. */
  readonly start: number;
}

export interface ParsedDocument {
  readonly title: string;
  /** The document's text, NFC-normalised: what "open in document" shows and what offsets index. */
  readonly text: string;
  /** Sections in order of `start`; empty when the format has none. */
  readonly sections: readonly Section[];
  /** Page starts (PDF), in order; empty for unpaged formats. */
  readonly pages: readonly number[];
}

/** A file that cannot be ingested; `code` (src/core/errors.ts `IngestErrorCode`) says why, the message says it to a
 * person. */
export class IngestError extends CodedError<IngestErrorCode> {}

/** The error a file of a type no parser reads is recorded with (also before its bytes are read). */
export function unsupportedType(path: string): IngestError {
  return new IngestError('UNSUPPORTED_TYPE', `${path}: files of this type are not supported`);
}
