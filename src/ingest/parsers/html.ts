// HTML with a worker-safe parser (htmlparser2, no DOM): visible text only — scripts, styles and other non-content
// elements dropped — block elements separated by blank lines, headings as sections, title from <title> or <h1>.
import { Parser } from 'htmlparser2';
import type { ParsedDocument, Section } from '../document';

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'head', 'iframe', 'object']);
const BLOCK = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'nav',
  'aside',
  'li',
  'ul',
  'ol',
  'table',
  'tr',
  'td',
  'th',
  'pre',
  'blockquote',
  'br',
  'hr',
  'dt',
  'dd',
  'figcaption',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
]);
const HEADING = /^h[1-6]$/;

export function parseHtml(source: string, fileName: string): ParsedDocument {
  const blocks: string[] = [];
  const sections: Section[] = [];
  let current = '';
  let length = 0;
  let skipping = 0;
  let inTitle = false;
  let titleText = '';
  let heading: { level: number; text: string } | undefined;
  let firstH1: string | undefined;
  const flush = () => {
    const text = current.replace(/\s+/g, ' ').trim();
    current = '';
    if (!text) return;
    if (blocks.length > 0) length += 2;
    blocks.push(text);
    length += text.length;
  };
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'title') inTitle = true;
        if (SKIP.has(name)) skipping++;
        if (BLOCK.has(name)) flush();
        if (HEADING.test(name)) heading = { level: Number(name[1]), text: '' };
      },
      ontext(text) {
        if (inTitle) titleText += text;
        if (skipping > 0) return;
        current += text;
        if (heading) heading.text += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (SKIP.has(name)) skipping = Math.max(0, skipping - 1);
        if (HEADING.test(name) && heading) {
          const text = heading.text.replace(/\s+/g, ' ').trim();
          if (text) {
            sections.push({ heading: text, start: length + (blocks.length > 0 ? 2 : 0) });
            if (heading.level === 1 && firstH1 === undefined) firstH1 = text;
          }
          heading = undefined;
        }
        if (BLOCK.has(name)) flush();
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(source);
  parser.end();
  flush();
  const title = titleText.replace(/\s+/g, ' ').trim() || firstH1 || fileName;
  return { title, text: blocks.join('\n\n'), sections, pages: [] };
}
