// `npm run bench:gather -- --out <folder> [--passages 1000000] [--words 50]`: a large static site of real text
// for the scale benchmark, from what this machine has — Debian's documentation (/usr/share/doc: changelogs, READMEs,
// copyright files; gzipped ones read through), its manual pages (/usr/share/man, roff markup stripped to text,
// every language) and the Markdown of the repository's node_modules — written as HTML pages of at most ~8 KB of
// text each (a long changelog becomes numbered parts), until the text holds about `passages` passages of `words`
// words. Files with the same bytes are read once. The folder is not committed (hundreds of MB); this script
// regenerates it, and writes `<folder>.json` beside it (pages, bytes, words, files read from each source).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from '../args';
import { findFiles } from '../corpora';
import { pageHtml } from './html-site';

const PAGE_CHARS = 8000;

interface Source {
  readonly root: string;
  readonly kind: 'doc' | 'man' | 'markdown';
  readonly keep: (path: string) => boolean;
}

/** Text of a manual page's roff source: requests dropped (their arguments kept for headings), escapes removed. */
export function roffText(source: string): string {
  const out: string[] = [];
  for (const line of source.split('\n')) {
    if (line.startsWith('.\\"') || line.startsWith('\'\\"')) continue;
    const request = /^[.'](\w+)\s*(.*)$/.exec(line);
    if (request) {
      const [, name, rest] = request;
      if (['SH', 'SS', 'B', 'I', 'BR', 'IR', 'RB', 'IP', 'TP', 'TH'].includes(name!) && rest) {
        out.push(rest.replace(/"/g, ''));
      } else if (name === 'PP' || name === 'LP' || name === 'P' || name === 'SH') out.push('');
      continue;
    }
    out.push(line);
  }
  return out
    .join('\n')
    .replace(/\\f(\[[^\]]*\]|\(..|.)/g, '')
    .replace(/\\\(..|\\\[[^\]]*\]/g, ' ')
    .replace(/\\[-&|^,/0~ ]/g, (m) => (m === '\\-' ? '-' : ' '))
    .replace(/\\[*n]\(?..?/g, '')
    .replace(/\\e/g, '\\')
    .replace(/\n{3,}/g, '\n\n');
}

function readText(path: string, kind: Source['kind']): string | undefined {
  let bytes: Buffer = readFileSync(path);
  if (path.endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      return undefined;
    }
  }
  // Binary files (images, compiled files) are no text to search.
  if (bytes.subarray(0, 4096).includes(0)) return undefined;
  const text = bytes.toString('utf8');
  return kind === 'man' ? roffText(text) : text;
}

/** The text cut into parts of at most PAGE_CHARS at paragraph (or line) boundaries. */
function parts(text: string): string[][] {
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p.length > 0);
  const out: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (let paragraph of paragraphs) {
    while (paragraph.length > PAGE_CHARS) {
      const cut = paragraph.lastIndexOf(' ', PAGE_CHARS);
      const at = cut > 0 ? cut : PAGE_CHARS;
      out.push([...current, paragraph.slice(0, at)]);
      current = [];
      size = 0;
      paragraph = paragraph.slice(at).trim();
    }
    if (size + paragraph.length > PAGE_CHARS && current.length) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(paragraph);
    size += paragraph.length;
  }
  if (current.length) out.push(current);
  return out;
}

export interface GatheredSite {
  /** Words per passage the site is meant to be indexed with (`index --words`). */
  readonly passageWords: number;
  readonly pages: number;
  readonly files: number;
  readonly textBytes: number;
  readonly words: number;
  readonly estimatedPassages: number;
  readonly sources: Record<string, number>;
}

export function gatherSite(out: string, options: { passages: number; words: number; repo: string }): GatheredSite {
  const sources: Source[] = [
    { root: '/usr/share/doc', kind: 'doc', keep: () => true },
    { root: '/usr/share/man', kind: 'man', keep: (p) => /\.\d\w*(\.gz)?$/.test(p) },
    { root: join(options.repo, 'node_modules'), kind: 'markdown', keep: (p) => /\.md$/i.test(p) },
  ];
  const seen = new Set<string>();
  const perSource: Record<string, number> = {};
  let pages = 0;
  let files = 0;
  let textBytes = 0;
  let words = 0;
  const target = options.passages * options.words;
  for (const source of sources) {
    // Every file, sorted (the same order on every run); links out of the root are not followed.
    for (const path of existsSync(source.root) ? findFiles(source.root, ['']) : []) {
      if (words >= target) break;
      if (!source.keep(path)) continue;
      const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
      if (seen.has(hash)) continue;
      seen.add(hash);
      const text = readText(path, source.kind);
      if (!text) continue;
      const name = relative(source.root, path).replace(/\.gz$/, '');
      const cut = parts(text);
      if (cut.length === 0) continue;
      files++;
      perSource[source.root] = (perSource[source.root] ?? 0) + 1;
      cut.forEach((paragraphs, i) => {
        const title = cut.length > 1 ? `${name} (part ${i + 1} of ${cut.length})` : name;
        const file = join(
          out,
          source.kind,
          `${name.replace(/[^\w./-]+/g, '_')}${cut.length > 1 ? `.${i + 1}` : ''}.html`,
        );
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileSync(file, pageHtml({ path: file, title, paragraphs }));
        pages++;
        for (const p of paragraphs) {
          textBytes += Buffer.byteLength(p);
          words += p.split(' ').length;
        }
      });
    }
  }
  const site: GatheredSite = {
    passageWords: options.words,
    pages,
    files,
    textBytes,
    words,
    estimatedPassages: Math.round(words / options.words),
    sources: perSource,
  };
  writeFileSync(`${out.replace(/\/+$/, '')}.json`, JSON.stringify(site, null, 2));
  return site;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { flags } = parseArgs(process.argv.slice(2), {
    flags: { out: 'string', passages: 'string', words: 'string' },
    positionals: [],
    minPositionals: 0,
  });
  const out = flags['out'];
  if (typeof out !== 'string') throw new Error('give --out <folder>');
  const site = gatherSite(out, {
    passages: Number(flags['passages'] ?? 1_000_000),
    words: Number(flags['words'] ?? 50),
    repo: join(import.meta.dirname, '../../..'),
  });
  console.log(JSON.stringify(site));
}
