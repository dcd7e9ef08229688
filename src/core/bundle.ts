// The index bundle: how a library travels — exported and imported by the app, written by the CLI for static sites,
// fetched by the widget. A manifest (what the bundle holds and for which tokenizer) plus named binary shards, each
// with its length and CRC-32. Two layouts of the same thing:
// - one file: magic "SRWBNDL1", u32 manifest length, the manifest as UTF-8 JSON, then the shards back to back, each
//   starting on an 8-byte boundary at the offset the manifest gives;
// - a folder (static sites): `manifest.json` and one file per shard, named as in the manifest.
// Reading checks everything before returning anything, so a damaged or foreign bundle changes nothing.
import { CodedError } from './errors';
import { crc32 } from './index-format';
import type { TokenizerInfo } from './passage-keyer';

export const BUNDLE_FORMAT = 'self-retrieval-bundle';
export const BUNDLE_VERSION = 1;
const MAGIC = new TextEncoder().encode('SRWBNDL1');
const MANIFEST_AT = MAGIC.length + 4;

export interface ShardEntry {
  /** File-name-safe name, unique in the bundle (e.g. `index`, `passages`). */
  readonly name: string;
  /** Byte offset in the one-file layout (a folder reader ignores it). */
  readonly offset: number;
  readonly length: number;
  readonly crc32: number;
}

export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: number;
  /** Tokenizer the keys were made with: a bundle is only usable with the same one. */
  readonly tokenizer: TokenizerInfo;
  readonly passages: number;
  readonly documents: number;
  readonly createdAt: string;
  readonly shards: readonly ShardEntry[];
}

export interface Bundle {
  readonly manifest: BundleManifest;
  readonly shards: ReadonlyMap<string, Uint8Array>;
}

export type BundleErrorCode =
  | 'BUNDLE_NOT_A_BUNDLE'
  | 'BUNDLE_VERSION_UNSUPPORTED'
  | 'BUNDLE_CORRUPT'
  /** A shard of a sharded bundle could not be fetched. */
  | 'BUNDLE_SHARD_MISSING'
  /** A shard of a sharded bundle is not what its manifest says. */
  | 'BUNDLE_SHARD_CORRUPT';

/** A bundle that cannot be read; `code` says why. */
export class BundleError extends CodedError<BundleErrorCode> {}

const SHARD_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const align8 = (n: number) => (n + 7) & ~7;

/** The manifest for `shards`, laid out for the one-file layout. */
export function makeManifest(
  info: Omit<BundleManifest, 'format' | 'version' | 'shards' | 'createdAt'> & { readonly createdAt?: string },
  shards: ReadonlyMap<string, Uint8Array>,
): BundleManifest {
  // Offsets depend on the manifest's own length: lay out with placeholders, then fix the header size (offsets only
  // grow the JSON by digits, so iterate until stable).
  let headerSize = 0;
  for (let round = 0; round < 4; round++) {
    let offset = align8(headerSize);
    const entries: ShardEntry[] = [];
    for (const [name, bytes] of shards) {
      if (!SHARD_NAME.test(name)) throw new BundleError('BUNDLE_CORRUPT', `bad shard name "${name}"`);
      entries.push({ name, offset, length: bytes.length, crc32: crc32(bytes) });
      offset = align8(offset + bytes.length);
    }
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      tokenizer: info.tokenizer,
      passages: info.passages,
      documents: info.documents,
      createdAt: info.createdAt ?? new Date().toISOString(),
      shards: entries,
    };
    const size = MANIFEST_AT + new TextEncoder().encode(JSON.stringify(manifest)).length;
    if (align8(size) === align8(headerSize)) return manifest;
    headerSize = size;
  }
  throw new Error('bundle manifest layout did not settle');
}

/** The one-file layout. */
export function packBundle(bundle: Bundle): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(bundle.manifest));
  const last = bundle.manifest.shards.at(-1);
  const total = last ? last.offset + last.length : MANIFEST_AT + json.length;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length, true);
  out.set(json, MANIFEST_AT);
  for (const entry of bundle.manifest.shards) {
    const bytes = bundle.shards.get(entry.name);
    if (!bytes || bytes.length !== entry.length) throw new BundleError('BUNDLE_CORRUPT', `shard ${entry.name} missing`);
    out.set(bytes, entry.offset);
  }
  return out;
}

