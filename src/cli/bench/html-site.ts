// A static site for the scale benchmark: documents written as plain HTML pages (a title, the text in paragraphs),
// the input both Self-Retrieval's CLI and Pagefind index, as a site owner would give them. Cranfield's 1,400
// records become one page each, named by record id, so that both engines' hits map to the collection's judgements.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalQuery } from '../../core/eval-data';
import type { Qrels } from '../../core/metrics';
import { normalizeWhitespace, readRecords } from '../../ingest/cranfield';
import { cranfieldEvalData } from '../cranfield-data';

export interface SitePage {
  /** Path of the page inside the site, e.g. `cranfield/184.html`. */
  readonly path: string;
  readonly title: string;
  /** Paragraphs of text. */
  readonly paragraphs: readonly string[];
}

export interface HtmlSite {
  readonly root: string;
  readonly pages: number;
  /** Bytes of text in the pages (titles and paragraphs), the "input text" that bundle sizes are measured against. */
  readonly textBytes: number;
}

/** A site with a judged query set: qrels name pages by their path. */
export interface JudgedSite extends HtmlSite {
  readonly queries: readonly EvalQuery[];
  readonly qrels: Qrels;
}

const escape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function pageHtml(page: SitePage): string {
  const body = page.paragraphs.map((p) => `<p>${escape(p)}</p>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escape(page.title)}</title></head>
<body>
<main>
<h1>${escape(page.title)}</h1>
${body}
</main>
</body>
</html>
`;
}

/** Writes the pages under `root`; returns the site's size. */
export function writeSite(root: string, pages: Iterable<SitePage>): HtmlSite {
  let count = 0;
  let textBytes = 0;
  const made = new Set<string>();
  for (const page of pages) {
    const file = join(root, page.path);
    const folder = file.slice(0, file.lastIndexOf('/'));
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    writeFileSync(file, pageHtml(page));
    count++;
    textBytes += Buffer.byteLength(page.title) + page.paragraphs.reduce((n, p) => n + Buffer.byteLength(p), 0);
  }
  return { root, pages: count, textBytes };
}

/** Cranfield as 1,400 pages `cranfield/<id>.html` (title, then the abstract), with the test split's queries. */
export function cranfieldSite(cranfieldDir: string, root: string): JudgedSite {
  const source = readFileSync(join(cranfieldDir, 'cran.all.1400'), 'utf8');
  const pagePath = (id: string) => `cranfield/${id}.html`;
  const site = writeSite(
    root,
    [...readRecords(source)].map(({ id, fields }) => ({
      path: pagePath(id),
      title: normalizeWhitespace(fields.get('T') ?? '') || `Record ${id}`,
      paragraphs: [normalizeWhitespace(fields.get('W') ?? '')].filter(Boolean),
    })),
  );
  const { queries, qrels } = cranfieldEvalData(cranfieldDir, 'test');
  const byPath: Qrels = new Map(
    [...qrels].map(([query, judged]) => [query, new Map([...judged].map(([doc, grade]) => [pagePath(doc), grade]))]),
  );
  return { ...site, queries, qrels: byPath };
}
