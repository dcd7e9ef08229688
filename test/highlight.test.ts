import { describe, expect, it } from 'vitest';
import { highlightRanges, queryTerms } from '../src/core/highlight';

const marked = (text: string, query: string) => highlightRanges(text, query).map(([s, e]) => text.slice(s, e));

describe('highlightRanges', () => {
  it('marks the query words, case-insensitively, with simple inflections, and no stopwords', () => {
    expect(queryTerms('What is the Flow of the boundary layers?')).toEqual(['boundary', 'layers', 'flow']);
    expect(
      marked('Boundary-layer flows; the flowing layer. Overflow is not marked.', 'the flow of boundary layers'),
    ).toEqual(['Boundary', 'layer', 'flows', 'flowing', 'layer']);
  });

  it('returns sorted, non-overlapping ranges and nothing for an empty query', () => {
    const ranges = highlightRanges('heat heat transfer', 'heat transfer');
    expect(ranges).toEqual([
      [0, 4],
      [5, 9],
      [10, 18],
    ]);
    expect(highlightRanges('anything', '  ? ')).toEqual([]);
  });

  it('never cuts a stem so short that it marks unrelated words', () => {
    expect(marked('a specific speed of the speeds', 'high speed')).toEqual(['speed', 'speeds']);
    expect(marked('heat heated heating', 'heated')).toEqual(['heat', 'heated', 'heating']);
  });

  it('matches words in any script', () => {
    expect(marked('Die Strömung über Flügel', 'strömung')).toEqual(['Strömung']);
  });
});
