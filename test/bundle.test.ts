// The index bundle: both layouts round-trip, an index shard loads in place, and damaged, truncated, foreign or
// future bundles are refused with a code before anything is returned.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeManifest, packBundle, readBundleFolder, unpackBundle, type Bundle } from '../src/core/bundle';
import { CorpusIndex } from '../src/core/corpus-index';
import { loadIndex, serializeIndex } from '../src/core/index-format';

const info = { tokenizer: { id: 'cranfield-tiny', vocabSize: 3000, eosTokenId: 2999 }, passages: 3, documents: 1 };
const shardsArb = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.uint8Array({ maxLength: 300 }), {
  maxKeys: 5,
});
const toBundle = (shards: Record<string, Uint8Array>): Bundle => {
  const map = new Map(Object.entries(shards));
  return { manifest: makeManifest(info, map), shards: map };
};
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('index bundle', () => {
  it('round-trips the one-file layout', () => {
    fc.assert(
      fc.property(shardsArb, (shards) => {
        const bundle = toBundle(shards);
        const read = unpackBundle(packBundle(bundle));
        expect(read.manifest).toEqual(bundle.manifest);
        for (const [name, bytes] of bundle.shards) expect([...read.shards.get(name)!]).toEqual([...bytes]);
      }),
    );
  });

  it('loads an index shard in place, without a copy or a rebuild', () => {
    const index = CorpusIndex.build(
      [
        { tokens: [1, 2, 3], titleLength: 1 },
        { tokens: [1, 4], titleLength: 1 },
      ],
      { endToken: 2999 },
    );
    const file = packBundle(toBundle({ meta: new Uint8Array([7]), index: new Uint8Array(serializeIndex(index)) }));
    const shard = unpackBundle(file).shards.get('index')!;
    expect(shard.buffer).toBe(file.buffer);
    expect([...loadIndex(shard).entries(loadIndex(shard).walk([1, 4])!)]).toEqual([1]);
  });

  it('reads the folder layout and refuses missing or damaged shard files', async () => {
    const bundle = toBundle({ index: new Uint8Array([1, 2, 3]), passages: new Uint8Array([4, 5]) });
    const files = new Map<string, Uint8Array>([
      ['manifest.json', new TextEncoder().encode(JSON.stringify(bundle.manifest))],
      ...bundle.shards,
    ]);
    const reader = (map: Map<string, Uint8Array>) => (name: string) =>
      map.has(name) ? Promise.resolve(map.get(name)!) : Promise.reject(new Error('404'));
    expect((await readBundleFolder(reader(files))).shards.get('passages')).toEqual(new Uint8Array([4, 5]));
    const damaged = new Map(files).set('passages', new Uint8Array([4, 6]));
    await expect(readBundleFolder(reader(damaged))).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT' });
    const missing = new Map(files);
    missing.delete('index');
    await expect(readBundleFolder(reader(missing))).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT' });
    await expect(readBundleFolder(reader(new Map()))).rejects.toMatchObject({ code: 'BUNDLE_NOT_A_BUNDLE' });
  });

  it('refuses damaged, truncated, foreign and future bundles with a code', () => {
    const file = packBundle(toBundle({ index: new Uint8Array(64).fill(9) }));
    const flipped = file.slice();
    flipped[flipped.length - 1]! ^= 1;
    expect(codeOf(() => unpackBundle(flipped))).toBe('BUNDLE_CORRUPT');
    expect(codeOf(() => unpackBundle(file.subarray(0, file.length - 10)))).toBe('BUNDLE_CORRUPT');
    expect(codeOf(() => unpackBundle(new TextEncoder().encode('PK\u0003\u0004 a zip file')))).toBe(
      'BUNDLE_NOT_A_BUNDLE',
    );
    const manifest = { ...toBundle({}).manifest, version: 2 };
    const future = packBundle({ manifest, shards: new Map() });
    expect(codeOf(() => unpackBundle(future))).toBe('BUNDLE_VERSION_UNSUPPORTED');
  });
});
