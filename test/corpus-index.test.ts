// CorpusIndex against a naive reference: for random corpora (small alphabets, so keys share long prefixes,
// prefixes of each other and exact duplicates), every reachable state must agree with brute force over the keys.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorpusIndex, type IndexKey, type IndexState } from '../src/core/corpus-index';
import { readFileSync } from 'node:fs';
import { loadIndex, serializeIndex } from '../src/core/index-format';

const END = 99;

/** Brute force: which keys start with `prefix` (reading past a key's end as END). */
function below(keys: readonly number[][], prefix: readonly number[]): number[] {
  const at = (k: number[], d: number) => (d < k.length ? k[d] : END);
  return keys.flatMap((k, i) => (prefix.every((t, d) => at(k, d) === t) ? [i] : []));
}

function reference(keys: readonly number[][], prefix: readonly number[]) {
  const at = (k: number[], d: number) => (d < k.length ? k[d]! : END);
  const ids = below(keys, prefix);
  const distinct = new Set(ids.map((i) => JSON.stringify(keys[i])));
  const next = [...new Set(ids.map((i) => at(keys[i]!, prefix.length)))].sort((a, b) => a - b);
  return { ids, unique: distinct.size === 1, next };
}

const corpus = fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 7 }), { minLength: 0, maxLength: 40 });
const toKeys = (keys: number[][]): IndexKey[] =>
  keys.map((tokens) => ({ tokens, titleLength: Math.min(2, tokens.length) }));

describe('CorpusIndex', () => {
  it('agrees with a naive trie on every reachable state', () => {
    fc.assert(
      fc.property(corpus, (keys) => {
        const index = CorpusIndex.build(toKeys(keys), { endToken: END });
        expect(index.size).toBe(keys.length);
        const visit = (state: IndexState, prefix: number[]) => {
          const ref = reference(keys, prefix);
          expect([...index.entries(state)].sort((a, b) => a - b)).toEqual(ref.ids);
          // The positions below a state are exactly its entries, as one contiguous range.
          expect(state.hi - state.lo).toBe(ref.ids.length);
          if (prefix.length > 0 && ref.unique) {
            expect(index.isLeaf(state)).toBe(true);
            expect([...index.allowed(state)]).toEqual([]);
            return;
          }
          expect(index.isLeaf(state)).toBe(false);
          expect([...index.allowed(state)]).toEqual(ref.next);
          for (const token of ref.next) visit(index.advance(state, token)!, [...prefix, token]);
          for (const token of [0, 1, 2, 3, 4, END]) {
            if (!ref.next.includes(token)) expect(index.advance(state, token)).toBeNull();
          }
        };
        if (keys.length > 0) visit(index.root(), []);
      }),
      { numRuns: 300 },
    );
  });

  it('walks every key to a leaf holding it', () => {
    fc.assert(
      fc.property(corpus, (keys) => {
        const index = CorpusIndex.build(toKeys(keys), { endToken: END });
        keys.forEach((key, i) => {
          const leaf = index.walk([...key, END]);
          expect(leaf && index.isLeaf(leaf)).toBe(true);
          expect([...index.entries(leaf!)]).toContain(i);
        });
      }),
    );
  });

  it('reports where the title part ends', () => {
    const index = CorpusIndex.build(
      [
        { tokens: [1, 2, 7, 3, 4], titleLength: 2 },
        { tokens: [1, 2, 7, 5, 6], titleLength: 2 },
        { tokens: [2, 2, 7, 5, 6], titleLength: 2 },
      ],
      { endToken: END },
    );
    const one = index.advance(index.root(), 1)!;
    expect(index.titleComplete(one)).toBe(false);
    expect(index.titleComplete(index.advance(one, 2)!)).toBe(true);
  });
});

