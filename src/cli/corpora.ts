// Real text for tests and benchmarks: documents nobody on this project wrote, read from the installed
// node_modules (markdown, type declarations, licences) and cut into passages. Node only.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Passage } from '../core/passage';

/** Files under `root` whose names end with one of `extensions`, in a stable (sorted) order. */
export function findFiles(root: string, extensions: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) walk(path);
      else if (extensions.some((e) => name.endsWith(e))) out.push(path);
    }
  };
  walk(root);
  return out;
}

/**
 * Cuts each file into passages of about `words` words at paragraph breaks (a longer paragraph is cut at `words`).
 * Title = the file's path under `root`; text NFC-normalised with whitespace collapsed. Stops at `limit` passages.
 */
export function filePassages(root: string, files: readonly string[], words: number, limit = Infinity): Passage[] {
  const passages: Passage[] = [];
  for (const file of files) {
    const title = relative(root, file);
    const paragraphs = readFileSync(file, 'utf8')
      .normalize('NFC')
      .split(/\n\s*\n/);
    let chunk: string[] = [];
    const flush = () => {
      if (chunk.length === 0) return;
      const id = String(passages.length);
      passages.push({ id, documentId: title, title, text: chunk.join(' ') });
      chunk = [];
    };
    for (const paragraph of paragraphs) {
      for (const word of paragraph.split(/\s+/)) {
        if (!word) continue;
        chunk.push(word);
        if (chunk.length >= words) flush();
        if (passages.length >= limit) return passages;
      }
      if (chunk.length >= words / 2) flush();
    }
    flush();
    if (passages.length >= limit) return passages.slice(0, limit);
  }
  return passages;
}
