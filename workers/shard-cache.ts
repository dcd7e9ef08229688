// The widget's cache of a sharded bundle's files in Cache Storage, so that a page reloaded offline (or a host gone
// down) still answers from what was fetched before, and a revisit fetches nothing it already has. Shards are named
// by their content's hash, so a cached one is never stale: cache first. The manifest is the one mutable file:
// network first, the cached copy when the network fails. When a new manifest arrives, the cached files it no longer
// names are dropped, so the cache holds one build of each bundle (an unchanged keyword chunk or fragment is fetched
// again once: the manifest names their directory pages, not them).
import { MANIFEST_FILE, parseShardedManifest, type ShardedManifest } from '../src/core/sharded-bundle';

export const SHARD_CACHE = 'self-retrieval-shards-v1';

export type FetchFile = (url: string) => Promise<Response>;

/** The files a manifest names itself (not the chunks and fragments its directory pages list). */
function namedFiles(manifest: ShardedManifest): Set<string> {
  return new Set([
    MANIFEST_FILE,
    manifest.index.file,
    ...manifest.documentPages.pages.map((p) => p.file),
    ...manifest.fragments.pages.map((p) => p.file),
    ...manifest.lexical.directory.pages.map((p) => p.file),
  ]);
}

/** Drops the cached files of `folder` that this manifest does not name. */
async function prune(cache: Cache, folder: string, manifest: ShardedManifest): Promise<void> {
  const keep = namedFiles(manifest);
  const stale = (await cache.keys()).filter((request) => {
    if (!request.url.startsWith(folder)) return false;
    const name = request.url.slice(folder.length);
    return !name.includes('/') && !keep.has(name);
  });
  await Promise.all(stale.map((request) => cache.delete(request)));
}

/** `get` with the files of the sharded bundle at `folder` kept in Cache Storage (or `get` itself where there is
 * none: Node, an insecure origin, a browser that refuses storage). */
export function cachedShardFetch(folder: string, get: FetchFile, storage: CacheStorage | undefined): FetchFile {
  if (!storage) return get;
  const opened = storage.open(SHARD_CACHE).catch(() => undefined);
  const keep = async (url: string, response: Response) => {
    const cache = await opened;
    if (!cache || !response.ok) return;
    try {
      await cache.put(url, response.clone());
      if (url === new URL(MANIFEST_FILE, folder).href) {
        await prune(cache, folder, parseShardedManifest(await response.clone().json()));
      }
    } catch {
      // Storage full or refused, or a manifest the reader will reject with its own coded error: nothing to keep.
    }
  };
  return async (url) => {
    const cache = await opened;
    const isManifest = url === new URL(MANIFEST_FILE, folder).href;
    if (!isManifest) {
      const hit = await cache?.match(url);
      if (hit) return hit;
    }
    // The manifest from the network unless it cannot be reached (offline, or the host failing).
    const cached = () => (isManifest ? cache?.match(url) : undefined);
    let response: Response;
    try {
      response = await get(url);
    } catch (error) {
      const stale = await cached();
      if (stale) return stale;
      throw error;
    }
    if (response.status >= 500) return (await cached()) ?? response;
    await keep(url, response);
    return response;
  };
}
