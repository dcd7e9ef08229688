// Errors with a stable `code` (Orama's catalog style): callers and tests branch on the code, people read the message.

export class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Why a file could not be ingested: thrown as src/ingest/document.ts `IngestError` and kept on a stored document
 * (src/store/schema.ts), hence here, where both layers may import it.
 * UNSUPPORTED_TYPE: no parser for the file's extension. PARSE_FAILED: the parser could not read it (broken,
 * truncated, not what its extension says). EMPTY_DOCUMENT: it has no text. BINARY_CONTENT: a text type whose bytes
 * are not text (an image or program with a text extension): refused rather than indexed as mojibake.
 */
export type IngestErrorCode = 'UNSUPPORTED_TYPE' | 'PARSE_FAILED' | 'EMPTY_DOCUMENT' | 'BINARY_CONTENT';
