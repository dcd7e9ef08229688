// A folder of files a real user drops on the app, good and bad, built in memory (deterministic, no network): empty
// files, binaries renamed to .txt, a truncated PDF, latin-1 text, a 50 MB text file, pathologically deep HTML and
// JSON, duplicates, a fake .docx and an unknown type. `expect` says what a serious product does with each: ingest it,
// or refuse it with the IngestError `code` (a person reads the message; tests branch on the code).
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

export interface BadInputFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly expect: 'ok' | 'error';
  /** The IngestError code when `expect` is 'error'. */
  readonly code?: string;
  /** Text the parsed document must contain when `expect` is 'ok' (proof the content was found, not just no crash). */
  readonly contains?: string;
}

/** The same Debian-shipped PDF test/ingest.test.ts reads (.ci/run installs it). */
export const SPEC_PDF = '/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf';

export const HUGE_BYTES = 50 * 1024 * 1024;
export const DEEP_LEVELS = 10_000;

const utf8 = (text: string) => new TextEncoder().encode(text);

/** xorshift32: the same "random" bytes on every run and machine. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    // One byte in four is NUL, as in real executables and images (padding, small integers, zero runs).
    out[i] = (x & 3) === 0 ? 0 : x >>> 24;
  }
  return out;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A real, valid PNG (a 64×64 RGB gradient): what a photo renamed to .txt actually contains. */
function pngImage(): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array([...utf8(type), ...data]);
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(body, 4);
    view.setUint32(8 + data.length, crc32(body));
    return out;
  };
  const size = 64;
  const header = new Uint8Array(13);
  const headerView = new DataView(header.buffer);
  headerView.setUint32(0, size);
  headerView.setUint32(4, size);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  const raw = new Uint8Array(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3); // each scanline starts with filter type 0
    for (let x = 0; x < size; x++) raw.set([x * 4, y * 4, (x + y) * 2], row + 1 + x * 3);
  }
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', new Uint8Array(deflateSync(raw))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Plain-English prose (sentences of varied length, paragraphs numbered) of at least `bytes` bytes. */
export function hugeText(bytes: number): string {
  const sentences = [
    'The committee met on a wet Tuesday morning to review the quarterly figures for the northern depots.',
    'Nobody expected the freight volumes to recover so quickly after the bridge reopened.',
    'In the end, the decision was deferred.',
    'Maria pointed out that three of the five warehouses were already running above their rated capacity, and that the rented overflow space by the river would flood again before spring.',
    'Why pay for trucks that wait half a day at the gate?',
    'The engineers proposed a second loading bay, a new booking system and longer opening hours.',
    'Costs were estimated at four hundred thousand, give or take ten percent.',
    'Several drivers said the night shift was the only time the ring road moved at all.',
    'A pilot would start in the smallest depot, where mistakes are cheap.',
    'Minutes were circulated the same afternoon!',
  ];
  const paragraphs: string[] = [];
  let length = 0;
  for (let n = 1; length < bytes; n++) {
    // Rotate the sentences and number the paragraph so no two paragraphs (and few passages) are identical.
    const start = n % sentences.length;
    const body = [...sentences.slice(start), ...sentences.slice(0, start)].join(' ');
    const paragraph = `Meeting ${n}. ${body}\n\n`;
    paragraphs.push(paragraph);
    length += paragraph.length;
  }
  return paragraphs.join('');
}

const GUIDE_MD = `# Field guide

A short guide to the birds of the estuary.

## Waders

Curlews probe the mud with long curved bills. Redshanks are the sentinels of the marsh.

## Gulls

Herring gulls nest on the warehouse roofs.
`;

const PAGE_HTML = `<!doctype html><html><head><title>Tide tables</title><style>body{font:12px serif}</style></head>
<body><h1>Tide tables</h1><p>High water at the harbour is at 06:12 and 18:40.</p>
<script>console.log('not content')</script><h2>Spring tides</h2><p>Spring tides follow the full moon.</p></body></html>`;

const NOTES_MD = `# Notes

Buy rope, lamp oil and a new tide clock before the autumn storms.
`;

