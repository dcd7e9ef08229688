// Content hashes: the hex SHA-256 that names a file's bytes (duplicate detection, re-scan no-ops) and a library's
// fingerprint. Web Crypto, so the same code runs in workers, pages and Node.

/** Hex SHA-256 of `bytes`. */
export async function contentHash(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
