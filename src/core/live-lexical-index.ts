// LiveLexicalIndex: the library's BM25 index without holding it. A base — the index split by term into chunks
// (lexical-chunks.ts), stored elsewhere and read a chunk at a time as queries need them — plus the changes since it
// was built, in memory: passages added (their postings) and passages removed (tombstones, with the field lengths
// they take off the statistics). The writer folds the changes into a new base once they grow past a bound, so what
// is held stays small whatever the library's size. Ranking is MiniSearch's BM25+ (`scoreTerms`) over exactly the
// live passages: removed ones neither match nor count in a term's document frequency, and the collection's
// statistics are kept as whole-number sums, so every copy that saw the same changes ranks identically.
import { CodedError } from './errors';
import {
  analyzeDocument,
  chunkOf,
  queryTerms,
  scoreTerms,
  termPostings,
  type LexicalChunk,
  type LexicalStats,
  type TermPostings,
} from './lexical-chunks';
import { LEXICAL_FIELDS, type LexicalDocument, type LexicalHit } from './lexical-index';

/** What a stored base holds up front: the statistics, the chunk directory, and the entries it covers. */
export interface LexicalBase {
  readonly stats: LexicalStats;
  /** Per field, the sum of the base passages' field lengths. */
  readonly totals: readonly number[];
  /** First term of each chunk, ascending (chunk k holds [firstTerms[k], firstTerms[k + 1])). */
  readonly firstTerms: readonly string[];
  /** Every base passage's entry is below this; a passage at or above it was added after the base was built. */
  readonly nextEntry: number;
}

export const EMPTY_LEXICAL_BASE: LexicalBase = {
  stats: { documentCount: 0, averageFieldLength: LEXICAL_FIELDS.map(() => 0) },
  totals: LEXICAL_FIELDS.map(() => 0),
  firstTerms: [],
  nextEntry: 0,
};

/** A passage taken out of the index, with its field lengths (LEXICAL_FIELDS order; see `fieldLengths`). */
export interface LexicalRemoval {
  readonly entry: number;
  readonly lengths: readonly number[];
}

export class LexicalChunkMissing extends CodedError<'LEXICAL_CHUNK_MISSING'> {}

/** Reads chunk `k` of the base; undefined when it is gone (a newer base replaced it). */
export type ChunkReader = (k: number) => Promise<LexicalChunk | undefined>;

/** Decoded base chunks kept for the next queries (a chunk is at most a few hundred KB decoded). */
const CACHED_CHUNKS = 16;

export class LiveLexicalIndex {
  /** Added passages' postings by term: per field, flat `entry, tf, field length` triples, entries ascending. */
  readonly #added = new Map<string, number[][]>();
  readonly #addedEntries = new Set<number>();
  /** Removed passages, of the base or added since: filtered out of every posting list. */
  readonly #removed = new Set<number>();
  readonly #totals: number[];
  #count: number;
  #lastAdded: number;
  readonly #chunks = new Map<number, LexicalChunk>();

  constructor(
    readonly base: LexicalBase,
    private readonly readChunk: ChunkReader,
  ) {
    this.#totals = [...base.totals];
    this.#count = base.stats.documentCount;
    this.#lastAdded = base.nextEntry - 1;
  }

  /** Live passages. */
  get size(): number {
    return this.#count;
  }

  /** Changes held in memory since the base: passages added and removed. */
  get pending(): number {
    return this.#addedEntries.size + this.#removed.size;
  }

