// The user's own library as a corpus of the engine session: opened read-only from IndexedDB (the ingest worker is
// its only writer), with the corpus index keyed for the loaded model, then kept current by applying the deltas the
// ingest worker publishes for its commits on the library's BroadcastChannel — the store is read again only when a
// delta cannot be applied. Until the ingest worker has re-keyed the library for the model (the tokenizer choice
// the two workers share), only BM25 is offered over it. Passage text is not held: a search reads from the store the
// passages it shows, assesses and cites.
import { CorpusIndex } from '../src/core/corpus-index';
import type { PassageKeyer } from '../src/core/passage-keyer';
import { SelfRetriever } from '../src/core/self-retriever';
import type { Passage } from '../src/core/passage';
import { Library, LibraryError, type LibraryDelta } from '../src/store/library';
import { passageOf } from '../src/store/schema';
import type { LibraryDb } from '../src/store/schema';
import type { CorpusSource, EngineModel, SearchTarget } from './engine-session';
import { LIBRARY_CHANNEL, type LibraryChannelMessage } from './library-protocol';

/** Opens the library for BM25 only: no keys are read. */
const NO_MODEL: PassageKeyer = {
  tokenizer: { id: '', vocabSize: 0, eosTokenId: 0 },
  keys: () => [],
};

/** Passages read for searches that are kept at hand. */
const RECENT_PASSAGES = 512;

/** Past this many passages in waiting deltas, reopening the library is cheaper than holding them. */
const MAX_PENDING_PASSAGES = 50_000;

export interface UserLibraryOptions {
  /** Opens the library's database; `onVersionChange` is called when another tab upgrades it (it is closed then). */
  readonly openDb: (onVersionChange: () => void) => Promise<LibraryDb>;
  /** The BroadcastChannel the ingest worker publishes on (default LIBRARY_CHANNEL). */
  readonly channel?: string;
}

interface Opened {
  readonly library: Library;
  readonly target: SearchTarget;
}

export function userLibraryCorpus(options: UserLibraryOptions): CorpusSource & { close(): void } {
  let db: Promise<LibraryDb> | undefined;
  let model: EngineModel | undefined;
  let opened: Promise<Opened> | undefined;
  /** The ingest worker's commits not yet applied to the open library. */
  const pending: LibraryDelta[] = [];
  let pendingPassages = 0;

  /** The database, opened once; a failed open is tried again by the next caller. */
  const database = () => {
    if (!db) {
      const opening = options.openDb(() => (db = undefined));
      opening.catch(() => db === opening && (db = undefined));
      db = opening;
    }
    return db;
  };

  /** Forgets the open library and what was waiting for it: the next search reads the store. */
  function close(): void {
    opened = undefined;
    pending.length = 0;
    pendingPassages = 0;
  }

  async function open(): Promise<Opened> {
    const store = await database();
    const library = await Library.open(store, model?.keyer ?? NO_MODEL);
    // Passage text stays in IndexedDB: a search reads the passages it shows, assesses and cites, keeping the last
    // few hundred (one search asks for the same passages at each step).
    const recent = new Map<number, Passage>();
    const passage = async (entry: number): Promise<Passage> => {
      const held = recent.get(entry);
      if (held) return held;
      const record = await library.passage(entry);
      if (!record)
        throw new LibraryError(
          'PASSAGE_REMOVED',
          `passage ${entry} was removed from the library while it was searched`,
        );
      if (recent.size >= RECENT_PASSAGES) recent.clear();
      const read = passageOf(record);
      recent.set(entry, read);
      return read;
    };
    const keyed = model !== undefined && !library.needsRekey;
    const retriever = keyed
      ? new SelfRetriever({ index: library.index, lexical: library.lexical, passage }, model!.model)
      : new SelfRetriever({ index: CorpusIndex.build([], { endToken: 0 }), lexical: library.lexical, passage });
    return { library, target: { retriever: retriever as SelfRetriever<unknown>, passage, keyed } };
  }

  /** Opens the library; a failed open is tried again by the next search. */
  function reopen(): Promise<Opened> {
    const opening = open();
    opening.catch(() => opened === opening && (opened = undefined));
    return opening;
  }

  const channel = new BroadcastChannel(options.channel ?? LIBRARY_CHANNEL);
  channel.onmessage = (event: MessageEvent<LibraryChannelMessage>) => {
    const message = event.data;
    if (message.type !== 'committed' || !opened) return;
    const { delta } = message;
    pending.push(delta);
    pendingPassages += delta.kind === 'passages' ? delta.added.length : 0;
    if (delta.kind === 'reset' || pendingPassages > MAX_PENDING_PASSAGES) close();
  };

  return {
    useModel(next) {
      model = next;
      close();
    },

    async target(idle) {
      let current = await (opened ??= reopen());
      // Commits since the last search, applied now that nothing searches the indexes they change.
      let followed = true;
      if (pending.length > 0 && idle) {
        const deltas = pending.splice(0);
        pendingPassages = 0;
        for (const delta of deltas) if (!(followed = await current.library.applyDelta(delta))) break;
        if (followed) await current.library.compactIfDue();
      }
      if (!followed || (await stale(current.library))) {
        close();
        current = await (opened = reopen());
      }
      return current.target;
    },

    async documentText(path) {
      return (await (await database()).get('sources', path)) ?? null;
    },

    close() {
      channel.close();
      close();
    },
  };

  /** A commit (an ingest, a removal, a re-key) happened that this copy does not have. */
  async function stale(library: Library): Promise<boolean> {
    const manifest = await (await database()).get('meta', 'manifest');
    return (manifest?.generation ?? 0) !== library.state.generation;
  }
}
