// Reading a model file from the app's own origin, robustly: the whole body, tried again after a network failure.
// On a first visit the service worker precaches the built-in model while the model worker loads it, and Chromium can
// fail one of two reads of a URL that it is writing to its HTTP cache at that moment (net::ERR_CACHE_WRITE_FAILURE,
// which the page sees as "Failed to fetch"); a second read a moment later succeeds.

/** How many times a model file is read before its network failure is reported. */
export const MODEL_FETCH_ATTEMPTS = 3;

/** Fetches `input` and reads its body whole, trying again (after 0.2 s, then 0.4 s) when the network fails, unless
 * the caller aborted. An HTTP error is returned as it is: a missing file is not a transient failure. */
export async function fetchModelFile(
  input: RequestInfo | URL,
  init?: RequestInit,
  fetchFn: typeof fetch = fetch,
): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetchFn(input, init);
      if (!response.ok) return response;
      // Read here, so that a body cut off mid-way is retried too; the headers are rebuilt for the decoded body (a
      // compressed transfer's content-length would be wrong for it).
      const body = await response.blob();
      const headers = new Headers({ 'content-length': String(body.size) });
      const type = response.headers.get('content-type');
      if (type) headers.set('content-type', type);
      return new Response(body, { status: response.status, statusText: response.statusText, headers });
    } catch (error) {
      if (attempt >= MODEL_FETCH_ATTEMPTS || init?.signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
