// TrieConstraint masks rows exactly to the allowed tokens, whatever the prefix length.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorpusIndex } from '../src/core/corpus-index';
import { TrieConstraint } from '../src/core/trie-constraint';

const VOCAB = 12;
const END = VOCAB - 1;

describe('TrieConstraint', () => {
  it('keeps the allowed logits of every row and sets all others to −∞', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: END - 1 }), { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.integer({ min: 0, max: 1000 }),
        (keys, seed) => {
          const index = CorpusIndex.build(
            keys.map((tokens) => ({ tokens, titleLength: 1 })),
            { endToken: END },
          );
          // States along every key, at every depth: all rows of one batch.
          const states = keys.flatMap((key) => {
            const out = [index.root()];
            for (const t of key) {
              const next = index.advance(out.at(-1)!, t);
              if (!next || index.isLeaf(next)) break;
              out.push(next);
            }
            return out;
          });
          const logits = Float32Array.from({ length: states.length * VOCAB }, (_, i) => Math.sin(seed + i) * 5);
          const original = logits.slice();
          const allowedSets = new TrieConstraint(index).apply(logits, VOCAB, states);
          states.forEach((state, r) => {
            const allowed = new Set(index.allowed(state));
            expect(new Set(allowedSets[r])).toEqual(allowed);
            for (let v = 0; v < VOCAB; v++) {
              expect(logits[r * VOCAB + v]).toBe(allowed.has(v) ? original[r * VOCAB + v] : -Infinity);
            }
          });
        },
      ),
    );
  });
});
