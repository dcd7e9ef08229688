// The ingest path on a folder of bad input (test/bad-input-folder.ts): every bad file is refused with its own code,
// every other file is ingested with its text found, nothing overflows the stack, and a 50 MB file parses and splits
// in linear time with exact offsets.
import { describe, expect, it } from 'vitest';
import { IngestError, type ParsedDocument } from '../src/ingest/document';
import { parseFile } from '../src/ingest/parse';
import type { Passage } from '../src/core/passage';
import { splitPassages } from '../src/ingest/passages';
import { decodeText } from '../src/ingest/text-decode';
import { type BadInputFile, DEEP_LEVELS, HUGE_BYTES, makeBadInputFolder } from './bad-input-folder';

const folder = makeBadInputFolder();
const huge = folder.find((f) => f.path === 'huge.txt')!;

type Outcome = { document: ParsedDocument; passages: Passage[] } | { code: string };

async function ingest(file: Pick<BadInputFile, 'path' | 'bytes'>): Promise<Outcome> {
  try {
    const document = await parseFile(file.path, file.bytes);
    return { document, passages: splitPassages(file.path, document) };
  } catch (error) {
    // Anything but an IngestError (a RangeError from a blown stack, a parser's TypeError) is a bug: let it fail.
    if (!(error instanceof IngestError)) throw error;
    return { code: error.code };
  }
}

/**
 * Passages are exact slices of the text, in order, and only whitespace lies between them, so every non-space
 * character is in exactly one passage. Slices are compared for every `stride`-th passage (the 50 MB file has
 * ~80,000), gaps for all.
 */
function expectCovered(text: string, passages: readonly Passage[], stride = 1) {
  expect(passages.length).toBeGreaterThan(0);
  let previousEnd = 0;
  passages.forEach((p, i) => {
    if (i % stride === 0 || i === passages.length - 1) expect(p.text).toBe(text.slice(p.start, p.end));
    expect(p.start).toBeGreaterThanOrEqual(previousEnd);
    expect(p.end).toBeGreaterThan(p.start);
    expect(text.slice(previousEnd, p.start).trim()).toBe('');
    previousEnd = p.end;
  });
  expect(text.slice(previousEnd).trim()).toBe('');
}

/** Fastest of a few runs (ms): timing noise only ever adds. */
function bestOf(runs: number, run: () => void): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe('ingest on a folder of bad input', () => {
  it('holds good files, bad files of every kind, and a 50 MB file', () => {
    expect(folder.filter((f) => f.expect === 'error').length).toBeGreaterThanOrEqual(7);
    expect(folder.filter((f) => f.expect === 'ok').length).toBeGreaterThanOrEqual(10);
    expect(new Set(folder.map((f) => f.path)).size).toBe(folder.length);
    expect(huge.bytes.length).toBeGreaterThanOrEqual(HUGE_BYTES);
    // Deterministic: the same folder on every run.
    const again = makeBadInputFolder().filter((f) => f.path !== huge.path);
    expect(again).toEqual(folder.filter((f) => f.path !== huge.path));
  });

  it.each(folder.filter((f) => f !== huge).map((f) => [f.path, f] as const))('%s', async (_, file) => {
    const outcome = await ingest(file);
    if (file.expect === 'error') {
      expect(outcome).toEqual({ code: file.code });
      return;
    }
    if ('code' in outcome) throw new Error(`${file.path} was refused with ${outcome.code}`);
    expect(outcome.document.text).toContain(file.contains!);
    expectCovered(outcome.document.text, outcome.passages);
  });

  it('ingests both copies of a duplicated file (deduplication is the library’s job, not the parser’s)', async () => {
    const [a, b] = await Promise.all(
      ['a/notes.md', 'b/notes-copy.md'].map((path) => ingest(folder.find((f) => f.path === path)!)),
    );
    if (!a || !b || 'code' in a || 'code' in b) throw new Error('a duplicate was refused');
    expect(b.document).toEqual(a.document);
    expect(b.passages.map((p) => p.text)).toEqual(a.passages.map((p) => p.text));
    // Ids are per document: two files are two documents, even with the same bytes.
    expect(b.passages.map((p) => p.id)).not.toEqual(a.passages.map((p) => p.id));
  });

  it('parses and splits the 50 MB text file, covering all of it', { timeout: 120_000 }, async () => {
    const outcome = await ingest(huge);
    if ('code' in outcome) throw new Error(`huge.txt was refused with ${outcome.code}`);
    const { document, passages } = outcome;
    expect(document.text.length).toBe(huge.bytes.length); // ASCII: one character per byte
    expect(document.text).toContain(huge.contains!);
    expectCovered(document.text, passages, 97);
    for (const p of passages.filter((_, i) => i % 997 === 0)) {
      expect(p.text.split(/\s+/).length).toBeLessThanOrEqual(151);
    }
    expect(new Set(passages.map((p) => p.id)).size).toBe(passages.length);
  });
});

