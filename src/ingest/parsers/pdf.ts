// PDF with pdfjs-dist: the text of each page in reading order, pages separated by a blank line, and where each
// page starts (for citations); title from the document's metadata, else the file name.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { IngestError, type ParsedDocument } from '../document';

let inThread: Promise<void> | undefined;

/**
 * pdfjs parses in a worker of its own unless `globalThis.pdfjsWorker` holds its worker module. We already run off
 * the page's thread (the ingest worker, or Node), so its worker code runs here: no nested worker, no worker URL.
 */
function useInThreadWorker(): Promise<void> {
  inThread ??= import('pdfjs-dist/legacy/build/pdf.worker.mjs').then((module: unknown) => {
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = module;
  });
  return inThread;
}

interface TextItem {
  readonly str: string;
  readonly hasEOL: boolean;
}

/**
 * True when a PDF lacks the `%%EOF` marker that ends every complete file (readers accept it within the last 1 KB):
 * a download or copy that stopped half-way. Only used to explain a failure — pdfjs's own message ("Invalid PDF
 * structure") does not tell a person that the file, not the app, is at fault.
 */
function looksTruncated(bytes: Uint8Array): boolean {
  const tail = new TextDecoder('latin1').decode(bytes.subarray(Math.max(0, bytes.length - 1024)));
  return !tail.includes('%%EOF');
}

export async function parsePdf(bytes: Uint8Array, fileName: string): Promise<ParsedDocument> {
  // pdfjs takes ownership of (and detaches) the buffer it is given: hand it a copy.
  await useInThreadWorker();
  const task = getDocument({ data: bytes.slice(), isEvalSupported: false, disableFontFace: true, verbosity: 0 });
  try {
    const pdf = await task.promise.catch((error: unknown) => {
      const hint = looksTruncated(bytes) ? ' — the file looks cut short (it does not end with %%EOF)' : '';
      throw new IngestError('PARSE_FAILED', `${fileName} is not a readable PDF: ${(error as Error).message}${hint}`);
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