  /** The statistics BM25 needs: the base's own until something changed, then from the exact sums. */
  get stats(): LexicalStats {
    if (this.pending === 0) return this.base.stats;
    const count = this.#count;
    return { documentCount: count, averageFieldLength: this.#totals.map((total) => (count > 0 ? total / count : 0)) };
  }

  /** Passages added since the base and still live, ascending. */
  addedEntries(): number[] {
    return [...this.#addedEntries].sort((a, b) => a - b);
  }

  /** Base passages removed since the base was built. */
  removedFromBase(): number[] {
    return [...this.#removed].filter((entry) => entry < this.base.nextEntry);
  }

  /** Adds passages newer than every passage held (entries are never reused). */
  add(documents: readonly LexicalDocument[]): void {
    for (const document of [...documents].sort((a, b) => a.entry - b.entry)) {
      if (!Number.isSafeInteger(document.entry) || document.entry <= this.#lastAdded) {
        throw new RangeError(`passage ${document.entry} is not newer than every passage held (${this.#lastAdded})`);
      }
      this.#lastAdded = document.entry;
      analyzeDocument(document).forEach(({ length, terms }, f) => {
        this.#totals[f]! += length;
        for (const [term, tf] of terms) {
          let fields = this.#added.get(term);
          if (!fields) this.#added.set(term, (fields = LEXICAL_FIELDS.map(() => [])));
          fields[f]!.push(document.entry, tf, length);
        }
      });
      this.#addedEntries.add(document.entry);
      this.#count++;
    }
  }

  /** Removes live passages; an entry this index does not hold is ignored. */
  remove(removals: readonly LexicalRemoval[]): void {
    for (const { entry, lengths } of removals) {
      const held = this.#addedEntries.delete(entry) || (entry < this.base.nextEntry && !this.#removed.has(entry));
      if (!held) continue;
      this.#removed.add(entry);
      lengths.forEach((length, f) => (this.#totals[f]! -= length));
      this.#count--;
    }
  }

  /** BM25 hits for `text`, best first, reading only the base chunks its terms fall in. */
  async query(text: string, limit = 10): Promise<LexicalHit[]> {
    const terms = [...new Set(queryTerms(text))];
    const wanted = new Set(terms.map((term) => chunkOf(this.base.firstTerms, term)).filter((k) => k >= 0));
    const chunks = new Map<number, LexicalChunk>();
    await Promise.all([...wanted].map(async (k) => chunks.set(k, await this.#chunk(k))));
    const postings = new Map(
      terms.map((term) => {
        const chunk = chunks.get(chunkOf(this.base.firstTerms, term));
        return [term, this.#live(chunk && termPostings(chunk, term), this.#added.get(term))];
      }),
    );
    return scoreTerms(text, this.stats, (term) => postings.get(term), limit);
  }

  /** A term's live postings: the base's and the added ones (all newer), removed passages left out, as gaps. */
  #live(base: TermPostings | undefined, added: readonly (readonly number[])[] | undefined): TermPostings {
    return LEXICAL_FIELDS.map((_, f) => {
      const out: number[] = [];
      let previous = 0;
      const keep = (entry: number, tf: number, length: number) => {
        if (this.#removed.has(entry)) return;
        out.push(entry - previous, tf, length);
        previous = entry;
      };
      const fromBase = base?.[f] ?? [];
      for (let i = 0, entry = 0; i < fromBase.length; i += 3) {
        entry += fromBase[i]!;
        keep(entry, fromBase[i + 1]!, fromBase[i + 2]!);
      }
      const fromAdded = added?.[f] ?? [];
      for (let i = 0; i < fromAdded.length; i += 3) keep(fromAdded[i]!, fromAdded[i + 1]!, fromAdded[i + 2]!);
      return out;
    });
  }

  async #chunk(k: number): Promise<LexicalChunk> {
    const held = this.#chunks.get(k);
    if (held) {
      this.#chunks.delete(k); // most recently used last
      this.#chunks.set(k, held);
      return held;
    }
    const chunk = await this.readChunk(k);
    if (!chunk) {
      throw new LexicalChunkMissing(
        'LEXICAL_CHUNK_MISSING',
        `keyword chunk ${k} of this index is gone: a newer index replaced it`,
      );
    }
    this.#chunks.set(k, chunk);
    if (this.#chunks.size > CACHED_CHUNKS) this.#chunks.delete(this.#chunks.keys().next().value!);
    return chunk;
  }
}
