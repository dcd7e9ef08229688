// Parsers and the passage splitter on real files nobody here wrote (node_modules markdown, HTML, CSV, JSON) and on
// the project's own docs: no text lost, offsets exact, sections and titles found, ids stable, bad input refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFiles } from '../src/cli/corpora';
import type { IngestError } from '../src/ingest/document';
import { type ParsedDocument } from '../src/ingest/document';
import { isSupported, parseFile } from '../src/ingest/parse';
import { splitPassages } from '../src/ingest/passages';
import { decodeText } from '../src/ingest/text-decode';
import { ROOT } from './paths';

const read = (path: string) => new Uint8Array(readFileSync(path));
const markdownFiles = findFiles(`${ROOT}node_modules`, ['.md']).slice(0, 120);
const htmlFiles = findFiles(`${ROOT}node_modules`, ['.html']);
const realFiles = [
  `${ROOT}README.md`,
  `${ROOT}ARCHITECTURE.md`,
  `${ROOT}node_modules/papaparse/tests/sample.csv`,
  `${ROOT}node_modules/typescript/package.json`,
  `${ROOT}src/core/corpus-index.ts`,
  ...markdownFiles,
  ...htmlFiles,
];

/** Every non-space character of the document text lies in exactly one passage, which is its exact slice. */
function expectCovered(document: ParsedDocument, passages: ReturnType<typeof splitPassages>) {
  let covered = 0;
  let previousEnd = 0;
  for (const p of passages) {
    expect(p.text).toBe(document.text.slice(p.start, p.end));
    expect(p.start).toBeGreaterThanOrEqual(previousEnd);
    previousEnd = p.end;
    covered += p.text.replace(/\s/g, '').length;
  }
  expect(covered).toBe(document.text.replace(/\s/g, '').length);
}

describe('ingest on real files', () => {
  it(`parses and splits ${realFiles.length} files without losing text`, async () => {
    expect(markdownFiles.length).toBeGreaterThan(50);
    expect(htmlFiles.length).toBeGreaterThan(0);
    let skipped = 0;
    for (const path of realFiles) {
      let document: ParsedDocument;
      try {
        document = await parseFile(path, read(path));
      } catch (error) {
        // An app shell that is all script has nothing to index: refused with its reason, not indexed as noise.
        expect([path.endsWith('.html'), (error as IngestError).code]).toEqual([true, 'EMPTY_DOCUMENT']);
        skipped++;
        continue;
      }
      const passages = splitPassages(path, document, { words: 100 });
      expect(passages.length).toBeGreaterThan(0);
      expectCovered(document, passages);
      for (const p of passages) expect(p.text.split(/\s+/).length).toBeLessThanOrEqual(150 + 1);
      expect(new Set(passages.map((p) => p.id)).size).toBe(passages.length);
      // Same bytes → same passages and ids: re-ingesting an unchanged file is a no-op.
      expect(splitPassages(path, await parseFile(path, read(path)), { words: 100 })).toEqual(passages);
    }
    expect(skipped).toBeLessThan(htmlFiles.length);
  });

  it('turns markdown headings into the title and section titles, without markup', async () => {
    const document = await parseFile('ARCHITECTURE.md', read(`${ROOT}ARCHITECTURE.md`));
    expect(document.title).toBe('Architecture');
    expect(document.sections.map((s) => s.heading)).toContain('Workers — workers/');
    expect(document.text).not.toMatch(/^#/m);
    const passages = splitPassages('ARCHITECTURE.md', document);
    const workers = passages.find((p) => p.section === 'Workers — workers/')!;
    expect(workers.title).toBe('Architecture › Workers — workers/');
    expect(workers.text).toContain('engine-session.ts');
  });

  it('drops scripts and styles from HTML and takes the <title>', async () => {
    const html =
      '<html><head><title>Wing  loads</title><style>p{color:red}</style></head><body><h1>Lift</h1>' +
      '<p>Lift &amp; drag.</p><script>alert(1)</script><h2>Stall</h2><p>At high angles.</p></body></html>';
    const document = await parseFile('page.html', new TextEncoder().encode(html));
    expect(document.title).toBe('Wing loads');
    expect(document.text).toBe('Lift\n\nLift & drag.\n\nStall\n\nAt high angles.');
    expect(document.sections).toEqual([
      { heading: 'Lift', start: 0 },
      { heading: 'Stall', start: document.text.indexOf('Stall') },
    ]);
  });

  it('labels CSV cells with their columns and JSON strings with their paths', async () => {
    const csv = await parseFile('sample.csv', read(`${ROOT}node_modules/papaparse/tests/sample-header.csv`));
    expect(csv.text.split('\n\n')[0]).toMatch(/^\S.*: /);
    const json = await parseFile(
      'x.json',
      new TextEncoder().encode('{"title":"Doc","items":[{"name":"wing root"},3]}'),
    );
    expect(json.title).toBe('Doc');
    expect(json.text).toBe('title: Doc\nitems[0].name: wing root');
  });

  it('refuses unknown types, broken files and empty files with codes', async () => {
    const code = (promise: Promise<unknown>) =>
      promise.then(
        () => 'no error',
        (error: IngestError) => error.code,
      );
    expect(['notes/a.MD', 'scan.pdf', 'image.png', 'x.constructor'].map((name) => isSupported(name))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(await code(parseFile('image.png', new Uint8Array([1, 2])))).toBe('UNSUPPORTED_TYPE');
    expect(await code(parseFile('odd.constructor', new Uint8Array([1, 2])))).toBe('UNSUPPORTED_TYPE');
    expect(await code(parseFile('v1.2/README', new Uint8Array([1, 2])))).toBe('UNSUPPORTED_TYPE');
    expect(await code(parseFile('bad.json', new TextEncoder().encode('{"a":')))).toBe('PARSE_FAILED');
    expect(await code(parseFile('bad.pdf', new TextEncoder().encode('%PDF-1.4 garbage')))).toBe('PARSE_FAILED');
    expect(await code(parseFile('bad.docx', new TextEncoder().encode('not a zip')))).toBe('PARSE_FAILED');
    expect(await code(parseFile('empty.txt', new Uint8Array(0)))).toBe('EMPTY_DOCUMENT');
  });
});

describe('decodeText', () => {
  const word = 'naïve café — 東京';
  it('reads UTF-8, UTF-8 with BOM, UTF-16 LE/BE with BOM, and falls back to latin-1', () => {
    const utf8 = new TextEncoder().encode(word);
    expect(decodeText(utf8)).toEqual({ text: word, encoding: 'utf-8' });
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8])).text).toBe(word);
    const le = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Uint16Array.from(word, (c) => c.charCodeAt(0)).buffer)]);
    expect(decodeText(le)).toEqual({ text: word, encoding: 'utf-16le' });
    const be = new Uint8Array([
      0xfe,
      0xff,
      ...[...word].flatMap((c) => [c.charCodeAt(0) >> 8, c.charCodeAt(0) & 0xff]),
    ]);
    expect(decodeText(be)).toEqual({ text: word, encoding: 'utf-16be' });
    expect(decodeText(new Uint8Array([0x63, 0x61, 0x66, 0xe9]))).toEqual({ text: 'café', encoding: 'latin1' });
  });
  it('normalises to NFC', () => {
    expect(decodeText(new TextEncoder().encode('cafe\u0301')).text).toBe('café');
  });
});

