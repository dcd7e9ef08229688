// A library to and from one index bundle (src/core/library-bundle.ts): the app's export and import. An import is
// checked whole before anything changes, then replaces the library in one transaction.
import { packBundle, unpackBundle } from '../core/bundle';
import { libraryBundle, readLibraryBundle } from '../core/library-bundle';
import type { Library } from './library';
import { passageOf, type DocumentRecord, type PassageRecord } from './schema';

/** The whole library as one bundle file's bytes. */
export async function exportLibraryBundle(library: Library): Promise<Uint8Array> {
  library.assertKeyed();
  const [passages, sources, keys] = await Promise.all([
    library.allPassages(),
    library.allSources(),
    library.keysByEntry(),
  ]);
  const bundle = libraryBundle({
    tokenizer: library.passageKeyer.tokenizer,
    documents: library.documents(),
    passages: passages.map(passageOf),
    keys: passages.map((p) => keys.get(p.entry)!),
    sources,
  });
  return packBundle(bundle);
}

/**
 * Replaces the library with a bundle's. The bundle is checked completely first, so a corrupt or foreign one throws
 * (BundleError) and changes nothing. Keys are made with the library's own tokenizer.
 */
export async function importLibraryBundle(
  library: Library,
  bytes: Uint8Array,
): Promise<{ documents: number; passages: number }> {
  const loaded = readLibraryBundle(unpackBundle(bytes));
  const passages = loaded.passages.map((p, entry): PassageRecord => ({ ...p, entry }));
  const keys = library.passageKeyer.keys(passages);
  const documents = loaded.documents as readonly DocumentRecord[];
  await library.replaceWith({ documents, sources: loaded.sources ?? [], passages, keys });
  return { documents: loaded.documents.length, passages: passages.length };
}
