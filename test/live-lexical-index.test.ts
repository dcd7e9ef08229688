// The library's keyword index held as a base of chunks plus the changes since: after any history of additions,
// removals and rebuilt bases, a query ranks the live passages as a fresh MiniSearch index of them does (the same
// hits, the same scores to rounding), reads only the chunks of its terms, and two copies that saw the same changes in
// different batches rank identically.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkOf, fieldLengths, LexicalIndexBuilder, type LexicalChunk } from '../src/core/lexical-chunks';
import { LexicalIndex, type LexicalDocument, type LexicalHit } from '../src/core/lexical-index';
import { LexicalChunkMissing, LiveLexicalIndex, EMPTY_LEXICAL_BASE } from '../src/core/live-lexical-index';
import { cranfieldPassages } from '../src/ingest/cranfield';
import { DEMO_CRANFIELD } from './paths';

const documents: LexicalDocument[] = cranfieldPassages(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8'))
  .slice(0, 160)
  .map((p, entry) => ({ entry, title: p.title, text: p.text }));
const queries = ['boundary layer', 'supersonic flow wing', 'heat transfer', 'flutter panel mach', 'the of and'];

/** A base of `live` (ascending) in small chunks, with a reader that records what it read. */
function baseOf(live: readonly LexicalDocument[], nextEntry: number) {
  const builder = new LexicalIndexBuilder();
  for (const document of live) builder.add(document);
  const chunks: LexicalChunk[] = [];
  const firstTerms: string[] = [];
  for (const { firstTerm, chunk } of builder.chunks(600)) {
    firstTerms.push(firstTerm);
    chunks.push(chunk);
  }
  const read: number[] = [];
  const index = new LiveLexicalIndex({ stats: builder.stats, totals: builder.totals, firstTerms, nextEntry }, (k) => {
    read.push(k);
    return Promise.resolve(chunks[k]);
  });
  return { index, read, chunks };
}

function fresh(live: readonly LexicalDocument[]): LexicalIndex {
  const index = LexicalIndex.empty();
  index.add(live);
  return index;
}

function expectSameRanking(actual: readonly LexicalHit[], expected: readonly LexicalHit[]) {
  expect(actual.map((h) => h.entry).sort((a, b) => a - b)).toEqual(expected.map((h) => h.entry).sort((a, b) => a - b));
  const score = new Map(expected.map((h) => [h.entry, h.score]));
  for (const hit of actual) expect(hit.score).toBeCloseTo(score.get(hit.entry)!, 9);
  // Order: a hit ranks above another whenever its score is clearly higher.
  for (let i = 1; i < actual.length; i++) expect(actual[i - 1]!.score).toBeGreaterThan(actual[i]!.score - 1e-9);
}

type Step = { kind: 'add'; count: number } | { kind: 'remove'; pick: number } | { kind: 'fold' };

const step = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), count: fc.integer({ min: 1, max: 25 }) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('fold' as const) }),
);

describe('LiveLexicalIndex', () => {
  it('ranks the live passages as a fresh MiniSearch index after any history of changes and rebuilt bases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps: Step[]) => {
        const live = new Map<number, LexicalDocument>();
        let next = 0;
        let index = new LiveLexicalIndex(EMPTY_LEXICAL_BASE, () => Promise.resolve(undefined));
        for (const s of steps) {
          if (s.kind === 'add') {
            const added = documents.slice(next, next + s.count);
            next += added.length;
            for (const d of added) live.set(d.entry, d);
            index.add(added);
          } else if (s.kind === 'remove' && live.size > 0) {
            const entries = [...live.keys()];
            const gone = live.get(entries[s.pick % entries.length]!)!;
            live.delete(gone.entry);
            index.remove([{ entry: gone.entry, lengths: fieldLengths(gone) }]);
          } else if (s.kind === 'fold') {
            index = baseOf([...live.values()], next).index;
          }
        }
        expect(index.size).toBe(live.size);
        const expected = fresh([...live.values()]);
        for (const query of queries) {
          expectSameRanking(await index.query(query, Infinity), expected.query(query, Infinity));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('with no changes since its base, ranks exactly as MiniSearch, reading only the chunks of the query’s terms', async () => {
    const { index, read } = baseOf(documents, documents.length);
    const whole = fresh(documents);
    for (const query of queries) {
      read.length = 0;
      expect(await index.query(query, 10)).toEqual(whole.query(query, 10));
      expect(new Set(read).size).toBeLessThanOrEqual(new Set(query.split(' ')).size);
    }
    // The chunk cache serves a repeated query without reading.
    read.length = 0;
    await index.query(queries[0]!, 10);
    expect(read).toEqual([]);
  });

  it('two copies that saw the same changes in different batches rank identically', async () => {
    const { index: a } = baseOf(documents.slice(0, 80), 80);
    const { index: b } = baseOf(documents.slice(0, 80), 80);
    const removals = [3, 41, 95].map((entry) => ({ entry, lengths: fieldLengths(documents[entry]!) }));
    for (let i = 80; i < 160; i += 7) a.add(documents.slice(i, Math.min(160, i + 7)));
    a.remove(removals);
    b.remove(removals.filter((r) => r.entry < 80));
    b.add(documents.slice(80).filter((d) => d.entry !== 95));
    for (const query of queries) expect(await a.query(query, Infinity)).toEqual(await b.query(query, Infinity));
    expect(a.size).toBe(b.size);
  });

  it('refuses additions older than what it holds, ignores removals of passages it does not hold', () => {
    const { index } = baseOf(documents.slice(0, 10), 10);
    expect(() => index.add([documents[4]!])).toThrow(RangeError);
    index.remove([{ entry: 50, lengths: [3, 30] }]);
    index.remove([{ entry: 2, lengths: fieldLengths(documents[2]!) }]);
    index.remove([{ entry: 2, lengths: fieldLengths(documents[2]!) }]);
    expect(index.size).toBe(9);
    expect(index.removedFromBase()).toEqual([2]);
  });

  it('says so when a chunk of its base is gone', async () => {
    const { index, chunks } = baseOf(documents, documents.length);
    const gone = chunkOf(index.base.firstTerms, 'flutter');
    const reader = new LiveLexicalIndex(index.base, (k) => Promise.resolve(k === gone ? undefined : chunks[k]));
    await expect(reader.query('flutter', 5)).rejects.toBeInstanceOf(LexicalChunkMissing);
    expect((await reader.query('boundary', 5)).length).toBe(5);
  });
});
