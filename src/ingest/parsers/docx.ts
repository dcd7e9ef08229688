// Word documents with mammoth: converted to HTML (Word's heading styles become <h1>…<h6>), then read by the HTML
// parser, so headings become sections and the first level-1 heading the title.
import mammoth from 'mammoth';
import { IngestError, type ParsedDocument } from '../document';
import { parseHtml } from './html';

export async function parseDocx(bytes: Uint8Array, fileName: string): Promise<ParsedDocument> {
  // mammoth's Node build reads a Buffer, its browser build (picked by bundlers) an ArrayBuffer.
  const input =
    typeof Buffer === 'undefined'
      ? { arrayBuffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer }
      : { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  let html: string;
  try {
    html = (await mammoth.convertToHtml(input)).value;
  } catch (error) {
    throw new IngestError('PARSE_FAILED', `${fileName} is not a readable .docx file: ${(error as Error).message}`);
  }
  return parseHtml(html, fileName);
}
