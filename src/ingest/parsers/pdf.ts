// PDF with pdfjs-dist: the text of each page in reading order, pages separated by a blank line, and where each
// page starts (for citations); title from the document's metadata, else the file name.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { IngestError, type ParsedDocument } from '../document';

interface TextItem {
  readonly str: string;
  readonly hasEOL: boolean;
}

export async function parsePdf(bytes: Uint8Array, fileName: string): Promise<ParsedDocument> {
  // pdfjs takes ownership of (and detaches) the buffer it is given: hand it a copy.
  const task = getDocument({ data: bytes.slice(), isEvalSupported: false, disableFontFace: true, verbosity: 0 });
  try {
    const pdf = await task.promise.catch((error: unknown) => {
      throw new IngestError('PARSE_FAILED', `${fileName} is not a readable PDF: ${(error as Error).message}`);
    });
    const pages: number[] = [];
    let text = '';
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      const pageText = (content.items as TextItem[])
        .map((item) => item.str + (item.hasEOL ? '\n' : ''))
        .join('')
        .replace(/[ \t]+\n/g, '\n')
        .trim()
        .normalize('NFC');
      if (text) text += '\n\n';
      pages.push(text.length);
      text += pageText;
      page.cleanup();
    }
    const { info } = (await pdf.getMetadata()) as { info?: { Title?: unknown } };
    const title = typeof info?.Title === 'string' && info.Title.trim() ? info.Title.trim() : fileName;
    return { title, text, sections: [], pages };
  } finally {
    await task.destroy();
  }
}
