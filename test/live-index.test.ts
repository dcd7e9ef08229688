// LiveIndex under random additions and removals must answer exactly like a fresh build over the live keys, prior
// masses included (every third entry with a weight of its own, the rest one common weight; removed keys weigh nothing).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorpusIndex, type IndexKey, type IndexState } from '../src/core/corpus-index';
import { LiveIndex, type LiveIndexState } from '../src/core/live-index';

const END = 9;
const key = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 6 });
const op = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), tokens: key }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
);

function compare(live: LiveIndex, keys: Map<number, IndexKey>) {
  const ids = [...keys.keys()];
  const fresh = CorpusIndex.build([...keys.values()], { endToken: END, entryIds: ids });
  expect(live.size).toBe(keys.size);
  const sorted = (a: Uint32Array) => [...a].sort((x, y) => x - y);
  const rest = 0.001;
  const weights = new Map(ids.filter((e) => e % 3 === 0).map((e) => [e, (e + 1) / 10]));
  const weightOf = (entry: number) => weights.get(entry) ?? rest;
  const liveMass = live.massOf(weights, rest);
  const freshMass = fresh.massOf(weights, rest);
  const visit = (f: IndexState, l: LiveIndexState) => {
    expect(sorted(live.entries(l))).toEqual(sorted(fresh.entries(f)));
    const mass = [...fresh.entries(f)].reduce((sum, e) => sum + weightOf(e), 0);
    expect(freshMass(f)).toBeCloseTo(mass, 12);
    expect(liveMass(l)).toBeCloseTo(mass, 12);
    expect(live.isLeaf(l)).toBe(fresh.isLeaf(f));
    expect([...live.allowed(l)]).toEqual([...fresh.allowed(f)]);
    for (const token of [0, 1, 2, 3, END]) {
      const nf = fresh.advance(f, token);
      const nl = live.advance(l, token);
      expect(nl === null).toBe(nf === null);
      if (nf && nl) visit(nf, nl);
    }
  };
  if (keys.size > 0) visit(fresh.root(), live.root());
}

describe('LiveIndex', () => {
  it('equals a fresh build after any sequence of additions and removals, and says which keys it will ask for', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 25 }), fc.array(op, { maxLength: 30 }), (initial, ops) => {
        const keys = new Map<number, IndexKey>(initial.map((tokens, i) => [i, { tokens, titleLength: 1 }]));
        const all = new Map(keys);
        const asked = new Set<number>();
        const live = new LiveIndex(CorpusIndex.build([...keys.values()], { endToken: END }), {
          endToken: END,
          keyOf: (entry) => (asked.add(entry), all.get(entry)!),
          compactShare: 1e9, // never compact on its own: exercise the delta and tombstones
        });
        let next = initial.length;
        for (const o of ops) {
          if (o.kind === 'add') {
            const k = { tokens: o.tokens, titleLength: 1 };
            keys.set(next, k);
            all.set(next, k);
            // The entries said to be cut are exactly those whose keys the next refresh asks for.
            const cut = live.entriesCutBy([k]);
            live.add(next++, k);
            asked.clear();
            void live.size;
            expect([...asked].sort((a, b) => a - b)).toEqual(cut.sort((a, b) => a - b));
          } else if (keys.size > 0) {
            const victim = [...keys.keys()][o.pick % keys.size]!;
            keys.delete(victim);
            expect(live.remove(victim)).toBe(true);
            expect(live.remove(victim)).toBe(false);
          }
          compare(live, keys);
        }
        live.compact();
        expect(live.parts.deltaSize).toBe(0);
        compare(live, keys);
      }),
      { numRuns: 200 },
    );
  });
});
