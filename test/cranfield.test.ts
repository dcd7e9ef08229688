// The Cranfield loader against the collection itself: counts, the title/text split and the split boundaries.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cranfieldJudgements,
  cranfieldPassages,
  cranfieldQueries,
  normalizeWhitespace,
  splitPositions,
} from '../src/ingest/cranfield';
import { DEMO_CRANFIELD } from './paths';

const read = (name: string) => readFileSync(`${DEMO_CRANFIELD}/${name}`, 'utf8');

describe('Cranfield loader', () => {
  const passages = cranfieldPassages(read('cran.all.1400'));

  it('reads one passage per record, ids 1..1400', () => {
    expect(passages).toHaveLength(1400);
    expect(passages.map((p) => p.id)).toEqual(Array.from({ length: 1400 }, (_, i) => String(i + 1)));
  });

  it('drops the title that .W repeats, and nothing else', () => {
    const first = passages[0]!;
    expect(first.title).toBe('experimental investigation of the aerodynamics of a wing in a slipstream .');
    expect(first.text.startsWith('an experimental study of a wing in a propeller slipstream')).toBe(true);
    const raw = [...read('cran.all.1400').split('.W\n')[1]!.split('\n.I')[0]!.matchAll(/\S+/g)].length;
    expect(first.title.split(' ').length + first.text.split(' ').length).toBe(raw);
  });

  it('numbers queries by position, not by .I', () => {
    const queries = cranfieldQueries(read('cran.qry'));
    expect(queries).toHaveLength(225);
    expect(queries[2]!.position).toBe(3);
    expect(queries[2]!.text.startsWith('what problems of heat conduction in composite slabs')).toBe(true);
  });

  it('keeps codes 1–4 and drops placeholders', () => {
    const qrels = cranfieldJudgements(read('cranqrel'));
    expect(qrels.get(1)?.get(184)).toBe(2);
    for (const row of qrels.values()) for (const code of row.values()) expect(code).toBeGreaterThanOrEqual(1);
  });

  it('splits 100 / 50 / 75', () => {
    expect(splitPositions('train')).toHaveLength(100);
    expect(splitPositions('tune')[0]).toBe(101);
    expect(splitPositions('test').at(-1)).toBe(225);
  });

  it('normalizes whitespace', () => {
    expect(normalizeWhitespace('  a\n b\t\tc ')).toBe('a b c');
  });
});
