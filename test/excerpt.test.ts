import { describe, expect, it } from 'vitest';
import { excerpt } from '../src/core/excerpt';
import { highlightRanges } from '../src/core/highlight';

const cut = (text: string, query: string, max: number) => {
  const e = excerpt(text, highlightRanges(text, query), max);
  return { text: text.slice(e.start, e.end), marks: e.ranges.map(([s, t]) => text.slice(e.start + s, e.start + t)) };
};

describe('excerpt', () => {
  it('keeps a text that fits whole, with its marks', () => {
    const text = 'The boundary layer thickens downstream.';
    expect(excerpt(text, highlightRanges(text, 'boundary'), 100)).toEqual({
      start: 0,
      end: text.length,
      ranges: [[4, 12]],
    });
  });

  it('takes the part of a long text holding the most marks, cut at words, marks re-based', () => {
    const filler = 'words that say nothing of interest here. '.repeat(10);
    const text = `${filler}Heat transfer in the boundary layer of a heated plate. ${filler}Heat again.`;
    const { text: shown, marks } = cut(text, 'heat transfer boundary layer', 120);
    expect(shown.length).toBeLessThanOrEqual(120);
    expect(shown).toContain('Heat transfer in the boundary layer of a heated plate.');
    expect(marks).toEqual(['Heat', 'transfer', 'boundary', 'layer', 'heated']);
    // Whole words at both ends.
    expect(text[text.indexOf(shown) - 1]).toMatch(/\s/);
    expect(text[text.indexOf(shown) + shown.length]).toMatch(/\s/);
  });

  it('starts at the beginning when nothing is marked', () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu';
    const e = excerpt(text, [], 32);
    expect(e.start).toBe(0);
    expect(e.end).toBeLessThanOrEqual(32);
    expect(text.slice(e.start, e.end)).toBe('alpha beta gamma delta epsilon');
    expect(e.ranges).toEqual([]);
  });

  it('never leaves a mark cut in two', () => {
    const text = `${'x '.repeat(100)}supersonic ${'y '.repeat(100)}`;
    for (const max of [15, 20, 40, 80]) {
      const e = excerpt(text, highlightRanges(text, 'supersonic'), max);
      expect(e.end - e.start).toBeLessThanOrEqual(max);
      expect(e.ranges.map(([s, t]) => text.slice(e.start + s, e.start + t))).toEqual(['supersonic']);
    }
  });
});
