// The user's own library as the model worker searches it: opened read-only from IndexedDB (the ingest worker is its
// only writer), with the corpus index keyed for the loaded model. Until the ingest worker has re-keyed the library
// for that model (the tokenizer choice the two workers share), only BM25 is offered over it.
import { CorpusIndex } from '../src/core/corpus-index';
import type { PassageKeyer } from '../src/core/passage-keyer';
import type { Passage } from '../src/core/passage';
import type { RetrievalModel } from '../src/core/self-retriever';
import { SelfRetriever } from '../src/core/self-retriever';
import { Library } from '../src/store/library';
import { openLibraryDb, passageOf, type LibraryDb } from '../src/store/schema';
import type { DocumentText } from './protocol';

export interface UserLibrary {
  /** Keyed for the loaded model: self and hybrid modes are offered. */
  readonly keyed: boolean;
  readonly retriever: SelfRetriever<unknown>;
  /** The passage behind an entry of the index. */
  passage(entry: number): Passage;
  /** A document's parsed text, for "open in document". */
  documentText(path: string): Promise<DocumentText | null>;
  /** Another commit (an ingest, a removal, a re-key) happened since this was opened. */
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
  const library = await Library.open(store, model?.keyer ?? NO_MODEL);
  const generation = library.state.generation;
  const records = new Map<number, Passage>((await store.getAll('passages')).map((p) => [p.entry, passageOf(p)]));
  const passage = (entry: number) => records.get(entry)!;
  const keyed = model !== undefined && !library.needsRekey;
  const retriever = keyed
    ? new SelfRetriever({ index: library.index, lexical: library.lexical, passage }, model.model)
    : new SelfRetriever({ index: CorpusIndex.build([], { endToken: 0 }), lexical: library.lexical, passage });
  return {
    keyed,
    retriever: retriever as SelfRetriever<unknown>,
    passage,
    documentText: async (path) => (await (db ?? store).get('sources', path)) ?? null,
    async stale() {
      const manifest = await (db ?? store).get('meta', 'manifest');
      return (manifest?.generation ?? 0) !== generation;
    },
  };
}
