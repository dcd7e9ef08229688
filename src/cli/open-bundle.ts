// A bundle opened by `search` and `answer`: a one-file bundle (format 1) read whole, or a sharded folder (format 2)
// read lazily, as the widget reads it — the manifest to open it, the corpus index only when a model searches, a
// query's keyword chunks and the fragments of the passages it returns. A search of a million-passage folder so
// reads a few megabytes instead of the whole folder. `eval` and the Cranfield paths load a library whole.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BundleError, unpackBundle } from '../core/bundle';
import { CorpusIndex, type IndexState } from '../core/corpus-index';
import { libraryCorpus, readLibraryBundle, type LoadedLibrary } from '../core/library-bundle';
import type { Passage } from '../core/passage';
import type { TokenizerInfo } from '../core/passage-keyer';
import type { SearchCorpus } from '../core/self-retriever';
import { ShardedBundle } from '../core/sharded-bundle';
import { CliError } from './cli-error';

export interface OpenedBundle {
  /** The tokenizer the bundle was keyed for (its model's id, and the fingerprint of its keys). */
  readonly tokenizer: TokenizerInfo;
  /** What the retriever searches; `withIndex`: the corpus index too (a model searches), else an empty one. */
  corpus(withIndex: boolean): Promise<SearchCorpus<IndexState>>;
  /** The passages of these entries, in order. */
  passages(entries: readonly number[]): Promise<Passage[]>;
}

/** Runs `work`, saying a bundle's damage as the CLI's BAD_BUNDLE error (with the bundle's path). */
export async function readingBundle<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BundleError) {
      throw new CliError('BAD_BUNDLE', `${path} is not a usable bundle: ${error.message}`);
    }
    throw error;
  }
}

function shardedFolder(path: string): Promise<ShardedBundle> {
  // One file at a time: loading a whole folder asks for every shard at once, and a million passages are tens of
  // thousands of files, more than a process may hold open.
  return ShardedBundle.open((file) => Promise.resolve(new Uint8Array(readFileSync(join(path, file)))));
}

/** A bundle file (format 1) or a sharded bundle folder (format 2), whole (`eval`). */
export function readLibrary(path: string): Promise<LoadedLibrary> {
  if (!existsSync(path)) throw new CliError('BUNDLE_NOT_FOUND', `${path}: no such bundle file or folder`);
  return readingBundle(path, async () =>
    statSync(path).isDirectory()
      ? (await shardedFolder(path)).loadAll()
      : readLibraryBundle(unpackBundle(new Uint8Array(readFileSync(path)))),
  );
}

/** A library in memory as an opened bundle. */
export function libraryBundleOf(library: LoadedLibrary): OpenedBundle {
  return {
    tokenizer: library.manifest.tokenizer,
    corpus: () => Promise.resolve(libraryCorpus(library)),
    passages: (entries) => Promise.resolve(entries.map((e) => library.passages[e]!)),
  };
}

/** Opens a bundle for `search` and `answer`: a folder lazily, a file whole. Damage read later is the caller's to
 * say (`readingBundle`). */
export async function openBundle(path: string): Promise<OpenedBundle> {
  // A file (or nothing: readLibrary says so) is read whole.
  if (!existsSync(path) || !statSync(path).isDirectory()) return libraryBundleOf(await readLibrary(path));
  const bundle = await readingBundle(path, () => shardedFolder(path));
  return {
    tokenizer: bundle.manifest.tokenizer,
    async corpus(withIndex) {
      return {
        index: withIndex ? await bundle.corpusIndex() : CorpusIndex.build([], { endToken: 0 }),
        lexical: {
          // The command line reports a damaged keyword chunk instead of ranking without its terms.
          async query(text, limit) {
            const { hits, errors } = await bundle.lexicalQuery(text, limit);
            if (errors[0]) throw errors[0];
            return hits;
          },
        },
        passage: async (entry) => (await bundle.passages([entry]))[0]!,
      };
    },
    passages: (entries) => bundle.passages(entries),
  };
}
