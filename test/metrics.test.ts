// Ranking metrics and the paired bootstrap, checked against values computed by hand.
import { describe, expect, it } from 'vitest';
import { meanMetrics, pairedBootstrap, percentile, rankingMetrics, type RankingMetrics } from '../src/core/metrics';

const rel = (entries: Record<string, number>) => new Map(Object.entries(entries));
const zeros: RankingMetrics = { 'H@1': 0, 'H@5': 0, 'H@10': 0, 'MRR@5': 0, 'MRR@10': 0, 'nDCG@10': 0 };

describe('rankingMetrics', () => {
  it('scores a single relevant doc at rank 3', () => {
    const m = rankingMetrics(['a', 'b', 'c', 'd', 'e', 'f'], rel({ c: 1 }));
    expect(m['H@1']).toBe(0);
    expect(m['H@5']).toBe(1);
    expect(m['H@10']).toBe(1);
    expect(m['MRR@5']).toBeCloseTo(1 / 3, 12);
    expect(m['MRR@10']).toBeCloseTo(1 / 3, 12);
    // DCG = 1/log2(4) = 0.5, ideal = 1/log2(2) = 1
    expect(m['nDCG@10']).toBeCloseTo(0.5, 12);
  });

  it('scores a perfect ranking as 1 everywhere', () => {
    expect(rankingMetrics(['a', 'b'], rel({ a: 2, b: 1 }))).toEqual({
      'H@1': 1,
      'H@5': 1,
      'H@10': 1,
      'MRR@5': 1,
      'MRR@10': 1,
      'nDCG@10': 1,
    });
  });

  it('uses grades as linear gains, with the ideal from all judged relevant docs', () => {
    // z (grade 2) is relevant but not retrieved, so it still counts in the ideal.
    const m = rankingMetrics(['x', 'a', 'b'], rel({ a: 3, b: 1, z: 2 }));
    const dcg = 3 / Math.log2(3) + 1 / Math.log2(4); // 2.392789…
    const ideal = 3 / Math.log2(2) + 2 / Math.log2(3) + 1 / Math.log2(4); // 4.761859…
    expect(m['nDCG@10']).toBeCloseTo(dcg / ideal, 12);
    expect(m['nDCG@10']).toBeCloseTo(0.502492, 5);
    expect(m['MRR@10']).toBe(0.5);
    expect(m['H@1']).toBe(0);
  });

  it('puts the larger grade first in the ideal ordering', () => {
    // Retrieved in the worse order: DCG = 1 + 3/log2(3); ideal = 3 + 1/log2(3).
    const m = rankingMetrics(['b', 'a'], rel({ a: 3, b: 1 }));
    expect(m['nDCG@10']).toBeCloseTo((1 + 3 / Math.log2(3)) / (3 + 1 / Math.log2(3)), 12);
  });

  it('counts a hit between ranks 6 and 10 only in the @10 metrics', () => {
    const m = rankingMetrics(['a', 'b', 'c', 'd', 'e', 'f', 'g'], rel({ g: 1 }));
    expect(m['H@5']).toBe(0);
    expect(m['MRR@5']).toBe(0);
    expect(m['H@10']).toBe(1);
    expect(m['MRR@10']).toBeCloseTo(1 / 7, 12);
    expect(m['nDCG@10']).toBeCloseTo(1 / Math.log2(8), 12);
  });

  it('ignores relevant docs past rank 10', () => {
    const ranked = [...'abcdefghij'].concat('k');
    expect(rankingMetrics(ranked, rel({ k: 1 }))).toEqual(zeros);
  });

  it('counts a duplicated doc once, at its first position', () => {
    // x repeated does not push a down: a is at rank 2.
    const m = rankingMetrics(['x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'a'], rel({ a: 1 }));
    expect(m['MRR@10']).toBe(0.5);
    expect(m['H@1']).toBe(0);
    expect(m['nDCG@10']).toBeCloseTo(1 / Math.log2(3), 12);
    // a repeated does not earn its gain twice: DCG = 1, ideal = 1 + 1/log2(3).
    const twice = rankingMetrics(['a', 'a'], rel({ a: 1, b: 1 }));
    expect(twice['nDCG@10']).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 12);
    expect(twice['MRR@10']).toBe(1);
  });

  it('scores 0 everywhere when nothing is relevant', () => {
    expect(rankingMetrics(['a', 'b'], new Map())).toEqual(zeros);
    expect(rankingMetrics(['a', 'b'], rel({ a: 0, b: -1 }))).toEqual(zeros);
    expect(rankingMetrics([], rel({ a: 1 }))).toEqual(zeros);
  });
});

describe('meanMetrics', () => {
  it('averages each metric over queries', () => {
    const a = rankingMetrics(['a'], rel({ a: 1 }));
    const b = rankingMetrics(['x', 'b'], rel({ b: 1 }));
    const mean = meanMetrics([a, b]);
    expect(mean['H@1']).toBe(0.5);
    expect(mean['H@10']).toBe(1);
    expect(mean['MRR@10']).toBe(0.75);
    expect(mean['nDCG@10']).toBeCloseTo((1 + 1 / Math.log2(3)) / 2, 12);
  });

  it('is all zeros for no queries', () => {
    expect(meanMetrics([])).toEqual(zeros);
  });
});

describe('percentile', () => {
  const values = [5, 1, 3, 2, 4];

  it('uses the nearest rank', () => {
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 20)).toBe(1);
    expect(percentile(values, 21)).toBe(2);
    expect(percentile(values, 50)).toBe(3);
    expect(percentile(values, 90)).toBe(5);
    expect(percentile(values, 100)).toBe(5);
    expect(values).toEqual([5, 1, 3, 2, 4]); // not sorted in place
  });

  it('is 0 for no values and rejects p outside [0, 100]', () => {
    expect(percentile([], 50)).toBe(0);
    expect(() => percentile(values, -1)).toThrow(RangeError);
    expect(() => percentile(values, 101)).toThrow(RangeError);
    expect(() => percentile(values, NaN)).toThrow(RangeError);
  });
});

