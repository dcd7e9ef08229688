// The documents' records of a sharded bundle, in pages by path: opening one document (to show a passage in place)
// fetches the one page that holds its path, found through a directory of each page's first path in the manifest,
// the way a query finds its keyword chunks; a library view fetches them all. A page stores its records by column
// (all paths, then all sizes, …): alike values side by side compress better than records one after another.
import type { BundleDocument } from './library-bundle';
import { chunkOf } from './lexical-chunks';

/** Documents per page. */
export const DOCUMENTS_PER_PAGE = 1024;

/** A document's record in a sharded bundle, with where its passages start (they are consecutive entries). A published
 * bundle leaves out what only the library that built it uses (the file's hash, when it was ingested) and what a
 * reader has elsewhere: the title, when it is its first passage's. */
export type ShardedDocument = Omit<BundleDocument, 'hash' | 'ingestedAt' | 'title'> & {
  readonly title?: string;
  readonly firstEntry?: number;
};

type Column = keyof ShardedDocument;

/** Every field of a record, in the order a page stores the columns. */
const COLUMNS: readonly Column[] = [
  'path',
  'title',
  'status',
  'passages',
  'firstEntry',
  'size',
  'mtime',
  'error',
  'duplicateOf',
];

/** One page: per field, its values in path order (`null` where a record has none); fields no record has are left
 * out. */
export type DocumentPage = { readonly path: readonly string[] } & Partial<
  Record<Exclude<Column, 'path'>, readonly unknown[]>
>;

const byPath = (a: ShardedDocument, b: ShardedDocument) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Records sorted by path and cut into pages, with each page's first path. */
export function pageDocuments(
  documents: readonly ShardedDocument[],
  perPage = DOCUMENTS_PER_PAGE,
): { firstPaths: string[]; pages: DocumentPage[] } {
  const sorted = [...documents].sort(byPath);
  const firstPaths: string[] = [];
  const pages: DocumentPage[] = [];
  for (let i = 0; i < sorted.length; i += perPage) {
    const records = sorted.slice(i, i + perPage);
    firstPaths.push(records[0]!.path);
    const page: Record<string, unknown[]> = {};
    for (const column of COLUMNS) {
      if (records.some((r) => r[column] !== undefined)) page[column] = records.map((r) => r[column] ?? null);
    }
    pages.push(page as unknown as DocumentPage);
  }
  return { firstPaths, pages };
}

/** The records of a page. */
export function pageRecords(page: DocumentPage): ShardedDocument[] {
  return page.path.map((_, i) => {
    const record: Record<string, unknown> = {};
    for (const column of COLUMNS) {
      const value = page[column]?.[i];
      if (value !== undefined && value !== null) record[column] = value;
    }
    return record as ShardedDocument;
  });
}

/** The page that would hold `path` (the directory search the keyword chunks use), or -1. */
export function pageOf(firstPaths: readonly string[], path: string): number {
  return chunkOf(firstPaths, path);
}

export function isDocumentPage(value: unknown): value is DocumentPage {
  const page = value as Record<string, unknown> | null;
  if (typeof page !== 'object' || page === null || !Array.isArray(page['path'])) return false;
  const rows = page['path'].length;
  return (
    page['path'].every((p) => typeof p === 'string') &&
    Object.entries(page).every(
      ([column, values]) => COLUMNS.includes(column as Column) && Array.isArray(values) && values.length === rows,
    ) &&
    (!page['passages'] || (page['passages'] as unknown[]).every((n) => Number.isInteger(n)))
  );
}
