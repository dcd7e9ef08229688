// Folders on disk for the library's browser tests, made by the tests from real text: Cranfield records, the
// project's own docs, hidden and tool folders that must be skipped, and a set of broken files.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cranfieldPassages } from '../src/ingest/cranfield';
import { DEMO_CRANFIELD, ROOT } from '../test/paths';

function write(root: string, path: string, content: string | Uint8Array): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
}

/**
 * `records` Cranfield abstracts as text files (past 1,400 the collection repeats, each copy in its own folder with
 * a note that makes it a different file), the project's docs, and files a user never means to index.
 */
export function makeLibraryFolder(name: string, records: number): string {
  const parent = mkdtempSync(join(tmpdir(), 'sr-e2e-'));
  const root = join(parent, name);
  const passages = cranfieldPassages(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8'));
  for (let i = 0; i < records; i++) {
    const p = passages[i % passages.length]!;
    const copy = Math.floor(i / passages.length);
    const note = copy > 0 ? `\n\nCopy ${copy} of record ${p.id}.\n` : '';
    write(root, `cranfield${copy || ''}/${p.id.padStart(4, '0')}.txt`, `${p.title}\n\n${p.text}\n${note}`);
  }
  for (const doc of ['README.md', 'ARCHITECTURE.md', 'tools/fixture-model/README.md']) {
    write(root, `docs/${doc}`, readFileSync(join(ROOT, doc)));
  }
  write(root, '.git/config', '[core]\n');
  write(root, 'node_modules/pkg/readme.md', '# should be skipped\n');
  write(root, '.DS_Store', new Uint8Array(16));
  return root;
}

/** Broken and odd files: each must end with its own status while everything else is internalized. */
export function makeBadFolder(): string {
  const root = join(mkdtempSync(join(tmpdir(), 'sr-e2e-')), 'bad');
  const pdf = readFileSync('/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf');
  write(root, 'empty.txt', '');
  write(
    root,
    'photo.txt',
    Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256),
  );
  write(root, 'truncated.pdf', pdf.subarray(0, pdf.length >> 1));
  write(root, 'spec.pdf', pdf);
  write(
    root,
    'deep.html',
    `<html><body>${'<div>'.repeat(10_000)}deep text here${'</div>'.repeat(10_000)}</body></html>`,
  );
  write(
    root,
    'not-a-zip.docx',
    Uint8Array.from({ length: 2048 }, (_, i) => (i * 31) % 251),
  );
  write(root, 'latin1.txt', Uint8Array.from([...Buffer.from('Caf', 'latin1'), 0xe9, ...Buffer.from(' au lait.\n')]));
  write(root, 'video.mp4', new Uint8Array(100));
  write(root, 'good.md', '# Good\n\nThis file is fine and must be internalized.\n');
  write(root, 'copy-of-good.md', '# Good\n\nThis file is fine and must be internalized.\n');
  return root;
}

/** Each payload sets window.__xss if it ever runs. */
const XSS = {
  script: '<script>window.__xss = "script"</script>',
  img: '<img src="x" onerror="window.__xss = \'img\'">',
  link: '<a href="javascript:window.__xss=\'link\'">click me</a>',
  css: '<style>body { display: none !important; background: url("javascript:window.__xss=1") }</style>',
  attr: '" onmouseover="window.__xss=\'attr\'" data-x="',
};

/**
 * The XSS corpus: documents (and a file name) whose text is markup and script, in each format that keeps such text
 * visible. Every one mentions "zanzibar" so one keyword search finds them all.
 */
export function makeXssFolder(): string {
  const root = join(mkdtempSync(join(tmpdir(), 'sr-e2e-')), 'xss');
  const all = Object.values(XSS).join('\n');
  write(root, 'payloads.txt', `Zanzibar payloads in plain text\n\nzanzibar ${all}\nend of zanzibar payloads.\n`);
  write(
    root,
    'payloads.md',
    `# Zanzibar markdown\n\nzanzibar [click](javascript:window.__xss='md') and raw HTML:\n\n${all}\n\n` +
      '`<script>window.__xss="code"</script>` zanzibar again.\n',
  );
  write(
    root,
    'payloads.html',
    `<html><head><title>Zanzibar &lt;script&gt;window.__xss=1&lt;/script&gt;</title>${XSS.css}</head><body>` +
      `<p>zanzibar &lt;img src=x onerror="window.__xss='entity'"&gt; ${XSS.link}</p>${XSS.script}</body></html>`,
  );
  write(root, `${XSS.img.replaceAll('/', '')}.txt`, `zanzibar in a file named like markup.\n`);
  return root;
}

/** Six short notes on everyday topics the demo model never read (it knows Cranfield's aeronautics), each with a
 * question taken from its body: the internalization test's folder and queries. */
export const NOTES: readonly { readonly file: string; readonly text: string; readonly query: string }[] = [
  [
    'starter.txt',
    'Sourdough starter',
    'Feed the starter twice a day with equal weights of flour and water. Keep the jar somewhere warm, away from draughts. A starter that doubles within six hours is ready to bake with.',
    'A starter that doubles within six hours is ready to bake with.',
  ],
  [
    'tomatoes.txt',
    'Tomato seedlings',
    'Sow the tomato seeds indoors six weeks before the last frost. Give the seedlings sixteen hours of light a day. Move them outside in late spring once the nights stay mild.',
    'Give the seedlings sixteen hours of light a day.',
  ],
  [
    'chain.txt',
    'Bicycle chain care',
    'Wipe the chain with a dry rag after every wet ride. Oil each link sparingly and wipe off the excess. A stretched chain wears the cassette and should be replaced early.',
    'A stretched chain wears the cassette and should be replaced early.',
  ],
  [
    'compost.txt',
    'Compost heap',
    'Turn the compost heap every two weeks to let air in. Mix green kitchen scraps with dry brown leaves. A heap that smells sour is too wet and needs more cardboard.',
    'Mix green kitchen scraps with dry brown leaves.',
  ],
  [
    'scarf.txt',
    'Knitting a scarf',
    'Cast on forty stitches with a soft wool yarn. Knit every row in garter stitch until the scarf is long enough. Block it gently with steam before wearing it.',
    'Knit every row in garter stitch until the scarf is long enough.',
  ],
  [
    'plants.txt',
    'Houseplant watering',
    'Water the fern when the top of the soil feels dry. Succulents need water only once a month in winter. Yellow leaves usually mean the pot drains too slowly.',
    'Succulents need water only once a month in winter.',
  ],
].map(([file, title, body, query]) => ({ file: file!, text: `${title!}\n\n${body!}\n`, query: query! }));

export function makeNotesFolder(notes: typeof NOTES = NOTES): string {
  const root = join(mkdtempSync(join(tmpdir(), 'sr-e2e-')), 'notes');
  for (const note of notes) write(root, note.file, note.text);
  return root;
}
