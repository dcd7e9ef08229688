// Markdown → ParsedDocument. The text keeps the readable content of each block, markup dropped: paragraphs, code,
// link text, image alt text, table rows (cells joined by " | ") and the text of raw HTML (through the HTML parser,
// tags, scripts and styles dropped), blocks separated by a blank line. Headings become sections; the first level-1
// heading (markdown `#` or HTML `<h1>`) is the title, else the file name.
//
// Parsed with markdown-it (CommonMark plus tables and strikethrough), not micromark/mdast: markdown-it is linear in
// practice and over 10× faster on real READMEs, and it caps nesting (`maxNesting`), where micromark took 10 s on
// 30 KB of nested emphasis and minutes on nested lists — a small hostile file must not stall the ingest worker.
// Container blocks (quotes, lists) recurse inside markdown-it, so a block rule of ours stops that recursion at a fixed
// depth and keeps whatever lies deeper as its raw markdown text: nothing is dropped (markdown-it alone would drop it)
// and the stack depth stays bounded. Our own walk iterates the flat token list; the one nested list (an image's
// alt-text tokens) is walked with an explicit stack.
import MarkdownIt, { type StateBlock, type Token } from 'markdown-it';
import type { ParsedDocument, Section } from '../document';
import { parseHtml } from './html';

/**
 * markdown-it's nesting limit, as in its CommonMark preset. Quotes add one level, lists two (list and item), so
 * structure is kept for ~18 nested quotes or 9 nested lists: more than real documents use. Lower is cheaper: every
 * enclosing quote re-scans the lines it holds (1 MB of lazy lines under 18 quotes: ~2 s).
 */
const MAX_NESTING = 20;
/**
 * Blocks this deep are not parsed into structure but kept as raw text. Below MAX_NESTING by two, as a list adds two
 * levels at once: markdown-it's own check, which drops everything past MAX_NESTING, is then never reached.
 */
const FLATTEN_LEVEL = MAX_NESTING - 2;
const TOO_DEEP = 'too_deep';

/**
 * A block rule, first in line: below FLATTEN_LEVEL it declines; at it, it takes every line the current container
 * would still tokenize (up to the first outdented, non-blank line: where markdown-it's tokenizer stops too) as one
 * token of raw text, with the markers of the enclosing containers already stripped by markdown-it.
 */
function flattenTooDeep(state: StateBlock, startLine: number, endLine: number): boolean {
  if (state.level < FLATTEN_LEVEL) return false;
  let line = startLine + 1;
  while (line < endLine && (state.isEmpty(line) || state.sCount[line]! >= state.blkIndent)) line++;
  const token = state.push(TOO_DEEP, '', 0);
  token.content = state.getLines(startLine, line, state.blkIndent, false);
  token.map = [startLine, line];
  state.line = line;
  return true;
}

// Parsing only: nothing is rendered, so no link validation or highlighting matters. Raw HTML is parsed into tokens
// (html: true) so that its tags can be stripped; typographer off keeps the author's quotes and dashes as written.
const md = new MarkdownIt('default', { html: true, linkify: false, typographer: false, maxNesting: MAX_NESTING });
md.block.ruler.before('table', TOO_DEEP, flattenTooDeep);

/**
 * The readable text of an inline token: text and inline code, line breaks as "\n", images' alt text when `alt`;
 * markup is dropped (inline HTML tokens are tags or comments only — the text between them is text tokens). Children
 * are a flat list except an image's alt text, so a stack, not recursion, walks them.
 */
function inlineText(inline: Token, alt: boolean): string {
  const parts: string[] = [];
  const stack: Token[] = [];
  // Pushed last-first, so they pop first-first.
  const push = (tokens: readonly Token[] | null) => {
    for (let i = (tokens?.length ?? 0) - 1; i >= 0; i--) stack.push(tokens![i]!);
  };
  push(inline.children);
  for (let token = stack.pop(); token !== undefined; token = stack.pop()) {
    if (token.type === 'text' || token.type === 'text_special' || token.type === 'code_inline') {
      parts.push(token.content);
    } else if (token.type === 'softbreak' || token.type === 'hardbreak') {
      parts.push('\n');
    } else if (token.type === 'image' && alt) {
      push(token.children);
    }
  }
  return parts.join('');
}

export function parseMarkdown(source: string, fileName: string): ParsedDocument {
  const tokens = md.parse(source, {});
  const blocks: string[] = [];
  const sections: Section[] = [];
  let length = 0;
  let title: string | undefined;
  /** Level of the heading being read (1–6), 0 outside headings. */
  let headingLevel = 0;
  /** Cells of the table row being read. */
  let row: string[] | undefined;
  /** Appends a block (trimmed; nothing if blank) and says where it starts in the text. */
  const emit = (text: string): number | undefined => {
    const trimmed = text.trim();
    if (!trimmed) return undefined;
    if (blocks.length > 0) length += 2; // blocks are joined by a blank line
    const start = length;
    blocks.push(trimmed);
    length += trimmed.length;
    return start;
  };
  for (const token of tokens) {
    switch (token.type) {
      case 'heading_open':
        headingLevel = Number(token.tag.slice(1));
        break;
      case 'heading_close':
        headingLevel = 0;
        break;
      case 'tr_open':
        row = [];
        break;
      case 'tr_close':
        emit(row!.filter(Boolean).join(' | '));
        row = undefined;
        break;
      case 'inline': {
        if (row) {
          row.push(inlineText(token, true).trim());
        } else if (headingLevel > 0) {
          // An image in a heading is a logo or a badge ("# tool [![Build Status](…)](…)"): its alt text would only
          // clutter the section and document titles, so it counts only for a heading that is nothing but images.
          const heading = inlineText(token, false).trim() || inlineText(token, true).trim();
          const start = emit(heading);
          if (start === undefined) break;
          sections.push({ heading, start });
          if (headingLevel === 1) title ??= heading;
        } else {
          emit(inlineText(token, true)); // a paragraph
        }
        break;
      }
      case 'code_block':
      case 'fence':
      case TOO_DEEP:
        emit(token.content);
        break;
      case 'html_block': {
        // Raw HTML: its visible text, its headings as sections, its `<h1>` (or `<title>`) as a title candidate.
        const html = parseHtml(token.content, '');
        const start = emit(html.text);
        if (start === undefined) break;
        for (const section of html.sections) sections.push({ heading: section.heading, start: start + section.start });
        if (html.title) title ??= html.title;
        break;
      }
      // Everything else opens or closes a container (list, quote, table, paragraph) or is a rule: no text of its own.
    }
  }
  return { title: title ?? fileName, text: blocks.join('\n\n'), sections, pages: [] };
}
