// Query TSV and TREC qrels parsing: good files round-trip, and every bad line is reported by number and code.
import { describe, expect, it } from 'vitest';
import {
  EvalDataError,
  formatQueriesTsv,
  formatTrecQrels,
  parseQueriesTsv,
  parseTrecQrels,
} from '../src/core/eval-data';

/** Runs `parse` and returns the EvalDataError it throws. */
function failure(parse: () => unknown): EvalDataError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(EvalDataError);
    return error as EvalDataError;
  }
  throw new Error('expected an EvalDataError');
}

describe('parseQueriesTsv', () => {
  it('reads id<TAB>text lines, skipping blank and comment lines', () => {
    const text = '# my queries\n1\twhat is lift?\n\n  \n2\t  drag at\tMach 2  \r\n# end\n';
    expect(parseQueriesTsv(text)).toEqual([
      { id: '1', text: 'what is lift?' },
      { id: '2', text: 'drag at\tMach 2' },
    ]);
    expect(parseQueriesTsv('')).toEqual([]);
  });

  it.each([
    ['a line without a tab', '1\tok\n2 no tab here\n', 2, /no tab/],
    ['an empty id', '1\tok\n\n\ttext\n', 3, /empty query id/],
    ['empty text', '1\t  \n', 1, /empty text for query "1"/],
    ['a duplicate id', '1\tone\n2\ttwo\n1\tagain\n', 3, /duplicate query id "1" \(first on line 1\)/],
  ])('rejects %s, naming the line', (_case, text, line, detail) => {
    const error = failure(() => parseQueriesTsv(text));
    expect(error.code).toBe('QUERIES_INVALID');
    expect(error.message).toContain(`line ${line}:`);
    expect(error.message).toMatch(detail);
  });
});

describe('parseTrecQrels', () => {
  it('reads qid 0 docid grade lines with any whitespace', () => {
    const qrels = parseTrecQrels('1 0 184 2\n1\t0\t29   3 \n\n2 Q0 d-7 -1\n1 0 184 2\n');
    expect(qrels).toEqual(
      new Map([
        [
          '1',
          new Map([
            ['184', 2],
            ['29', 3],
          ]),
        ],
        ['2', new Map([['d-7', -1]])],
      ]),
    );
  });

  it.each([
    ['too few fields', '1 0 184 2\n1 0 29\n', 2, /expected 4 fields/],
    ['too many fields', '1 0 184 2 extra\n', 1, /got 5/],
    ['a non-integer grade', '1 0 184 2\n\n1 0 29 1.5\n', 3, /grade "1.5" is not an integer/],
    ['a word for a grade', '1 0 184 high\n', 1, /grade "high"/],
    ['a conflicting repeat', '1 0 184 2\n1 0 29 1\n1 0 184 3\n', 3, /judged 3 here but 2 on line 1/],
  ])('rejects %s, naming the line', (_case, text, line, detail) => {
    const error = failure(() => parseTrecQrels(text));
    expect(error.code).toBe('QRELS_INVALID');
    expect(error.message).toContain(`line ${line}:`);
    expect(error.message).toMatch(detail);
  });
});

describe('formatQueriesTsv / formatTrecQrels', () => {
  it('write what the parsers read back', () => {
    const queries = [
      { id: '1', text: 'what similarity laws must be obeyed' },
      { id: '2', text: 'what are the structural\n  and aeroelastic problems' },
    ];
    const tsv = formatQueriesTsv(queries);
    expect(tsv).toBe('1\twhat similarity laws must be obeyed\n2\twhat are the structural and aeroelastic problems\n');
    expect(parseQueriesTsv(tsv)).toEqual([
      queries[0],
      { id: '2', text: 'what are the structural and aeroelastic problems' },
    ]);

    const qrels = new Map([
      [
        '1',
        new Map([
          ['184', 2],
          ['29', 0],
        ]),
      ],
      ['2', new Map([['12', 4]])],
    ]);
    const trec = formatTrecQrels(qrels);
    expect(trec).toBe('1 0 184 2\n1 0 29 0\n2 0 12 4\n');
    expect(parseTrecQrels(trec)).toEqual(qrels);
  });

  it('refuse what could not be read back', () => {
    expect(failure(() => formatQueriesTsv([{ id: 'a\tb', text: 'x' }])).code).toBe('QUERIES_INVALID');
    expect(failure(() => formatQueriesTsv([{ id: '#1', text: 'x' }])).code).toBe('QUERIES_INVALID');
    expect(failure(() => formatQueriesTsv([{ id: '1', text: ' \n ' }])).code).toBe('QUERIES_INVALID');
    expect(failure(() => formatTrecQrels(new Map([['q 1', new Map([['d', 1]])]]))).code).toBe('QRELS_INVALID');
    expect(failure(() => formatTrecQrels(new Map([['q', new Map([['d', 0.5]])]]))).code).toBe('QRELS_INVALID');
  });
});
