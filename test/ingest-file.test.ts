// The per-file pipeline (src/ingest/ingest-file.ts) the browser's library and the CLI share: a duplicate by content
// hash, refusals with their codes, and passages with keys for exactly those not already keyed.
import { describe, expect, it } from 'vitest';
import type { IndexKey } from '../src/core/corpus-index';
import { contentHash } from '../src/core/content-hash';
import { ingestFile, type KeysOf } from '../src/ingest/ingest-file';

const bytes = (text: string) => new TextEncoder().encode(text);
const GUIDE = '# Guide\n\n## Lift\n\nWings make lift.\n\n## Drag\n\nBodies feel drag.\n';

/** Keys each passage by its text length, and remembers what it was asked to key. */
function countingKeyer(): KeysOf & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    keys: (passages) =>
      passages.map((p): IndexKey => {
        asked.push(p.text);
        return { tokens: Uint32Array.of(p.text.length), titleLength: 0 };
      }),
  };
}

const nothingKnown = { duplicateOf: () => undefined };

describe('ingestFile', () => {
  it('hashes with SHA-256 in hex', async () => {
    expect(await contentHash(bytes('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('cuts a document into passages, keys each, and keeps its parsed source', async () => {
    const keyer = countingKeyer();
    const outcome = await ingestFile('notes/guide.md', bytes(GUIDE), keyer, nothingKnown, { words: 20 });
    if (outcome.kind !== 'indexed') throw new Error(`expected indexed, got ${outcome.kind}`);
    expect(outcome.title).toBe('Guide');
    expect(outcome.passages.map((p) => p.section)).toEqual(['Guide', 'Lift', 'Drag']);
    expect(outcome.passages.every((p) => outcome.source.text.slice(p.start, p.end) === p.text)).toBe(true);
    expect([...outcome.keys.keys()]).toEqual(outcome.passages.map((p) => p.id));
    expect(outcome.hash).toBe(await contentHash(bytes(GUIDE)));
  });

  it('keys only the passages not already keyed', async () => {
    const first = await ingestFile('g.md', bytes(GUIDE), countingKeyer(), nothingKnown, { words: 20 });
    if (first.kind !== 'indexed') throw new Error('expected indexed');
    const keyer = countingKeyer();
    const edited = GUIDE.replace('Bodies feel drag.', 'Bodies feel drag and heat.');
    const kept = new Set(first.passages.map((p) => p.id));
    const second = await ingestFile('g.md', bytes(edited), keyer, { ...nothingKnown, keyed: kept }, { words: 20 });
    if (second.kind !== 'indexed') throw new Error('expected indexed');
    expect(keyer.asked).toHaveLength(1);
    expect(keyer.asked[0]).toMatch(/Bodies feel drag and heat\.$/);
    expect(second.keys.size).toBe(1);
  });

  it('is a duplicate of an indexed file with the same bytes, without parsing', async () => {
    const hash = await contentHash(bytes(GUIDE));
    const keyer = countingKeyer();
    const known = { duplicateOf: (h: string) => (h === hash ? 'first.md' : undefined) };
    expect(await ingestFile('copy.md', bytes(GUIDE), keyer, known)).toEqual({
      kind: 'duplicate',
      hash,
      duplicateOf: 'first.md',
    });
    expect(keyer.asked).toEqual([]);
  });

  it('refuses what cannot be indexed, with the code the record keeps', async () => {
    const refusal = async (path: string, content: Uint8Array) => {
      const outcome = await ingestFile(path, content, countingKeyer(), nothingKnown);
      return outcome.kind === 'refused' ? [outcome.status, outcome.error.code] : [outcome.kind];
    };
    expect(await refusal('clip.mp4', bytes('x'))).toEqual(['skipped', 'UNSUPPORTED_TYPE']);
    expect(await refusal('empty.txt', bytes('  \n'))).toEqual(['failed', 'EMPTY_DOCUMENT']);
    expect(
      await refusal(
        'photo.txt',
        Uint8Array.from({ length: 400 }, (_, i) => (i % 3 ? 0 : 200)),
      ),
    ).toEqual(['failed', 'BINARY_CONTENT']);
  });
});