/** The fields both bundle formats' manifests carry: which tokenizer made the keys, the counts, when. */
export function hasLibraryHeader(
  m: Partial<Pick<BundleManifest, 'tokenizer' | 'passages' | 'documents' | 'createdAt'>>,
): boolean {
  const { tokenizer } = m;
  return (
    typeof tokenizer?.id === 'string' &&
    Number.isInteger(tokenizer.vocabSize) &&
    Number.isInteger(tokenizer.eosTokenId) &&
    (tokenizer.fingerprint === undefined || typeof tokenizer.fingerprint === 'string') &&
    Number.isInteger(m.passages) &&
    Number.isInteger(m.documents) &&
    typeof m.createdAt === 'string'
  );
}

/** Checks that a parsed manifest is one of ours, of `version`; throws BundleError otherwise. */
export function checkBundleVersion(json: unknown, version: number): void {
  const m = json as { format?: unknown; version?: unknown } | null;
  if (!m || typeof m !== 'object' || m.format !== BUNDLE_FORMAT) {
    throw new BundleError('BUNDLE_NOT_A_BUNDLE', 'not a Self-Retrieval index bundle');
  }
  if (m.version !== version) {
    throw new BundleError(
      'BUNDLE_VERSION_UNSUPPORTED',
      `bundle version ${String(m.version)} is not supported here (this reader reads version ${version})`,
    );
  }
}

/** Validates a parsed manifest; throws BundleError naming what is wrong. */
export function parseManifest(json: unknown): BundleManifest {
  checkBundleVersion(json, BUNDLE_VERSION);
  const m = json as Partial<BundleManifest>;
  const shards: readonly Partial<ShardEntry>[] | undefined = Array.isArray(m.shards) ? m.shards : undefined;
  const valid =
    hasLibraryHeader(m) &&
    shards !== undefined &&
    shards.every(
      (s) =>
        typeof s.name === 'string' &&
        SHARD_NAME.test(s.name) &&
        [s.offset, s.length, s.crc32].every((n) => Number.isInteger(n) && (n as number) >= 0),
    ) &&
    new Set(shards.map((s) => s.name)).size === shards.length;
  if (!valid) throw new BundleError('BUNDLE_CORRUPT', 'the bundle manifest is malformed');
  return m as BundleManifest;
}

function checkShard(entry: ShardEntry, bytes: Uint8Array | undefined): Uint8Array {
  if (!bytes || bytes.length !== entry.length) {
    throw new BundleError('BUNDLE_CORRUPT', `shard ${entry.name} is missing or truncated`);
  }
  if (crc32(bytes) !== entry.crc32)
    throw new BundleError('BUNDLE_CORRUPT', `shard ${entry.name} is damaged (checksum)`);
  return bytes;
}

/** Reads the one-file layout; every shard is checked before the bundle is returned. Shards are views, not copies. */
export function unpackBundle(bytes: Uint8Array): Bundle {
  const magicOk = bytes.length >= MANIFEST_AT && MAGIC.every((b, i) => bytes[i] === b);
  if (!magicOk) throw new BundleError('BUNDLE_NOT_A_BUNDLE', 'not a Self-Retrieval index bundle');
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  if (MANIFEST_AT + jsonLength > bytes.length) throw new BundleError('BUNDLE_CORRUPT', 'the manifest is truncated');
  let json: unknown;
  try {
    json = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(MANIFEST_AT, MANIFEST_AT + jsonLength)),
    );
  } catch {
    throw new BundleError('BUNDLE_CORRUPT', 'the bundle manifest is not valid JSON');
  }
  const manifest = parseManifest(json);
  const shards = new Map<string, Uint8Array>();
  for (const entry of manifest.shards) {
    const end = entry.offset + entry.length;
    shards.set(entry.name, checkShard(entry, end <= bytes.length ? bytes.subarray(entry.offset, end) : undefined));
  }
  return { manifest, shards };
}

/** Reads the folder layout through `readFile` (fetch for a static site, the file system in Node). */
export async function readBundleFolder(readFile: (name: string) => Promise<Uint8Array>): Promise<Bundle> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await readFile('manifest.json')));
  } catch {
    throw new BundleError('BUNDLE_NOT_A_BUNDLE', 'no readable manifest.json: not a Self-Retrieval index bundle');
  }
  const manifest = parseManifest(json);
  const shards = new Map<string, Uint8Array>();
  for (const entry of manifest.shards) {
    shards.set(entry.name, checkShard(entry, await readFile(entry.name).catch(() => undefined)));
  }
  return { manifest, shards };
}
