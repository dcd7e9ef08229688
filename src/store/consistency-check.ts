// The library's consistency check: every stored passage is reachable in the corpus index by its key, nothing else
// is there, and the lexical index holds exactly the stored passages. Tests and the page's diagnostics use it after
// crashes, cancels and imports; the fingerprint makes two libraries comparable.
import { contentHash } from '../core/content-hash';
import { lookup } from '../core/prefix-index';
import type { Library } from './library';

export interface ConsistencyReport {
  readonly ok: boolean;
  readonly storedPassages: number;
  readonly indexedPassages: number;
  /** Stored passages the corpus index cannot reach by their key. */
  readonly notIndexed: readonly string[];
  /** Index entries with no stored passage. */
  readonly notStored: readonly number[];
  readonly lexicalPassages: number;
  /** SHA-256 over every document's path and status and every passage's id: equal libraries, equal prints. */
  readonly fingerprint: string;
}

/** Checks `library` against what its store holds, between its commits (an ingest may be going on). */
export function checkLibrary(library: Library): Promise<ConsistencyReport> {
  return library.whileQuiet(() => check(library));
}

async function check(library: Library): Promise<ConsistencyReport> {
  const passages = await library.allPassages();
  const index = await library.currentIndex();
  const [lexical, keys] = await Promise.all([library.lexicalEntries(), library.keysByEntry()]);
  const endToken = library.passageKeyer.tokenizer.eosTokenId;
  const indexed = index.size > 0 ? index.entries(index.root()) : new Uint32Array(0);
  const stored = new Set(passages.map((p) => p.entry));
  const notIndexed = passages
    .filter((p) => {
      const key = keys.get(p.entry);
      return !key || !lookup(index, key.tokens, endToken).includes(p.entry);
    })
    .map((p) => p.id);
  const notStored = [...indexed].filter((e) => !stored.has(e));
  const lexicalOk =
    lexical !== undefined && lexical.length === passages.length && passages.every((p, i) => lexical[i] === p.entry);
  const summary = [
    ...library.documents().map((d) => `${d.path}\t${d.status}\t${d.passages}`),
    ...passages.map((p) => p.id).sort(),
  ].join('\n');
  return {
    fingerprint: await contentHash(new TextEncoder().encode(summary)),
    ok: notIndexed.length === 0 && notStored.length === 0 && indexed.length === passages.length && lexicalOk,
    storedPassages: passages.length,
    indexedPassages: indexed.length,
    notIndexed,
    notStored,
    lexicalPassages: lexical?.length ?? 0,
  };
}
