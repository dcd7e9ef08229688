// The saved form of a CorpusIndex: one ArrayBuffer holding a versioned, checksummed header and the index's
// typed arrays back to back (4-byte aligned). Loading makes views over the buffer: no copy, no rebuild.
//
// Layout (little-endian u32 words): magic 'SRIX', format version, CRC-32 of everything after it, array count, the
// bits per entry of the packed `order`, then per array its kind (1 = Uint32, 2 = Uint16, 3 = Uint8) and element
// count; then the arrays. Format 1 (16-bit token ids and packed order did not exist yet) had no bits word, its CRC
// covered the arrays only, and it still loads.
import { CorpusIndex, type CorpusIndexArrays } from './corpus-index';
import { CodedError } from './errors';

export const INDEX_FORMAT_VERSION = 2;
const MAGIC = 0x58495253; // 'SRIX' read as a little-endian u32

type ArrayField = Exclude<keyof CorpusIndexArrays, 'orderBits'>;
const U32 = 1;
const U16 = 2;
const U8 = 3;
/** The arrays of each format, in file order, with the kinds each may have. */
const FIELDS: Readonly<Record<1 | 2, readonly (readonly [ArrayField, readonly number[]])[]>> = {
  1: [
    ['slotStartBase', [U32]],
    ['slotStartDelta', [U16, U32]],
    ['slotLabel', [U32]],
    ['nodeSlotBits', [U32]],
    ['nodeSlotRank', [U32]],
    ['sizeBeforeBase', [U32]],
    ['sizeBeforeDelta', [U16, U32]],
    ['runStartBase', [U32]],
    ['runStartDelta', [U16, U32]],
    ['runTokens', [U32]],
    ['order', [U32]],
    ['titleLength', [U8]],
  ],
  2: [
    ['slotStartBase', [U32]],
    ['slotStartDelta', [U16]],
    ['slotStartWide', [U32]],
    ['slotLabel', [U16, U32]],
    ['nodeSlotBits', [U32]],
    ['nodeSlotRank', [U32]],
    ['sizeBeforeBase', [U32]],
    ['sizeBeforeDelta', [U16]],
    ['sizeBeforeWide', [U32]],
    ['runStartBase', [U32]],
    ['runStartDelta', [U16]],
    ['runStartWide', [U32]],
    ['runTokens', [U16, U32]],
    ['order', [U32]],
    ['titleLength', [U8]],
  ],
};
/** Words before the first array's kind: magic, version, CRC, count (and, from format 2, order bits). */
const FIXED_WORDS = { 1: 4, 2: 5 } as const;
const headerWords = (version: 1 | 2) => FIXED_WORDS[version] + 2 * FIELDS[version].length;

export type IndexFormatErrorCode = 'INDEX_NOT_AN_INDEX' | 'INDEX_VERSION_UNSUPPORTED' | 'INDEX_CORRUPT';

/** A saved index that cannot be loaded; `code` says why. */
export class IndexFormatError extends CodedError<IndexFormatErrorCode> {}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE), the checksum of zip and PNG. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const aligned = (bytes: number) => (bytes + 3) & ~3;

export function serializeIndex(index: CorpusIndex): ArrayBuffer {
  const arrays = index.arrays;
  const fields = FIELDS[2];
  const words = headerWords(2);
  const sizes = fields.map(([f]) => aligned(arrays[f].byteLength));
  const buffer = new ArrayBuffer(words * 4 + sizes.reduce((a, b) => a + b, 0));
  const header = new Uint32Array(buffer, 0, words);
  header[0] = MAGIC;
  header[1] = INDEX_FORMAT_VERSION;
  header[3] = fields.length;
  header[4] = arrays.orderBits;
  let offset = words * 4;
  fields.forEach(([field], i) => {
    const array = arrays[field];
    header[FIXED_WORDS[2] + 2 * i] = array instanceof Uint8Array ? U8 : array instanceof Uint16Array ? U16 : U32;
    header[FIXED_WORDS[2] + 1 + 2 * i] = array.length;
    new Uint8Array(buffer, offset, array.byteLength).set(
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength),
    );
    offset += sizes[i]!;
  });
  header[2] = crc32(new Uint8Array(buffer, 12));
  return buffer;
}

/** Loads a saved index (format 1 or 2) from a whole buffer or a 4-byte-aligned view of one (e.g. a bundle
 * shard): no copy. */
export function loadIndex(source: ArrayBuffer | Uint8Array): CorpusIndex {
  const buffer = source instanceof Uint8Array ? (source.buffer as ArrayBuffer) : source;
  const base = source instanceof Uint8Array ? source.byteOffset : 0;
  const size = source.byteLength;
  if (base % 4 !== 0) throw new IndexFormatError('INDEX_CORRUPT', 'the index does not start on a 4-byte boundary');
  if (size < 8) throw new IndexFormatError('INDEX_NOT_AN_INDEX', 'too short to be an index');
  const start = new Uint32Array(buffer, base, 2);
  if (start[0] !== MAGIC) throw new IndexFormatError('INDEX_NOT_AN_INDEX', 'not a Self-Retrieval index (bad magic)');
  const version = start[1];
  if (version !== 1 && version !== 2) {
    throw new IndexFormatError(
      'INDEX_VERSION_UNSUPPORTED',
      `index format version ${version} is not supported (this build reads versions 1 and 2)`,
    );
  }
  const fields = FIELDS[version];
  const words = headerWords(version);
  if (size < words * 4) throw new IndexFormatError('INDEX_CORRUPT', 'the header is truncated');
  const header = new Uint32Array(buffer, base, words);
  if (header[3] !== fields.length) throw new IndexFormatError('INDEX_CORRUPT', 'unexpected number of arrays');
  const checked = version === 1 ? words * 4 : 12;
  if (crc32(new Uint8Array(buffer, base + checked, size - checked)) !== header[2]) {
    throw new IndexFormatError('INDEX_CORRUPT', 'checksum mismatch: the index is damaged');
  }
  const orderBits = version === 1 ? 32 : header[4]!;
  if (orderBits < 1 || orderBits > 32) throw new IndexFormatError('INDEX_CORRUPT', 'bad entry width');
  let offset = words * 4;
  const empty = new Uint32Array(0);
  const arrays: Record<string, Uint32Array | Uint16Array | Uint8Array | number> = {
    slotStartWide: empty,
    sizeBeforeWide: empty,
    runStartWide: empty,
    orderBits,
  };
  fields.forEach(([field, kinds], i) => {
    const kind = header[FIXED_WORDS[version] + 2 * i]!;
    const length = header[FIXED_WORDS[version] + 1 + 2 * i]!;
    if (!kinds.includes(kind)) throw new IndexFormatError('INDEX_CORRUPT', `array ${field} has an unexpected kind`);
    const bytes = length * (kind === U8 ? 1 : kind === U16 ? 2 : 4);
    if (offset + bytes > size) throw new IndexFormatError('INDEX_CORRUPT', `array ${field} is truncated`);
    const at = base + offset;
    arrays[field] =
      kind === U8
        ? new Uint8Array(buffer, at, length)
        : kind === U16
          ? new Uint16Array(buffer, at, length)
          : new Uint32Array(buffer, at, length);
    offset += aligned(bytes);
  });
  return CorpusIndex.fromArrays(arrays as unknown as CorpusIndexArrays);
}
