// A passage's content-derived id: the same passage of the same document always gets the same id, so a re-index
// keeps ids (and the links and judgements that name them) stable, and a reader can derive an id instead of storing
// it (a sharded bundle's fragments leave out ids that are derived).

/** 53-bit string hash (cyrb53); two seeds make a 106-bit id. */
function hash53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The id of the `ordinal`-th passage (0-based, in text order) of document `documentPath`. */
export function passageId(documentPath: string, title: string, text: string, ordinal: number): string {
  const key = [documentPath, title, text, String(ordinal)].join('\u0000');
  return hash53(key, 1).toString(36).padStart(11, '0') + hash53(key, 2).toString(36).padStart(11, '0');
}
