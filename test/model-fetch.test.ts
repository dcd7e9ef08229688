// Reading the built-in model's files: a network failure (as Chromium reports a read that lost a race with the
// service worker's precache) is tried again, a body cut off mid-way too; an HTTP error and an abort are not.
import { describe, expect, it } from 'vitest';
import { fetchModelFile, MODEL_FETCH_ATTEMPTS } from '../src/engines/model-fetch';

/** A fetch that fails the first `failures` calls (before the headers, or while the body streams), then answers. */
function flakyFetch(failures: number, where: 'headers' | 'body') {
  const calls: string[] = [];
  const fn = ((input: string) => {
    calls.push(input);
    if (calls.length > failures) {
      return Promise.resolve(new Response('model bytes', { headers: { 'content-type': 'application/octet-stream' } }));
    }
    if (where === 'headers') return Promise.reject(new TypeError('Failed to fetch'));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('model'));
        controller.error(new TypeError('network error'));
      },
    });
    return Promise.resolve(new Response(body, { headers: { 'content-length': '999' } }));
  }) as typeof fetch;
  return { fn, calls };
}

describe('fetchModelFile', () => {
  it('tries a failed read again and returns the whole body with its true length', async () => {
    for (const where of ['headers', 'body'] as const) {
      const { fn, calls } = flakyFetch(MODEL_FETCH_ATTEMPTS - 1, where);
      const response = await fetchModelFile('/models/m/onnx/model.onnx', undefined, fn);
      expect(calls).toHaveLength(MODEL_FETCH_ATTEMPTS);
      expect(await response.text()).toBe('model bytes');
      expect(response.headers.get('content-length')).toBe('11');
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
    }
  });

  it('reports the failure once every attempt failed', async () => {
    const { fn, calls } = flakyFetch(MODEL_FETCH_ATTEMPTS, 'headers');
    await expect(fetchModelFile('/models/m/config.json', undefined, fn)).rejects.toThrow('Failed to fetch');
    expect(calls).toHaveLength(MODEL_FETCH_ATTEMPTS);
  });

  it('returns an HTTP error as it is, and does not retry an aborted read', async () => {
    const missing = (() => Promise.resolve(new Response(null, { status: 404 }))) as typeof fetch;
    expect((await fetchModelFile('/models/m/tokenizer.json', undefined, missing)).status).toBe(404);
    const controller = new AbortController();
    controller.abort();
    const { fn, calls } = flakyFetch(1, 'headers');
    await expect(fetchModelFile('/models/m/config.json', { signal: controller.signal }, fn)).rejects.toThrow();
    expect(calls).toHaveLength(1);
  });
});
