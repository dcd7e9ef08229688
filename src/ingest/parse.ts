// Picks the parser for a file by its name and turns its bytes into a ParsedDocument. Isomorphic: the same code
// runs in the ingest worker and in Node (CLI). Unknown types are refused with a reason, never guessed at.
import { IngestError, unsupportedType, type ParsedDocument } from './document';
import { parseDocx } from './parsers/docx';
import { parseHtml } from './parsers/html';
import { parseMarkdown } from './parsers/markdown';
import { parsePdf } from './parsers/pdf';
import { parsePlain } from './parsers/plain';
import { parseCsv, parseJson } from './parsers/structured';
import { binaryReason, decodeText } from './text-decode';

type TextParser = (text: string, fileName: string) => ParsedDocument;
type BinaryParser = (bytes: Uint8Array, fileName: string) => Promise<ParsedDocument>;

const BINARY_PARSERS: Readonly<Record<string, BinaryParser>> = { pdf: parsePdf, docx: parseDocx };

const SOURCE_CODE = [
  'js',
  'mjs',
  'cjs',
  'ts',
  'tsx',
  'jsx',
  'py',
  'rb',
  'go',
  'rs',
  'java',
  'kt',
  'c',
  'h',
  'cc',
  'cpp',
  'hpp',
  'cs',
  'swift',
  'php',
  'sh',
  'bash',
  'sql',
  'css',
  'scss',
  'yaml',
  'yml',
  'toml',
  'ini',
  'xml',
  'tex',
  'rst',
  'org',
];
const PARSERS: Readonly<Record<string, TextParser>> = {
  txt: parsePlain,
  text: parsePlain,
  md: parseMarkdown,
  markdown: parseMarkdown,
  html: parseHtml,
  htm: parseHtml,
  json: parseJson,
  csv: parseCsv,
  ...Object.fromEntries(SOURCE_CODE.map((ext) => [ext, parsePlain])),
};

const baseNameOf = (fileName: string) => fileName.slice(fileName.lastIndexOf('/') + 1);

/** Lower-case extension of the file's own name ('' when it has none). */
export function extensionOf(fileName: string): string {
  const name = baseNameOf(fileName);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

const own = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/** True when `parseFile` has a parser for this name. */
export function isSupported(fileName: string): boolean {
  const ext = extensionOf(fileName);
  return own(PARSERS, ext) !== undefined || own(BINARY_PARSERS, ext) !== undefined;
}

export async function parseFile(fileName: string, bytes: Uint8Array): Promise<ParsedDocument> {
  const ext = extensionOf(fileName);
  const baseName = baseNameOf(fileName);
  const binary = own(BINARY_PARSERS, ext);
  const parser = own(PARSERS, ext);
  if (!binary && !parser) {
    throw unsupportedType(fileName);
  }
  let document: ParsedDocument;
  try {
    if (binary) {
      document = await binary(bytes, baseName);
    } else {
      const { text } = decodeText(bytes);
      // A text type that is not text is refused, not indexed: a photo renamed to .txt would otherwise become pages
      // of mojibake passages crowding real ones out of the results.
      const notText = binaryReason(text);
      if (notText) {
        throw new IngestError(
          'BINARY_CONTENT',
          `${fileName} is not a .${ext} text file: ${notText}, so it looks like binary data (an image, a program ` +
            'or an archive) saved under a text extension',
        );
      }
      document = parser!(text, baseName);
    }
  } catch (error) {
    if (error instanceof IngestError) throw error;
    throw new IngestError('PARSE_FAILED', `${fileName} could not be read: ${(error as Error).message}`);
  }
  if (!document.text.trim()) throw new IngestError('EMPTY_DOCUMENT', `${fileName} has no text to index`);
  // decodeText already gave NFC text; the parsers keep it (their offsets index it as it is).
  return { ...document, title: document.title.normalize('NFC') };
}
