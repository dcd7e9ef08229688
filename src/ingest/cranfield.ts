// Reader for the Cranfield test collection (the built-in demo corpus): documents become one passage per record
// (title = .T, passage = .W without the title it repeats), queries are numbered by position (the number the
// judgements use), judgements keep their graded codes. The fixture-model toolchain (tools/fixture-model/
// cranfield.py) produces the same passages; the model card's fingerprint lets tests prove it.
import type { BundleDocument, LibraryContent } from '../core/library-bundle';
import type { Passage } from '../core/passage';
import type { PassageKeyer } from '../core/passage-keyer';

/** Split of the query positions used by this project: train 1–100, tune 101–150, test 151–225. */
export const CRANFIELD_SPLITS = {
  train: { first: 1, last: 100 },
  tune: { first: 101, last: 150 },
  test: { first: 151, last: 225 },
} as const;
export type CranfieldSplit = keyof typeof CRANFIELD_SPLITS;

export interface CranfieldQuery {
  /** 1-based position in cran.qry (NOT its .I id). */
  readonly position: number;
  readonly text: string;
}

/** query position → document id → relevance code (1 = complete answer … 4 = minimal interest). */
export type CranfieldJudgements = ReadonlyMap<number, ReadonlyMap<number, number>>;

/** Collapse runs of whitespace: Cranfield wraps its lines at ~70 columns. */
export function normalizeWhitespace(text: string): string {
  return text.split(/\s+/).filter(Boolean).join(' ');
}

interface CranfieldRecord {
  readonly id: string;
  readonly fields: ReadonlyMap<string, string>;
}

/** Records of a Cranfield file: `.I id` starts one, `.X` lines start field X. */
export function* readRecords(source: string): Generator<CranfieldRecord> {
  let id: string | undefined;
  let fields = new Map<string, string>();
  let field: string | undefined;
  for (const line of source.split('\n')) {
    const marker = /^\.([A-Z])(?:\s+(\S+))?\s*$/.exec(line);
    if (marker) {
      const [, name, value] = marker;
      if (name === 'I') {
        if (id !== undefined) yield { id, fields };
        id = value ?? '';
        fields = new Map();
        field = undefined;
      } else {
        field = name;
      }
      continue;
    }
    if (id !== undefined && field !== undefined) fields.set(field, (fields.get(field) ?? '') + line + '\n');
  }
  if (id !== undefined) yield { id, fields };
}

/** One passage per record of cran.all.1400, the whole of document `cranfield/<id>`; the passage id is the record's
 * `.I` id. */
export function cranfieldPassages(source: string): Passage[] {
  const passages: Passage[] = [];
  for (const record of readRecords(source)) {
    const title = normalizeWhitespace(record.fields.get('T') ?? '');
    let text = normalizeWhitespace(record.fields.get('W') ?? '');
    if (title && text.startsWith(title)) text = text.slice(title.length).trimStart();
    const id = String(Number(record.id));
    passages.push({ id, documentPath: `cranfield/${id}`, title, text, start: 0, end: text.length });
  }
  return passages;
}

/** Queries of cran.qry, numbered by position. */
export function cranfieldQueries(source: string): CranfieldQuery[] {
  return [...readRecords(source)].map((record, i) => ({
    position: i + 1,
    text: normalizeWhitespace(record.fields.get('W') ?? ''),
  }));
}

/** Judgements of cranqrel; codes outside 1–4 (the -1 placeholders) are dropped. */
export function cranfieldJudgements(source: string): CranfieldJudgements {
  const out = new Map<number, Map<number, number>>();
  for (const line of source.split('\n')) {
    const [q, d, code] = line.trim().split(/\s+/).map(Number);
    if (q === undefined || d === undefined || code === undefined || !(code >= 1 && code <= 4)) continue;
    let row = out.get(q);
    if (!row) out.set(q, (row = new Map<number, number>()));
    row.set(d, code);
  }
  return out;
}

/** Query positions of a split, in order. */
export function splitPositions(split: CranfieldSplit): number[] {
  const { first, last } = CRANFIELD_SPLITS[split];
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** The collection as stored, before any model keys it: document `cranfield/<id>` holds passage `<id>`. Document
 * hashes are left empty: a record is not a file (the library's content fingerprint is the passages' ids). */
export function cranfieldStored(
  source: string,
): Omit<LibraryContent, 'tokenizer' | 'keys'> & Required<Pick<LibraryContent, 'sources'>> {
  const passages = cranfieldPassages(source);
  const ingestedAt = new Date().toISOString();
  const documents: BundleDocument[] = passages.map((p) => ({
    path: p.documentPath,
    size: new TextEncoder().encode(p.text).length,
    mtime: 0,
    hash: '',
    status: 'indexed',
    title: p.title,
    passages: 1,
    ingestedAt,
  }));
  const sources = passages.map((p) => ({ path: p.documentPath, text: p.text, sections: [], pages: [] }));
  return { documents, passages, sources };
}

/** The collection as a library keyed with `keyer` (one passage per record, exactly as the demo model was trained). */
export function cranfieldLibrary(source: string, keyer: PassageKeyer): LibraryContent {
  const stored = cranfieldStored(source);
  return { ...stored, tokenizer: keyer.tokenizer, keys: keyer.keys(stored.passages) };
}