describe('pairedBootstrap', () => {
  const a = [0.9, 0.4, 0.7, 0.2, 1, 0.5, 0.6, 0.3, 0.8, 0.1];
  const b = [0.5, 0.5, 0.6, 0.4, 0.7, 0.2, 0.6, 0.1, 0.9, 0.2];

  it('is deterministic for a seed and changes with it', () => {
    const first = pairedBootstrap(a, b, 2000, 7);
    expect(pairedBootstrap(a, b, 2000, 7)).toEqual(first);
    expect(pairedBootstrap(a, b, 2000, 8)).not.toEqual(first);
  });

  it('brackets the observed mean difference', () => {
    const result = pairedBootstrap(a, b);
    expect(result.meanDiff).toBeCloseTo(0.08, 12);
    expect(result.low).toBeLessThan(result.meanDiff);
    expect(result.high).toBeGreaterThan(result.meanDiff);
    expect(result.pBetter).toBeGreaterThan(0.5);
    expect(result.pBetter).toBeLessThan(1);
  });

  it('has the sign of the difference', () => {
    const better = pairedBootstrap(
      b.map((x) => x + 0.1),
      b,
    );
    expect(better.meanDiff).toBeCloseTo(0.1, 12);
    expect(better.low).toBeCloseTo(0.1, 12);
    expect(better.pBetter).toBe(1);
    const worse = pairedBootstrap(b, a);
    const forward = pairedBootstrap(a, b);
    expect(worse.meanDiff).toBeCloseTo(-forward.meanDiff, 12);
    // Same seed, same resampled indices: the interval mirrors (up to one nearest-rank step).
    expect(worse.low).toBeCloseTo(-forward.high, 1);
    expect(worse.high).toBeCloseTo(-forward.low, 1);
    expect(worse.low).toBeLessThanOrEqual(-forward.high);
    expect(worse.pBetter).toBeLessThan(0.5);
  });

  it('gives no evidence either way for identical systems', () => {
    expect(pairedBootstrap(a, a)).toEqual({ meanDiff: 0, low: 0, high: 0, pBetter: 0 });
    expect(pairedBootstrap([], [])).toEqual({ meanDiff: 0, low: 0, high: 0, pBetter: 0 });
  });

  it('rejects unpaired lists and bad round counts', () => {
    expect(() => pairedBootstrap([1, 2], [1])).toThrow(RangeError);
    expect(() => pairedBootstrap([1], [1], 0)).toThrow(RangeError);
  });
});