/** UTF-16LE with a byte-order mark: NUL in every other byte, and still text. */
function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out.set([0xff, 0xfe]);
  for (let i = 0; i < text.length; i++) {
    out[2 + i * 2] = text.charCodeAt(i) & 0xff;
    out[3 + i * 2] = text.charCodeAt(i) >> 8;
  }
  return out;
}

/** `{"a":[{"a":[…"deep text"…]}]}`: arrays and objects alternating, `levels` deep. */
function deepJson(levels: number, text: string): string {
  let open = '';
  let close = '';
  for (let level = 0; level < levels; level++) {
    const array = level % 2 === 1;
    open += array ? '[' : '{"a":';
    close = (array ? ']' : '}') + close;
  }
  return open + JSON.stringify(text) + close;
}

export function makeBadInputFolder(): BadInputFile[] {
  const pdf = new Uint8Array(readFileSync(SPEC_PDF));
  const notes = utf8(NOTES_MD);
  const deepText = 'The treasure is at the bottom.';
  return [
    { path: 'empty.txt', bytes: new Uint8Array(0), expect: 'error', code: 'EMPTY_DOCUMENT' },
    { path: 'blank.md', bytes: utf8(' \n\n\t \n'), expect: 'error', code: 'EMPTY_DOCUMENT' },
    { path: 'photo.txt', bytes: pngImage(), expect: 'error', code: 'BINARY_CONTENT' },
    { path: 'program.md', bytes: pseudoRandomBytes(64 * 1024, 0x5eed), expect: 'error', code: 'BINARY_CONTENT' },
    { path: 'truncated.pdf', bytes: pdf.slice(0, pdf.length >> 1), expect: 'error', code: 'PARSE_FAILED' },
    {
      path: 'latin1.txt',
      bytes: Uint8Array.from('Le café est très animé; crème brûlée à volonté.', (c) => c.charCodeAt(0)),
      expect: 'ok',
      contains: 'Le café est très animé; crème brûlée à volonté.',
    },
    {
      path: 'utf16.txt',
      bytes: utf16le('Ünïcode text saved by Notepad: naïve café.'),
      expect: 'ok',
      contains: 'Ünïcode text saved by Notepad: naïve café.',
    },
    { path: 'huge.txt', bytes: utf8(hugeText(HUGE_BYTES)), expect: 'ok', contains: 'Meeting 12345. ' },
    {
      path: 'deep.html',
      bytes: utf8(`<html><body>${'<div>'.repeat(DEEP_LEVELS)}${deepText}${'</div>'.repeat(DEEP_LEVELS)}</body></html>`),
      expect: 'ok',
      contains: deepText,
    },
    { path: 'deep.json', bytes: utf8(deepJson(DEEP_LEVELS, deepText)), expect: 'ok', contains: deepText },
    {
      path: 'deep.md',
      bytes: utf8(`${'> '.repeat(DEEP_LEVELS)}${deepText}\n`),
      expect: 'ok',
      contains: deepText,
    },
    { path: 'a/notes.md', bytes: notes, expect: 'ok', contains: 'tide clock' },
    { path: 'b/notes-copy.md', bytes: notes.slice(), expect: 'ok', contains: 'tide clock' },
    { path: 'throws.docx', bytes: pseudoRandomBytes(4096, 0xd0c), expect: 'error', code: 'PARSE_FAILED' },
    {
      path: 'unknown.xyz',
      bytes: utf8('plain words in a file type nobody knows'),
      expect: 'error',
      code: 'UNSUPPORTED_TYPE',
    },
    { path: 'guide.md', bytes: utf8(GUIDE_MD), expect: 'ok', contains: 'Redshanks are the sentinels' },
    { path: 'page.html', bytes: utf8(PAGE_HTML), expect: 'ok', contains: 'Spring tides follow the full moon.' },
    {
      path: 'birds.csv',
      bytes: utf8('name,habitat\ncurlew,mudflat\nredshank,saltmarsh\n'),
      expect: 'ok',
      contains: 'habitat: mudflat',
    },
  ];
}
