// Type declarations for modules that ship none.

/** pdfjs's worker code, loaded in-thread by src/ingest/parsers/pdf.ts. */
declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs';
