// Writing what the CLI publishes so that a crash never leaves half of it: a file is written beside its place and
// renamed over it; a sharded bundle folder gets its shards first (content-addressed, so a shard already there is
// the same bytes and is kept) and its manifest last, so a reader never finds a manifest naming a missing shard.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SHARD_FILE } from '../core/shard-codec';
import { MANIFEST_FILE } from '../core/sharded-bundle';
import { CliError } from './cli-error';

/** Writes a file whole or not at all. */
export function writeAtomic(path: string, bytes: Uint8Array): void {
  const partial = `${path}.partial-${process.pid}`;
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(partial, bytes);
    renameSync(partial, path);
  } catch (error) {
    try {
      rmSync(partial, { force: true });
    } catch {
      // Nothing was written there.
    }
    throw new CliError('CANNOT_WRITE', `cannot write ${path}: ${(error as Error).message}`);
  }
}

export interface FolderWrite {
  /** Bytes of the bundle (every file it names, and its manifest). */
  readonly bytes: number;
  readonly files: number;
  /** Shards that were not in the folder yet (the rest were reused from an earlier build). */
  readonly written: number;
  /** Shards of earlier builds this manifest no longer names: removed with `prune`, else kept for readers that
   * still hold the previous manifest. */
  readonly unreferenced: readonly string[];
}

/** Writes a sharded bundle's files into `dir`. */
export function writeBundleFolder(
  dir: string,
  files: ReadonlyMap<string, Uint8Array>,
  options: { readonly prune?: boolean } = {},
): FolderWrite {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new CliError('CANNOT_WRITE', `${dir} is a file: a sharded bundle is a folder`);
  }
  let written = 0;
  let bytes = 0;
  for (const [name, content] of files) {
    bytes += content.length;
    if (name === MANIFEST_FILE) continue;
    const path = join(dir, name);
    if (existsSync(path) && statSync(path).size === content.length) continue;
    writeAtomic(path, content);
    written += 1;
  }
  writeAtomic(join(dir, MANIFEST_FILE), files.get(MANIFEST_FILE)!);
  const unreferenced = readdirSync(dir).filter((name) => SHARD_FILE.test(name) && !files.has(name));
  if (options.prune) for (const name of unreferenced) rmSync(join(dir, name), { force: true });
  return { bytes, files: files.size, written, unreferenced };
}