describe('markdown nested 10,000 deep', () => {
  // micromark took 10 s on 30 KB of nested emphasis and minutes on nested lists. markdown-it's emphasis is linear, its
  // container nesting is capped, and what lies deeper than the cap is kept as text: the bottom is still found.
  const bottom = 'The treasure is at the bottom.';
  const cases: [string, string][] = [
    ['emphasis', `${'*a '.repeat(DEEP_LEVELS)}${bottom}${' a*'.repeat(DEEP_LEVELS)}`],
    ['lists', `${'1. - '.repeat(DEEP_LEVELS / 2)}${bottom}\n`],
    ['blockquotes', `${'> '.repeat(DEEP_LEVELS)}${bottom}\n${'> '.repeat(DEEP_LEVELS)}and a second line\n`],
  ];

  it.each(cases)('%s', async (_, source) => {
    const bytes = new TextEncoder().encode(source);
    expect(bytes.length).toBeGreaterThanOrEqual(25_000);
    const started = performance.now();
    const outcome = await ingest({ path: 'deep.md', bytes });
    // Well under 2 s on a developer machine; the bound leaves room for a loaded 2-core CI runner.
    expect(performance.now() - started).toBeLessThan(5_000);
    if ('code' in outcome) throw new Error(`deep.md was refused with ${outcome.code}`);
    expect(outcome.document.text).toContain(bottom);
    expectCovered(outcome.document.text, outcome.passages);
  });
});

describe('binary content under a text extension', () => {
  const code = (path: string, bytes: Uint8Array) =>
    ingest({ path, bytes }).then((outcome) => ('code' in outcome ? outcome.code : 'ok'));
  const utf16 = (text: string, littleEndian: boolean) => {
    const out = new Uint8Array(2 + text.length * 2);
    const view = new DataView(out.buffer);
    view.setUint16(0, 0xfeff, littleEndian); // the BOM
    for (let i = 0; i < text.length; i++) view.setUint16(2 + i * 2, text.charCodeAt(i), littleEndian);
    return out;
  };

  it('reads UTF-16 with a BOM as text although half its bytes are NUL', async () => {
    const text = '# Tides\n\nHigh water at 06:12.';
    for (const littleEndian of [true, false]) {
      const bytes = utf16(text, littleEndian);
      expect(bytes.includes(0)).toBe(true);
      expect(decodeText(bytes).encoding).toBe(littleEndian ? 'utf-16le' : 'utf-16be');
      const outcome = await ingest({ path: 'tides.md', bytes });
      expect('document' in outcome && outcome.document.text).toBe('Tides\n\nHigh water at 06:12.');
    }
  });

  it('refuses control characters without NULs, and keeps tabs, page breaks and terminal colours', async () => {
    const controls = Uint8Array.from({ length: 4000 }, (_, i) => (i % 4 === 0 ? 1 + (i % 7) : 0x61 + (i % 26)));
    expect(controls.includes(0)).toBe(false);
    expect(await code('data.txt', controls)).toBe('BINARY_CONTENT');
    expect(await code('data.json', controls)).toBe('BINARY_CONTENT');
    const log = '\u001b[32mPASS\u001b[0m\tsuite one\n\fPage two\r\n\u001b[31mFAIL\u001b[0m\tsuite two\n';
    expect(await code('build.log.txt', new TextEncoder().encode(log.repeat(50)))).toBe('ok');
  });
});

describe('splitting is linear in the text', () => {
  // Each shape, at n and 8n: a linear splitter takes ~8× as long, a quadratic one 64× (the walks this replaced took
  // 30–60×). The bound leaves room for timer, GC and a busy machine's noise (best of 5 each); the slack absorbs
  // millisecond-sized runs.
  const expectLinear = (make: (n: number) => ParsedDocument, n: number, words?: number) => {
    const small = make(n);
    const large = make(8 * n);
    const split = (document: ParsedDocument) => () => void splitPassages('d', document, { words });
    const tSmall = bestOf(5, split(small));
    const tLarge = bestOf(5, split(large));
    expect(tLarge).toBeLessThan(32 * tSmall + 100);
  };
  const words = (n: number) =>
    Array.from({ length: n }, (_, i) => ['wing', 'spar', 'flutter', 'tunnel', 'aileron'][i % 5]! + (i % 89));

  it('on one 1.5 MB sentence with no full stop or line break', () => {
    expectLinear((n) => ({ title: 'T', text: words(n).join(' '), sections: [], pages: [] }), 25_000);
  });

  it('on prose', () => {
    const prose = (n: number) =>
      words(n)
        .join(' ')
        .replace(/(\S+ ){11}/g, '$&end. ');
    expectLinear((n) => ({ title: 'T', text: prose(n), sections: [], pages: [] }), 25_000);
  });

  it('on thousands of sections and pages', () => {
    const block = 'Heading line\n\nOne short body sentence here.\n\n';
    const headed = (n: number) => {
      const starts = Array.from({ length: n }, (_, i) => i * block.length);
      const sections = starts.map((start, i) => ({ heading: `H${i}`, start }));
      return { title: 'T', text: block.repeat(n), sections, pages: starts };
    };
    expectLinear(headed, 5_000, 5);
  });
});
