// The widget's cache of a sharded bundle's files (workers/shard-cache.ts) over an in-memory Cache Storage: shards
// come from the cache once fetched, the manifest from the network while it answers and from the cache when it does
// not, and a new manifest drops the cached files it no longer names.
import { describe, expect, it } from 'vitest';
import type { ShardedManifest } from '../src/core/sharded-bundle';
import { cachedShardFetch, SHARD_CACHE } from '../workers/shard-cache';

const FOLDER = 'https://site.example/search/';

/** Cache Storage as far as the shard cache uses it. */
function memoryCaches() {
  const entries = new Map<string, Response>();
  const cache = {
    match: (url: string) => Promise.resolve(entries.get(url)?.clone()),
    put: async (url: string, response: Response) => {
      entries.set(url, new Response(await response.arrayBuffer(), { status: response.status }));
    },
    keys: () => Promise.resolve([...entries.keys()].map((url) => new Request(url))),
    delete: (request: Request) => Promise.resolve(entries.delete(request.url)),
  };
  const opened: string[] = [];
  const storage = {
    open: (name: string) => {
      opened.push(name);
      return Promise.resolve(cache);
    },
  } as unknown as CacheStorage;
  return { storage, entries, opened };
}

function manifest(files: { index: string; chunk: string; page: string; records: string }): ShardedManifest {
  const ref = (file: string) => ({ file, bytes: 1, rawBytes: 1 });
  return {
    format: 'self-retrieval-bundle',
    version: 2,
    tokenizer: { id: 't', vocabSize: 10, eosTokenId: 0 },
    passages: 1,
    documents: 1,
    createdAt: '2026-12-01T00:00:00.000Z',
    encoding: 'gzip',
    index: ref(files.index),
    documentPages: { firstPaths: ['a'], pages: [ref(files.records)] },
    fragments: { perFragment: 16, perPage: 512, pages: [ref(files.page)] },
    lexical: {
      stats: { documentCount: 1, averageFieldLength: [1, 1] },
      directory: { firstTerms: ['a'], pages: [ref(files.chunk)] },
    },
  } as unknown as ShardedManifest;
}

/** A host serving `files`, counting requests; `down` makes every request fail as offline does. */
function host(files: Map<string, string>) {
  const state = { down: false, requests: [] as string[] };
  const get = (url: string) => {
    state.requests.push(url.slice(FOLDER.length));
    if (state.down) return Promise.reject(new TypeError('Failed to fetch'));
    const body = files.get(url.slice(FOLDER.length));
    return Promise.resolve(body === undefined ? new Response(null, { status: 404 }) : new Response(body));
  };
  return { get, state };
}

/** A shard's name: 24 hex digits. */
const shard = (digit: string) => `${digit.repeat(24)}.gz`;
const [c1, f1, c2] = [shard('c'), shard('f'), shard('d')];

describe('the shard cache', () => {
  const first = { index: shard('1'), chunk: c1, page: shard('3'), records: shard('4') };
  const files = new Map([
    ['manifest.json', JSON.stringify(manifest(first))],
    [c1, 'chunk one'],
    [f1, 'a fragment'],
  ]);

  it('answers shards from the cache once fetched, and the manifest from the network while it answers', async () => {
    const { storage, opened } = memoryCaches();
    const { get, state } = host(files);
    const read = cachedShardFetch(FOLDER, get, storage);
    expect(await (await read(`${FOLDER}manifest.json`)).json()).toMatchObject({ version: 2 });
    expect(await (await read(`${FOLDER}${c1}`)).text()).toBe('chunk one');
    expect(await (await read(`${FOLDER}${c1}`)).text()).toBe('chunk one');
    await read(`${FOLDER}manifest.json`);
    expect(state.requests).toEqual(['manifest.json', c1, 'manifest.json']);
    expect(opened).toEqual([SHARD_CACHE]);
  });

  it('offline: the cached manifest and shards answer; what was never fetched fails as the network does', async () => {
    const { storage } = memoryCaches();
    const { get, state } = host(files);
    const read = cachedShardFetch(FOLDER, get, storage);
    await read(`${FOLDER}manifest.json`);
    await read(`${FOLDER}${c1}`);
    state.down = true;
    expect(await (await read(`${FOLDER}manifest.json`)).json()).toMatchObject({ version: 2 });
    expect(await (await read(`${FOLDER}${c1}`)).text()).toBe('chunk one');
    await expect(read(`${FOLDER}${f1}`)).rejects.toThrow('Failed to fetch');
    // A 404 is never kept.
    state.down = false;
    expect((await read(`${FOLDER}missing.gz`)).status).toBe(404);
    expect((await read(`${FOLDER}missing.gz`)).status).toBe(404);
    expect(state.requests.filter((r) => r === 'missing.gz')).toHaveLength(2);
  });

  it('a new manifest drops the cached files it no longer names, and keeps the ones it does', async () => {
    const { storage, entries } = memoryCaches();
    const { get } = host(files);
    const read = cachedShardFetch(FOLDER, get, storage);
    await read(`${FOLDER}manifest.json`);
    await read(`${FOLDER}${c1}`);
    await read(`${FOLDER}${f1}`);
    entries.set('https://other.example/search/x.gz', new Response('another bundle'));
    files.set('manifest.json', JSON.stringify(manifest({ ...first, chunk: c2 })));
    await read(`${FOLDER}manifest.json`);
    // The old chunk directory page and the fragment (the manifest names fragments through their directory pages) are
    // gone; another bundle's files are untouched.
    expect([...entries.keys()].sort()).toEqual(['https://other.example/search/x.gz', `${FOLDER}manifest.json`]);
  });

  it('without Cache Storage it is the plain fetch', () => {
    const { get } = host(files);
    expect(cachedShardFetch(FOLDER, get, undefined)).toBe(get);
  });
});
