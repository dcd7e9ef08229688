// The user's own library as the model worker searches it: opened read-only from IndexedDB (the ingest worker is its
// only writer), with the corpus index keyed for the loaded model, then kept current by applying the deltas the
// ingest worker publishes for its commits — the store is read again only when a delta cannot be applied. Until the
// ingest worker has re-keyed the library for that model (the tokenizer choice the two workers share), only BM25 is
// offered over it.
import { CorpusIndex } from '../src/core/corpus-index';
import type { Passage } from '../src/core/passage';
import type { PassageKeyer } from '../src/core/passage-keyer';
import type { RetrievalModel } from '../src/core/self-retriever';
import { SelfRetriever } from '../src/core/self-retriever';
import { Library, type LibraryDelta } from '../src/store/library';
import { openLibraryDb, type LibraryDb } from '../src/store/schema';
import type { DocumentText } from './protocol';

export interface UserLibrary {
  /** Keyed for the loaded model: self and hybrid modes are offered. */
  readonly keyed: boolean;
  readonly retriever: SelfRetriever<unknown>;
  /** The passage behind an entry of the index. */
  passage(entry: number): Passage;
  /** A document's parsed text, for "open in document". */
  documentText(path: string): Promise<DocumentText | null>;
  /** Applies a commit the ingest worker published; false when the library must be reopened instead. Never while a
   * search runs over it: the indexes change in place. */
  apply(delta: LibraryDelta): boolean;
  /** A commit (an ingest, a removal, a re-key) happened that this copy does not have. */
  stale(): Promise<boolean>;
}

/** Opens the library for BM25 only: no keys are read. */
const NO_MODEL: PassageKeyer = {
  tokenizer: { id: '', vocabSize: 0, eosTokenId: 0 },
  keys: () => [],
};

let db: LibraryDb | undefined;

export async function openUserLibrary(model?: {
  readonly keyer: PassageKeyer;
  readonly model: RetrievalModel;
}): Promise<UserLibrary> {
  db ??= await openLibraryDb(undefined, { onVersionChange: () => (db = undefined) });
  const store = db;
  const library = await Library.open(store, model?.keyer ?? NO_MODEL, { keepPassages: true });
  const passage = (entry: number) => library.passageAt(entry)!;
  const keyed = model !== undefined && !library.needsRekey;
  const retriever = keyed
    ? new SelfRetriever({ index: library.index, lexical: library.lexical, passage }, model.model)
    : new SelfRetriever({ index: CorpusIndex.build([], { endToken: 0 }), lexical: library.lexical, passage });
  return {
    keyed,
    retriever: retriever as SelfRetriever<unknown>,
    passage,
    documentText: async (path) => (await (db ?? store).get('sources', path)) ?? null,
    apply: (delta) => library.applyDelta(delta),
    async stale() {
      const manifest = await (db ?? store).get('meta', 'manifest');
      return (manifest?.generation ?? 0) !== library.state.generation;
    },
  };
}
