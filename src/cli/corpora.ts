// Real text for tests and benchmarks: documents nobody on this project wrote, read from the installed
// node_modules (markdown, type declarations, licences) and cut into passages. Node only.
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Passage } from '../core/passage';
import { isInside } from './folder-walk';

/** A passage of real text for keying and indexing: its words re-joined with single spaces, so it has no offsets
 * into its file (nothing shows these passages in place). */
export type TextPassage = Pick<Passage, 'id' | 'documentPath' | 'title' | 'text'>;

/**
 * Files under `root` whose names end with one of `extensions`, in a stable (sorted) order. A symbolic link is
 * followed only when its real path lies inside `root` (npm workspaces and `npm link` put links to folders elsewhere
 * on the disk into node_modules: what they hold is not this tree's and changes with that other folder). A link to a
 * folder being walked (an ancestor) is not followed, so it cannot loop; a folder reached by a link and by its own
 * path is listed under both, as before.
 */
export function findFiles(root: string, extensions: readonly string[]): string[] {
  const realRoot = realpathSync(root);
  /** The real paths of the folders being walked, this one's ancestors included. */
  const open = new Set<string>();
  const out: string[] = [];
  const walk = (dir: string, realDir: string) => {
    if (open.has(realDir)) return;
    open.add(realDir);
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      let stat = lstatSync(path, { throwIfNoEntry: false });
      let real = join(realDir, name);
      if (stat?.isSymbolicLink()) {
        try {
          real = realpathSync(path);
        } catch {
          continue; // a dangling link
        }
        if (!isInside(realRoot, real)) continue;
        stat = statSync(real, { throwIfNoEntry: false });
      }
      if (!stat) continue;
      if (stat.isDirectory()) walk(path, real);
      else if (stat.isFile() && extensions.some((e) => name.endsWith(e))) out.push(path);
    }
    open.delete(realDir);
  };
  walk(root, realRoot);
  return out;
}

/** A document's text with the title its passages get. */
export interface TitledText {
  readonly title: string;
  readonly text: string;
}

/**
 * Cuts each file into passages of about `words` words at paragraph breaks (a longer paragraph is cut at `words`).
 * Title = the file's path under `root`; text NFC-normalised with whitespace collapsed. Stops at `limit` passages.
 */
export function filePassages(root: string, files: readonly string[], words: number, limit = Infinity): TextPassage[] {
  // Read lazily: reading stops with the last file the limit needs.
  function* read(): Generator<TitledText> {
    for (const file of files) yield { title: relative(root, file), text: readFileSync(file, 'utf8') };
  }
  return textPassages(read(), words, limit);
}

/** {@link filePassages} over texts already read (the benchmarks' pinned corpus is read and checked first). */
export function textPassages(documents: Iterable<TitledText>, words: number, limit = Infinity): TextPassage[] {
  const passages: TextPassage[] = [];
  for (const { title, text } of documents) {
    const paragraphs = text.normalize('NFC').split(/\n\s*\n/);
    let chunk: string[] = [];
    const flush = () => {
      if (chunk.length === 0) return;
      const id = String(passages.length);
      passages.push({ id, documentPath: title, title, text: chunk.join(' ') });
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
