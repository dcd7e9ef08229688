// A shard of a sharded bundle as a file: named by the SHA-256 of its content (so a CDN may cache it forever and a
// bundle built again from unchanged input writes the same names), compressed with the format the manifest names
// (gzip through the platform's CompressionStream, in browsers, workers and Node alike), and checked when read: the
// size, then the hash of what it decompresses to. A shard that fails is a coded error naming the file, never data.
import { BundleError } from './bundle';

/** How shard files are compressed; the manifest says which. */
export type ShardEncoding = 'gzip' | 'identity';

export interface ShardRef {
  /** File name in the bundle folder: the first 24 hex digits of the content's SHA-256 and the encoding's suffix. */
  readonly file: string;
  /** Size of the file as stored. */
  readonly bytes: number;
  /** Size of the content once decompressed. */
  readonly rawBytes: number;
}

const HASH_DIGITS = 24;
const SUFFIX: Readonly<Record<ShardEncoding, string>> = { gzip: '.gz', identity: '.bin' };
export const SHARD_FILE = /^[0-9a-f]{24}\.(gz|bin)$/;

async function sha256Hex(bytes: Uint8Array, digits: number): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (let i = 0; i < digits / 2; i++) hex += digest[i]!.toString(16).padStart(2, '0');
  return hex;
}

async function pipe(bytes: Uint8Array, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The file for `content`: its name and its stored bytes. */
export async function encodeShard(
  content: Uint8Array,
  encoding: ShardEncoding,
): Promise<{ readonly ref: ShardRef; readonly stored: Uint8Array }> {
  const hash = await sha256Hex(content, HASH_DIGITS);
  const stored = encoding === 'gzip' ? await pipe(content, new CompressionStream('gzip')) : content;
  return { ref: { file: `${hash}${SUFFIX[encoding]}`, bytes: stored.length, rawBytes: content.length }, stored };
}

/** The content of a stored shard, checked against its reference. */
export async function decodeShard(ref: ShardRef, stored: Uint8Array, encoding: ShardEncoding): Promise<Uint8Array> {
  // A host that serves `.gz` files with `Content-Encoding: gzip` has the browser decompress them on the way.
  const inflated = encoding === 'gzip' && stored.length === ref.rawBytes && !(stored[0] === 0x1f && stored[1] === 0x8b);
  if (inflated) encoding = 'identity';
  else if (stored.length !== ref.bytes) {
    throw new BundleError(
      'BUNDLE_SHARD_CORRUPT',
      `shard ${ref.file} is ${stored.length} bytes, the manifest says ${ref.bytes}`,
    );
  }
  let content: Uint8Array;
  try {
    content = encoding === 'gzip' ? await pipe(stored, new DecompressionStream('gzip')) : stored;
  } catch {
    throw new BundleError('BUNDLE_SHARD_CORRUPT', `shard ${ref.file} does not decompress`);
  }
  if (content.length !== ref.rawBytes || (await sha256Hex(content, HASH_DIGITS)) !== ref.file.slice(0, HASH_DIGITS)) {
    throw new BundleError('BUNDLE_SHARD_CORRUPT', `shard ${ref.file} is damaged (its content does not match its name)`);
  }
  return content;
}

export function isShardRef(value: unknown): value is ShardRef {
  const ref = value as Partial<ShardRef> | null;
  return (
    typeof ref === 'object' &&
    ref !== null &&
    typeof ref.file === 'string' &&
    SHARD_FILE.test(ref.file) &&
    Number.isInteger(ref.bytes) &&
    Number.isInteger(ref.rawBytes)
  );
}
