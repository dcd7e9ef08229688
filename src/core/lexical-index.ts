// LexicalIndex: BM25 over the same passages the corpus index holds, keyed by the same entry numbers — the baseline
// every evaluation is measured against, the fallback when no model can run, and (with the model) the per-query
// prior of hybrid mode. MiniSearch does the inverted index and scoring; this wrapper fixes the options (so a saved
// index always reloads with the ones it was built with) and versions the saved form.
import MiniSearch, { type AsPlainObject, type Options } from 'minisearch';
import { CodedError } from './errors';

export interface LexicalDocument {
  readonly entry: number;
  readonly title: string;
  readonly text: string;
}

export interface LexicalHit {
  readonly entry: number;
  readonly score: number;
}

/** Bumped when the options below change: an older saved index is then rebuilt, never misread. */
export const LEXICAL_FORMAT_VERSION = 1;

/** The fields searched, in scoring order, and their boosts (1 when absent). */
export const LEXICAL_FIELDS = ['title', 'text'] as const;
export const LEXICAL_BOOST: Readonly<Partial<Record<(typeof LEXICAL_FIELDS)[number], number>>> = { title: 1.5 };

const options = (): Options<LexicalDocument> => ({
  idField: 'entry',
  fields: [...LEXICAL_FIELDS],
  storeFields: [],
  searchOptions: { boost: { ...LEXICAL_BOOST }, prefix: false, fuzzy: false },
  autoVacuum: { minDirtCount: 1000, minDirtFactor: 0.1, batchSize: 1000, batchWait: 0 },
});

export class LexicalIndexError extends CodedError<'LEXICAL_FORMAT_UNSUPPORTED' | 'LEXICAL_CORRUPT'> {}

export class LexicalIndex {
  private constructor(private readonly search: MiniSearch<LexicalDocument>) {}

  static empty(): LexicalIndex {
    return new LexicalIndex(new MiniSearch<LexicalDocument>(options()));
  }

  /** Reads what `serialize` wrote; throws LexicalIndexError when it is from another version or damaged. */
  static load(bytes: Uint8Array): LexicalIndex {
    let saved: { version?: unknown; index?: unknown };
    try {
      saved = JSON.parse(new TextDecoder().decode(bytes)) as typeof saved;
    } catch {
      throw new LexicalIndexError('LEXICAL_CORRUPT', 'the saved lexical index is not valid JSON');
    }
    if (saved.version !== LEXICAL_FORMAT_VERSION) {
      throw new LexicalIndexError('LEXICAL_FORMAT_UNSUPPORTED', `lexical index version ${String(saved.version)}`);
    }
    try {
      return new LexicalIndex(MiniSearch.loadJS<LexicalDocument>(saved.index as never, options()));
    } catch (error) {
      throw new LexicalIndexError('LEXICAL_CORRUPT', `the saved lexical index is damaged: ${(error as Error).message}`);
    }
  }

  get size(): number {
    return this.search.documentCount;
  }

  has(entry: number): boolean {
    return this.search.has(entry);
  }

  add(documents: readonly LexicalDocument[]): void {
    this.search.addAll(documents);
  }

  remove(entries: Iterable<number>): void {
    for (const entry of entries) if (this.search.has(entry)) this.search.discard(entry);
  }

  /** BM25 hits, best first (every passage with a query term when `limit` is Infinity). */
  query(text: string, limit = 10): LexicalHit[] {
    return this.search
      .search(text)
      .slice(0, limit)
      .map((hit) => ({ entry: hit.id as number, score: hit.score }));
  }

  /** MiniSearch's plain form of the index (what `serialize` saves): its terms, postings and field statistics. */
  snapshot(): AsPlainObject {
    return this.search.toJSON();
  }

  serialize(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ version: LEXICAL_FORMAT_VERSION, index: this.search.toJSON() }));
  }
}
