// How a model in the model cache is named to transformers.js: `store/<key>` under the model root, which
// configureOffline (runtime.ts) answers from the cache. Its own module, free of transformers.js, so that choosing a
// model does not load the library.

/** Model ids `store/<key>` name models in the model cache rather than folders under the model root. */
export const STORE_PREFIX = 'store/';

export function storedModelId(key: string): string {
  return `${STORE_PREFIX}${key}`;
}
