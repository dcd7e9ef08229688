// Markdown, with a real CommonMark parser (mdast-util-from-markdown): the text keeps the readable content of each
// block (markup dropped), headings become sections, the first level-1 heading (else the file name) the title.
import type { Nodes, Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import type { ParsedDocument, Section } from '../document';

/** The readable text of a node: text, inline code and the values of descendants; markup is dropped. */
function plainText(node: Nodes): string {
  if (node.type === 'text' || node.type === 'inlineCode' || node.type === 'code') return node.value;
  if (node.type === 'break') return '\n';
  if ('children' in node) return node.children.map((child) => plainText(child as Nodes)).join('');
  return '';
}

export function parseMarkdown(source: string, fileName: string): ParsedDocument {
  const tree: Root = fromMarkdown(source);
  const blocks: string[] = [];
  const sections: Section[] = [];
  let length = 0;
  let title: string | undefined;
  const emit = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed) return;
    if (blocks.length > 0) length += 2; // blocks are joined by a blank line
    blocks.push(trimmed);
    length += trimmed.length;
  };
  const visit = (node: Nodes) => {
    if (node.type === 'heading') {
      const heading = plainText(node).trim();
      if (node.depth === 1 && title === undefined) title = heading;
      sections.push({ heading, start: length + (blocks.length > 0 ? 2 : 0) });
      emit(heading);
    } else if (node.type === 'paragraph' || node.type === 'code' || node.type === 'tableRow' || node.type === 'html') {
      emit(node.type === 'html' ? '' : plainText(node));
    } else if ('children' in node) {
      for (const child of node.children) visit(child);
    }
  };
  visit(tree);
  return { title: title ?? fileName, text: blocks.join('\n\n'), sections, pages: [] };
}
