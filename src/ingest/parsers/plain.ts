// Plain text and source code: the text as it is; the title is the file name.
import type { ParsedDocument } from '../document';

export function parsePlain(text: string, fileName: string): ParsedDocument {
  return { title: fileName, text, sections: [], pages: [] };
}
