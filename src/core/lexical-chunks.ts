// The lexical index split by term (Pagefind's idea), so a query fetches only the chunks that hold its terms. Terms
// are sorted and cut into chunks of about `CHUNK_BYTES`; a directory of each chunk's first term (small, loaded up
// front) says which chunk holds a term. A posting carries its field length, so no per-passage table is needed to
// score. Scoring is MiniSearch's BM25+ exactly as `LexicalIndex` runs it — the same tokenizer and term processing,
// the same per-field document frequencies, boosts, summation order and tie order — so a sharded bundle ranks the
// keyword matches exactly as a one-file bundle does.
import MiniSearch from 'minisearch';
import { LEXICAL_FIELDS, LEXICAL_BOOST, type LexicalDocument, type LexicalHit } from './lexical-index';

/** Raw bytes a chunk aims at, before compression, counting ~1.5 bytes for each of a posting's three numbers (the
 * encoding stores a passage's field length once per chunk, so chunks come out smaller than this). */
export const CHUNK_BYTES = 24 * 1024;

/** What every chunk shares: the collection statistics BM25 needs. */
export interface LexicalStats {
  readonly documentCount: number;
  /** Per field, in LEXICAL_FIELDS order. */
  readonly averageFieldLength: readonly number[];
}

/**
 * One term's postings per field (LEXICAL_FIELDS order): flat triples `entry gap, term frequency, field length`, in
 * ascending entry order (the order MiniSearch iterates a loaded index in); the first gap is from entry 0. Gaps are
 * small numbers, which compress far better than entries.
 */
export type TermPostings = readonly (readonly number[])[];

export interface LexicalChunk {
  readonly terms: ReadonlyMap<string, TermPostings>;
}

export interface SplitLexicalIndex {
  readonly stats: LexicalStats;
  /** First term of each chunk, ascending; chunk i holds the terms in [firstTerms[i], firstTerms[i + 1]). */
  readonly firstTerms: readonly string[];
  readonly chunks: readonly LexicalChunk[];
}

/** An Int32Array that grows as it is appended to. */
class Int32Log {
  #data = new Int32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.#data.length) {
      const grown = new Int32Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.length++] = value;
  }
  get(i: number): number {
    return this.#data[i]!;
  }
}

const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];
const processTerm = MiniSearch.getDefault('processTerm') as (
  term: string,
) => string | string[] | null | undefined | false;

/** One field of a passage as BM25 sees it: its length (distinct raw tokens) and its terms with their frequencies,
 * in order of first occurrence. */
export interface AnalyzedField {
  readonly length: number;
  readonly terms: ReadonlyMap<string, number>;
}

/** A passage's fields (LEXICAL_FIELDS order) through MiniSearch's default tokenizer and term processing. */
export function analyzeDocument(document: Pick<LexicalDocument, 'title' | 'text'>): AnalyzedField[] {
  return LEXICAL_FIELDS.map((field) => {
    const tokens = tokenize(document[field]);
    const terms = new Map<string, number>();
    for (const token of tokens) {
      const processed = processTerm(token);
      for (const term of Array.isArray(processed) ? processed : [processed]) {
        if (term) terms.set(term, (terms.get(term) ?? 0) + 1);
      }
    }
    return { length: new Set(tokens).size, terms };
  });
}

/** A passage's field lengths (LEXICAL_FIELDS order): what removing it takes off the collection's statistics. */
export function fieldLengths(document: Pick<LexicalDocument, 'title' | 'text'>): number[] {
  return LEXICAL_FIELDS.map((field) => new Set(tokenize(document[field])).size);
}

/**
 * Builds the BM25 postings of passages added one at a time (entries ascending) in typed arrays — no per-posting
 * object, so a million passages fit in one process — and cuts them, terms sorted, into chunks. Terms, field lengths
 * and statistics are derived exactly as MiniSearch derives them (`LexicalIndex`'s options: its default tokenizer and
 * term processing; a field's length is its count of distinct raw tokens; the average is updated in MiniSearch's
 * order of operations), so the chunks score exactly as `LexicalIndex` does.
 */
