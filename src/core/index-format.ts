// The saved form of a CorpusIndex: one ArrayBuffer holding a versioned, checksummed header and the index's
// typed arrays back to back (4-byte aligned). Loading makes views over the buffer: no copy, no rebuild.
//
// Layout (little-endian u32 words): magic 'SRIX', format version, CRC-32 of everything after the header,
// array count, then per array its kind (1 = Uint32, 2 = Uint16, 3 = Uint8) and element count; then the arrays.
import { CorpusIndex, type CorpusIndexArrays } from './corpus-index';
import { CodedError } from './errors';

export const INDEX_FORMAT_VERSION = 1;
const MAGIC = 0x58495253; // 'SRIX' read as a little-endian u32
const FIELDS = [
  'slotStartBase',
  'slotStartDelta',
  'slotLabel',
  'nodeSlotBits',
  'nodeSlotRank',
  'sizeBeforeBase',
  'sizeBeforeDelta',
  'runStartBase',
  'runStartDelta',
  'runTokens',
  'order',
  'titleLength',
] as const satisfies readonly (keyof CorpusIndexArrays)[];
const HEADER_WORDS = 4 + 2 * FIELDS.length;

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
  const sizes = FIELDS.map((f) => aligned(arrays[f].byteLength));
  const total = HEADER_WORDS * 4 + sizes.reduce((a, b) => a + b, 0);
  const buffer = new ArrayBuffer(total);
  const header = new Uint32Array(buffer, 0, HEADER_WORDS);
  header[0] = MAGIC;
  header[1] = INDEX_FORMAT_VERSION;
  header[3] = FIELDS.length;
  let offset = HEADER_WORDS * 4;
  FIELDS.forEach((field, i) => {
    const array = arrays[field];
    header[4 + 2 * i] = array instanceof Uint8Array ? 3 : array instanceof Uint16Array ? 2 : 1;
    header[5 + 2 * i] = array.length;
    new Uint8Array(buffer, offset, array.byteLength).set(
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength),
    );
    offset += sizes[i]!;
  });
  header[2] = crc32(new Uint8Array(buffer, HEADER_WORDS * 4));
  return buffer;
}

/** Loads a saved index from a whole buffer or a 4-byte-aligned view of one (e.g. a bundle shard): no copy. */
export function loadIndex(source: ArrayBuffer | Uint8Array): CorpusIndex {
  const buffer = source instanceof Uint8Array ? (source.buffer as ArrayBuffer) : source;
  const base = source instanceof Uint8Array ? source.byteOffset : 0;
  const size = source.byteLength;
  if (base % 4 !== 0) throw new IndexFormatError('INDEX_CORRUPT', 'the index does not start on a 4-byte boundary');
  if (size < HEADER_WORDS * 4) throw new IndexFormatError('INDEX_NOT_AN_INDEX', 'too short to be an index');
  const header = new Uint32Array(buffer, base, HEADER_WORDS);
  if (header[0] !== MAGIC) throw new IndexFormatError('INDEX_NOT_AN_INDEX', 'not a Self-Retrieval index (bad magic)');
  if (header[1] !== INDEX_FORMAT_VERSION) {
    throw new IndexFormatError(
      'INDEX_VERSION_UNSUPPORTED',
      `index format version ${header[1]} is not supported (this build reads version ${INDEX_FORMAT_VERSION})`,
    );
  }
  if (header[3] !== FIELDS.length) throw new IndexFormatError('INDEX_CORRUPT', 'unexpected number of arrays');
  if (crc32(new Uint8Array(buffer, base + HEADER_WORDS * 4, size - HEADER_WORDS * 4)) !== header[2]) {
    throw new IndexFormatError('INDEX_CORRUPT', 'checksum mismatch: the index is damaged');
  }
  let offset = HEADER_WORDS * 4;
  const arrays: Record<string, Uint32Array | Uint16Array | Uint8Array> = {};
  FIELDS.forEach((field, i) => {
    const kind = header[4 + 2 * i]!;
    const length = header[5 + 2 * i]!;
    if (kind < 1 || kind > 3) throw new IndexFormatError('INDEX_CORRUPT', `array ${field} has an unknown kind`);
    const bytes = length * (kind === 3 ? 1 : kind === 2 ? 2 : 4);
    if (offset + bytes > size) throw new IndexFormatError('INDEX_CORRUPT', `array ${field} is truncated`);
    const at = base + offset;
    arrays[field] =
      kind === 3
        ? new Uint8Array(buffer, at, length)
        : kind === 2
          ? new Uint16Array(buffer, at, length)
          : new Uint32Array(buffer, at, length);
    offset += aligned(bytes);
  });
  return CorpusIndex.fromArrays(arrays as unknown as CorpusIndexArrays);
}