describe('index format', () => {
  it('round-trips through serialize → load with identical arrays', () => {
    fc.assert(
      fc.property(corpus, (keys) => {
        const index = CorpusIndex.build(toKeys(keys), { endToken: END });
        const loaded = loadIndex(serializeIndex(index));
        const before = index.arrays as unknown as Record<string, ArrayLike<number>>;
        const after = loaded.arrays as unknown as Record<string, ArrayLike<number>>;
        for (const name of Object.keys(before)) expect(Array.from(after[name]!)).toEqual(Array.from(before[name]!));
        expect(loaded.arrays.orderBits).toBe(index.arrays.orderBits);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses damaged, foreign and future files with a code', () => {
    const buffer = serializeIndex(
      CorpusIndex.build(
        toKeys([
          [1, 2],
          [1, 3],
        ]),
        { endToken: END },
      ),
    );
    const damaged = buffer.slice(0);
    new Uint8Array(damaged)[damaged.byteLength - 1]! ^= 0xff;
    expect(() => loadIndex(damaged)).toThrow(expect.objectContaining({ code: 'INDEX_CORRUPT' }) as Error);
    expect(() => loadIndex(new ArrayBuffer(200))).toThrow(
      expect.objectContaining({ code: 'INDEX_NOT_AN_INDEX' }) as Error,
    );
    const future = buffer.slice(0);
    new Uint32Array(future)[1] = 99;
    expect(() => loadIndex(future)).toThrow(expect.objectContaining({ code: 'INDEX_VERSION_UNSUPPORTED' }) as Error);
  });
});

describe('compact arrays', () => {
  it('keeps exact ranges when a node has more children than 16-bit deltas can count', () => {
    // 70,000 first tokens under the root, each with two keys below it: node slot offsets overflow 16 bits.
    const keys = Array.from({ length: 140_000 }, (_, i) => ({ tokens: [i >> 1, i & 1, 7], titleLength: 1 }));
    const index = CorpusIndex.build(keys, { endToken: 1 << 30 });
    // The root's block keeps its values whole; the deltas stay 16-bit; token ids past 16 bits stay 32-bit.
    expect(index.arrays.slotStartWide.length).toBeGreaterThan(0);
    expect(index.arrays.slotStartDelta).toBeInstanceOf(Uint16Array);
    expect(index.arrays.slotLabel).toBeInstanceOf(Uint32Array);
    expect(index.arrays.orderBits).toBe(18);
    for (const i of [0, 1, 65_535 * 2, 65_537 * 2 + 1, 139_999]) {
      const leaf = index.walk(keys[i]!.tokens)!;
      expect(index.isLeaf(leaf)).toBe(true);
      expect([...index.entries(leaf)]).toEqual([i]);
    }
    expect(loadIndex(serializeIndex(index)).walk(keys[139_998]!.tokens)?.lo).toBe(139_998);
  });

  it('stores token ids in 16 bits when the vocabulary allows', () => {
    const index = CorpusIndex.build(toKeys([[1, 2, 3], [1, 2, 4], [65_535]]), { endToken: END });
    expect(index.arrays.slotLabel).toBeInstanceOf(Uint16Array);
    expect(index.arrays.runTokens).toBeInstanceOf(Uint16Array);
    expect([...index.allowed(index.walk([1, 2])!)]).toEqual([3, 4]);
  });

  it('packs entry numbers of any width and reads every one back', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 60 }), (ids) => {
        const keys = ids.map((_, i) => ({ tokens: [i >> 3, i & 7], titleLength: 1 }));
        for (const index of [CorpusIndex.build(keys, { endToken: END, entryIds: ids })]) {
          const loaded = loadIndex(serializeIndex(index));
          for (const built of [index, loaded]) {
            expect([...built.entries(built.root())].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
            keys.forEach((key, i) => expect([...built.entries(built.walk([...key.tokens, END])!)]).toEqual([ids[i]]));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('still loads indexes of format 1', () => {
    // Written by format 1 from these keys (endToken 99999, title length 1); read as a whole file.
    const keys = [[5, 6, 7], [5, 6, 8, 9], [5, 10], [11, 12, 13], [11, 12, 13], [70_000, 3], [4]];
    const file = readFileSync(new URL('./fixtures/corpus-index-v1.bin', import.meta.url));
    const bytes = new Uint8Array(file.byteLength);
    bytes.set(file);
    expect(new Uint32Array(bytes.buffer, 0, 2)[1]).toBe(1);
    const old = loadIndex(bytes.buffer);
    const now = CorpusIndex.build(
      keys.map((tokens) => ({ tokens, titleLength: 1 })),
      { endToken: 99_999 },
    );
    expect(old.size).toBe(now.size);
    for (const key of keys) {
      const a = old.walk([...key, 99_999])!;
      const b = now.walk([...key, 99_999])!;
      expect([...old.entries(a)]).toEqual([...now.entries(b)]);
      expect([a.lo, a.hi, old.titleComplete(a)]).toEqual([b.lo, b.hi, now.titleComplete(b)]);
    }
    expect([...old.allowed(old.walk([5])!)]).toEqual([6, 10]);
  });
});
