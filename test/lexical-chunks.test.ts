// The lexical index split by term ranks exactly as the whole index: on the Cranfield collection, every query of
// cran.qry gets the same entries, scores and order from the chunks its terms fall in as from `LexicalIndex.query`
// (as a one-file bundle loads it), and a query reads only those chunks.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chunkOf,
  decodeChunk,
  encodeChunk,
  queryTerms,
  scoreTerms,
  splitLexicalIndex,
  termPostings,
  type SplitLexicalIndex,
} from '../src/core/lexical-chunks';
import { LexicalIndex } from '../src/core/lexical-index';
import { cranfieldPassages, cranfieldQueries } from '../src/ingest/cranfield';
import { DEMO_CRANFIELD } from './paths';

const passages = cranfieldPassages(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8'));
const documents = passages.map((p, entry) => ({ entry, title: p.title, text: p.text }));
const queries = cranfieldQueries(readFileSync(`${DEMO_CRANFIELD}/cran.qry`, 'utf8')).map((q) => q.text);

function reader(split: SplitLexicalIndex) {
  const read = new Set<number>();
  const postings = (term: string) => {
    const chunk = chunkOf(split.firstTerms, term);
    if (chunk < 0) return undefined;
    read.add(chunk);
    return termPostings(split.chunks[chunk]!, term);
  };
  return { read, postings };
}

describe('the lexical index split by term', () => {
  const whole = LexicalIndex.load(
    (() => {
      const index = LexicalIndex.empty();
      index.add(documents);
      return index.serialize();
    })(),
  );
  const split = splitLexicalIndex(documents, 8 * 1024);

  it('cuts the sorted terms into chunks, each term in the chunk the directory names', () => {
    expect(split.chunks.length).toBeGreaterThan(20);
    expect([...split.firstTerms].sort()).toEqual(split.firstTerms);
    split.chunks.forEach((chunk, i) => {
      for (const term of chunk.terms.keys()) expect(chunkOf(split.firstTerms, term)).toBe(i);
    });
  });

  it('encodes each chunk as bytes that decode to it, and refuses bytes that are not a chunk', () => {
    for (const chunk of split.chunks) expect(decodeChunk(encodeChunk(chunk))).toEqual(chunk);
    const bytes = encodeChunk(split.chunks[0]!);
    expect(() => decodeChunk(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
    expect(() => decodeChunk(Uint8Array.of(...bytes, 0))).toThrow(RangeError);
    expect(() => decodeChunk(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(
      RangeError,
    );
  });

  it('ranks every Cranfield query exactly as the whole index, reading only its terms’ chunks', () => {
    for (const query of queries) {
      const { read, postings } = reader(split);
      expect(scoreTerms(query, split.stats, postings, Infinity)).toEqual(whole.query(query, Infinity));
      const wanted = new Set(
        queryTerms(query)
          .map((t) => chunkOf(split.firstTerms, t))
          .filter((c) => c >= 0),
      );
      expect(read).toEqual(wanted);
      expect(read.size).toBeLessThan(split.chunks.length);
    }
  });

  it('agrees with the whole index on arbitrary queries, repeated and unknown terms included', () => {
    const words = [...new Set(queries.flatMap((q) => q.split(' ')))].slice(0, 300).concat('constructor', '__proto__');
    const query = fc
      .array(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 6 })), { maxLength: 8 })
      .map((parts) => parts.join(' '));
    fc.assert(
      fc.property(query, (text) => {
        expect(scoreTerms(text, split.stats, reader(split).postings, 20)).toEqual(whole.query(text, 20));
      }),
      { numRuns: 300 },
    );
  });

  it('builds the same statistics and scores as MiniSearch from arbitrary passages, empty fields included', () => {
    const word = fc.oneof(
      fc.constantFrom('wing', 'Wing', 'flow', 'naïve', 'über', 'x', ''),
      fc.string({ maxLength: 5 }),
    );
    const field = fc
      .tuple(fc.array(word, { maxLength: 12 }), fc.constantFrom(' ', ', ', '-', '\n'))
      .map(([words, separator]) => words.join(separator));
    const corpus = fc.array(fc.record({ title: field, text: field }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(corpus, fc.array(word, { minLength: 1, maxLength: 4 }), (docs, terms) => {
        const passages = docs.map((d, entry) => ({ entry, ...d }));
        const index = LexicalIndex.empty();
        index.add(passages);
        const small = splitLexicalIndex(passages, 64);
        const text = terms.join(' ');
        expect(scoreTerms(text, small.stats, reader(small).postings, Infinity)).toEqual(index.query(text, Infinity));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses entries out of order', () => {
    expect(() => splitLexicalIndex([documents[1]!, documents[0]!])).toThrow(RangeError);
  });
});