describe('splitPassages', () => {
  it('cuts at sentence ends near the target and counts CJK characters', () => {
    const sentence = 'The wing stalls at a high angle of attack. ';
    const document = { title: 'T', text: sentence.repeat(40), sections: [], pages: [] };
    const passages = splitPassages('d', document, { words: 20 });
    for (const p of passages) {
      expect(p.text.endsWith('.')).toBe(true);
      expect(p.text.split(' ').length).toBeLessThanOrEqual(30);
    }
    expect(passages.length).toBeGreaterThanOrEqual(13);
    const cjk = { title: 'T', text: '東京は日本の首都です。'.repeat(30), sections: [], pages: [] };
    expect(splitPassages('c', cjk, { words: 20 }).length).toBeGreaterThan(3);
  });
  it('keeps PDF pages', () => {
    const document = { title: 'T', text: 'one. two.\n\nthree. four.', sections: [], pages: [0, 11] };
    const passages = splitPassages('d', document, { words: 1 });
    expect(passages.map((p) => p.page)).toEqual([1, 1, 2, 2]);
  });
});

describe('PDF and Word files', () => {
  // A real PDF shipped by a Debian package (.ci/run installs it).
  const PDF = '/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf';

  it('reads a real PDF page by page, keeping page numbers for citations', async () => {
    const document = await parseFile(PDF, read(PDF));
    expect(document.pages.length).toBeGreaterThan(5);
    expect(document.pages[0]).toBe(0);
    expect(document.text).toMatch(/MIME/);
    const passages = splitPassages(PDF, document);
    expectCovered(document, passages);
    expect(passages.at(-1)!.page).toBe(document.pages.length);
    const onPage3 = passages.find((p) => p.page === 3)!;
    expect(onPage3.start).toBeGreaterThanOrEqual(document.pages[2]!);
  });

  it('reads a .docx written by python-docx, with its headings as title and sections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srw-docx-'));
    const path = join(dir, 'report.docx');
    const script = [
      'import sys, docx',
      'd = docx.Document()',
      "d.add_heading('Wing flutter', 1)",
      "d.add_paragraph('Flutter is a dynamic instability of an elastic structure in a fluid flow.')",
      "d.add_heading('Testing', 2)",
      "d.add_paragraph('Wind-tunnel models are built to similarity laws.')",
      'd.save(sys.argv[1])',
    ].join('\n');
    execFileSync('/usr/bin/python3', ['-c', script, path]);
    const document = await parseFile(path, read(path));
    expect(document.title).toBe('Wing flutter');
    expect(document.sections.map((s) => s.heading)).toEqual(['Wing flutter', 'Testing']);
    expect(document.text).toContain('Wind-tunnel models are built to similarity laws.');
    expect(splitPassages(path, document).map((p) => p.title)).toContain('Wing flutter › Testing');
  });
});