export class LexicalIndexBuilder {
  readonly #termIds = new Map<string, number>();
  readonly #terms: string[] = [];
  /** Per field: one row per (passage, distinct term) — the term, the entry, the term frequency. */
  readonly #postings = LEXICAL_FIELDS.map(() => ({ term: new Int32Log(), entry: new Int32Log(), tf: new Int32Log() }));
  /** Per field: each passage's field length, in the order added. */
  readonly #lengths = LEXICAL_FIELDS.map(() => new Int32Log());
  readonly #entries = new Int32Log();
  readonly #average = LEXICAL_FIELDS.map(() => 0);
  readonly #totals = LEXICAL_FIELDS.map(() => 0);
  #count = 0;

  add(document: LexicalDocument): void {
    const last = this.#count > 0 ? this.#entries.get(this.#count - 1) : -1;
    if (!Number.isSafeInteger(document.entry) || document.entry <= last) {
      throw new RangeError(`entries must be added in ascending order (${document.entry} after ${last})`);
    }
    this.#entries.push(document.entry);
    analyzeDocument(document).forEach(({ length, terms }, f) => {
      this.#lengths[f]!.push(length);
      this.#average[f] = (this.#average[f]! * this.#count + length) / (this.#count + 1);
      this.#totals[f]! += length;
      const postings = this.#postings[f]!;
      for (const [term, tf] of terms) {
        let id = this.#termIds.get(term);
        if (id === undefined) {
          id = this.#terms.push(term) - 1;
          this.#termIds.set(term, id);
        }
        postings.term.push(id);
        postings.entry.push(this.#count);
        postings.tf.push(tf);
      }
    });
    this.#count++;
  }

  /** Per field, the sum of the passages' field lengths: whole numbers, exact in any order of additions and removals. */
  get totals(): number[] {
    return [...this.#totals];
  }

  /** The entries added, in order. */
  get entries(): Int32Array {
    return Int32Array.from({ length: this.#count }, (_, i) => this.#entries.get(i));
  }

  get stats(): LexicalStats {
    return { documentCount: this.#count, averageFieldLength: [...this.#average] };
  }

  /** The chunks of about `chunkBytes` encoded bytes, terms in code-unit order, each with its first term. */
  *chunks(chunkBytes = CHUNK_BYTES): Generator<{ readonly firstTerm: string; readonly chunk: LexicalChunk }> {
    // Per field, the rows grouped by term (a counting sort keeps each term's rows in the order added: by entry).
    const byTerm = this.#postings.map((postings) => {
      const n = postings.term.length;
      const start = new Int32Array(this.#terms.length + 1);
      for (let i = 0; i < n; i++) start[postings.term.get(i) + 1]!++;
      for (let t = 0; t < this.#terms.length; t++) start[t + 1]! += start[t]!;
      const next = start.slice(0, this.#terms.length);
      const rows = new Int32Array(n);
      for (let i = 0; i < n; i++) rows[next[postings.term.get(i)]!++] = i;
      return { start, rows };
    });
    const order = this.#terms.map((_, id) => id).sort((a, b) => compareTerms(this.#terms[a]!, this.#terms[b]!));
    let current = new Map<string, TermPostings>();
    let firstTerm = '';
    let size = 0;
    for (const id of order) {
      const term = this.#terms[id]!;
      const fields = byTerm.map(({ start, rows }, f) => {
        const { entry, tf } = this.#postings[f]!;
        const lengths = this.#lengths[f]!;
        const flat: number[] = [];
        let previous = 0;
        for (let r = start[id]!; r < start[id + 1]!; r++) {
          const row = rows[r]!;
          const position = entry.get(row);
          const at = this.#entries.get(position);
          flat.push(at - previous, tf.get(row), lengths.get(position));
          previous = at;
        }
        return flat;
      });
      // About what the encoding takes: the term, the counts, ~1.5 bytes per number.
      const bytes = term.length + 4 + fields.reduce((n, p) => n + p.length * 1.5, 0);
      if (size > 0 && size + bytes > chunkBytes) {
        yield { firstTerm, chunk: { terms: current } };
        current = new Map();
        size = 0;
      }
      if (size === 0) firstTerm = term;
      current.set(term, fields);
      size += bytes;
    }
    if (size > 0) yield { firstTerm, chunk: { terms: current } };
  }
}

/** The BM25 index of `documents` (entries ascending) split by term, all chunks at once. */
export function splitLexicalIndex(documents: Iterable<LexicalDocument>, chunkBytes = CHUNK_BYTES): SplitLexicalIndex {
  const builder = new LexicalIndexBuilder();
  for (const document of documents) builder.add(document);
  const firstTerms: string[] = [];
  const chunks: LexicalChunk[] = [];
  for (const { firstTerm, chunk } of builder.chunks(chunkBytes)) {
    firstTerms.push(firstTerm);
    chunks.push(chunk);
  }
  return { stats: builder.stats, firstTerms, chunks };
}

/** A term's postings in a chunk. */
export function termPostings(chunk: LexicalChunk, term: string): TermPostings | undefined {
  return chunk.terms.get(term);
}

/**
 * A chunk as bytes, unsigned LEB128 varints throughout. First, per field, a table of the passages the chunk's
 * postings name: their count, their entries (as gaps) and their field lengths — a passage's field length is the same
 * in every posting of it, so it is stored once per chunk rather than once per term. Then the term count and per term
 * the bytes it shares with the previous term (terms are sorted, so neighbours share prefixes), the length and UTF-8
 * bytes of the rest and, per field, the posting count, the postings' places in the field's table (as gaps less one)
 * and their term frequencies: alike numbers side by side compress better than interleaved ones.
 */
export function encodeChunk(chunk: LexicalChunk): Uint8Array {
  const out: number[] = [];
  const varint = (n: number) => {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`a chunk holds counts, not ${n}`);
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
  };
  // Per field: every entry a posting names, with its field length; then each entry's place in entry order.
  const tables = LEXICAL_FIELDS.map((_, f) => {
    const lengths = new Map<number, number>();
    for (const fields of chunk.terms.values()) {
      const flat = fields[f] ?? [];
      let entry = 0;
      for (let i = 0; i < flat.length; i += 3) {
        entry += flat[i]!;
        const known = lengths.get(entry);
        if (known !== undefined && known !== flat[i + 2]) {
          throw new RangeError(`entry ${entry} has two lengths in one field`);
        }
        lengths.set(entry, flat[i + 2]!);
      }
    }
    const entries = [...lengths.keys()].sort((a, b) => a - b);
    varint(entries.length);
    entries.forEach((entry, i) => varint(entry - (i > 0 ? entries[i - 1]! : 0)));
    for (const entry of entries) varint(lengths.get(entry)!);
    return new Map(entries.map((entry, place) => [entry, place]));
  });
  const encoder = new TextEncoder();
  varint(chunk.terms.size);
  let previous = new Uint8Array(0);
  for (const [term, fields] of chunk.terms) {
    const bytes = encoder.encode(term);
    let shared = 0;
    while (shared < bytes.length && shared < previous.length && bytes[shared] === previous[shared]) shared++;
    varint(shared);
    varint(bytes.length - shared);
    for (const b of bytes.subarray(shared)) out.push(b);
    previous = bytes;
    for (let f = 0; f < LEXICAL_FIELDS.length; f++) {
      const flat = fields[f] ?? [];
      const n = flat.length / 3;
      varint(n);
      let entry = 0;
      let place = -1;
      for (let i = 0; i < n; i++) {
        entry += flat[3 * i]!;
        const next = tables[f]!.get(entry)!;
        varint(next - place - 1);
        place = next;
      }
      for (let i = 0; i < n; i++) varint(flat[3 * i + 1]!);
    }
  }
  return Uint8Array.from(out);
}

/** Reads what `encodeChunk` wrote; throws RangeError on bytes that are not a chunk. */
export function decodeChunk(bytes: Uint8Array): LexicalChunk {
  let at = 0;
  const varint = () => {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length || scale > 2 ** 49) throw new RangeError('truncated or malformed chunk');
      const b = bytes[at++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  };
  const tables = LEXICAL_FIELDS.map(() => {
    const count = varint();
    if (count > bytes.length - at) throw new RangeError('truncated chunk');
    const entries = new Array<number>(count);
    for (let i = 0, entry = 0; i < count; i++) entries[i] = entry += varint();
    const lengths = new Array<number>(count);
    for (let i = 0; i < count; i++) lengths[i] = varint();
    return { entries, lengths };
  });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const terms = new Map<string, TermPostings>();
  let previous = new Uint8Array(0);
  for (let count = varint(); count > 0; count--) {
    const shared = varint();
    const length = varint();
    if (shared > previous.length || at + length > bytes.length) throw new RangeError('truncated chunk');
    const term = new Uint8Array(shared + length);
    term.set(previous.subarray(0, shared));
    term.set(bytes.subarray(at, at + length), shared);
    at += length;
    previous = term;
    const fields: number[][] = [];
    for (let f = 0; f < LEXICAL_FIELDS.length; f++) {
      const { entries, lengths } = tables[f]!;
      const n = varint();
      if (n * 2 > bytes.length - at) throw new RangeError('truncated chunk');
      const flat = new Array<number>(n * 3);
      let place = -1;
      let entry = 0;
      for (let i = 0; i < n; i++) {
        place += varint() + 1;
        if (place >= entries.length) throw new RangeError('a posting outside its chunk’s table');
        flat[3 * i] = entries[place]! - entry;
        flat[3 * i + 2] = lengths[place]!;
        entry = entries[place]!;
      }
      for (let i = 0; i < n; i++) flat[3 * i + 1] = varint();
      fields.push(flat);
    }
    terms.set(decoder.decode(term), fields);
  }
  if (at !== bytes.length) throw new RangeError('trailing bytes after the chunk');
  return { terms };
}

/** Code-unit order, the order the directory is searched in. */
function compareTerms(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The chunk that would hold `term`, or -1 when it sorts before every chunk. */
export function chunkOf(firstTerms: readonly string[], term: string): number {
  let lo = 0;
  let hi = firstTerms.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (compareTerms(firstTerms[mid]!, term) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The query's terms as MiniSearch derives them (one per occurrence: a repeated term counts again). */
export function queryTerms(text: string): string[] {
  return tokenize(text)
    .flatMap((term) => processTerm(term) || [])
    .filter((term): term is string => !!term);
}

const BM25 = { k: 1.2, b: 0.7, d: 0.5 };

function bm25(tf: number, matching: number, total: number, length: number, average: number): number {
  const { k, b, d } = BM25;
  const idf = Math.log(1 + (total - matching + 0.5) / (matching + 0.5));
  return idf * (d + (tf * (k + 1)) / (tf + k * (1 - b + (b * length) / average)));
}

interface Scored {
  score: number;
  readonly terms: string[];
}

/**
 * Ranks entries for `text` from the postings of its terms (`postings(term)` is undefined for a term no passage has).
 * The same hits, scores and order as `LexicalIndex.query` over the same documents.
 */
export function scoreTerms(
  text: string,
  stats: LexicalStats,
  postings: (term: string) => TermPostings | undefined,
  limit = 10,
): LexicalHit[] {
  const perTerm = queryTerms(text).map((term) => {
    const results = new Map<number, Scored>();
    const fields = postings(term);
    if (!fields) return results;
    LEXICAL_FIELDS.forEach((field, f) => {
      const flat = fields[f] ?? [];
      const matching = flat.length / 3;
      const boost = LEXICAL_BOOST[field] ?? 1;
      let entry = 0;
      for (let i = 0; i < flat.length; i += 3) {
        entry += flat[i]!;
        const raw = bm25(flat[i + 1]!, matching, stats.documentCount, flat[i + 2]!, stats.averageFieldLength[f]!);
        const weighted = 1 * 1 * boost * 1 * raw;
        const result = results.get(entry);
        if (result) {
          result.score += weighted;
          if (!result.terms.includes(term)) result.terms.push(term);
        } else {
          results.set(entry, { score: weighted, terms: [term] });
        }
      }
    });
    return results;
  });
  if (perTerm.length === 0) return [];
  const combined = perTerm.reduce((a, b) => {
    for (const [entry, scored] of b) {
      const existing = a.get(entry);
      if (!existing) {
        a.set(entry, scored);
      } else {
        existing.score = existing.score + scored.score;
        for (const term of scored.terms) if (!existing.terms.includes(term)) existing.terms.push(term);
      }
    }
    return a;
  });
  const hits = [...combined].map(([entry, { score, terms }]) => ({ entry, score: score * (terms.length || 1) }));
  hits.sort((a, b) => b.score - a.score);
  return hits.slice(0, limit);
}
