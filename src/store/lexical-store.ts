// How the library's keyword index lives in IndexedDB (the `shards` store), so that no reader holds it whole:
// - a base, built from the stored passages at some generation: a small record up front (statistics, chunk
//   directory), the postings split by term into chunks read one at a time as queries need them, and the list of the
//   entries it covers (read only by the consistency check);
// - a log record per later commit that removed passages, with their field lengths: passages added since the base
//   are the stored ones at or past its `nextEntry`, so only removals need a record.
// A reader rebuilds the same LiveLexicalIndex from these as the writer holds in memory. Only the library's
// transactions write these records (src/store/library.ts).
import { decodeChunk, encodeChunk, fieldLengths, type LexicalIndexBuilder } from '../core/lexical-chunks';
import {
  EMPTY_LEXICAL_BASE,
  LiveLexicalIndex,
  type LexicalBase,
  type LexicalRemoval,
} from '../core/live-lexical-index';
import type { LibraryDb, PassageRecord, ShardRecord } from './schema';

/** Bumped when the base record's form changes: an older one is then rebuilt, never misread. */
const BASE_VERSION = 1;
const BASE = 'lexical-base';
const ENTRIES = 'lexical-entries';
/** What the version before this one stored: MiniSearch's whole index as JSON. Deleted when a base is written. */
const LEGACY = 'lexical';
const CHUNKS = 'lexical-chunk/';
const LOGS = 'lexical-log/';

/** Fixed-width numbers, so record names sort as their numbers do. */
const pad = (n: number) => String(n).padStart(12, '0');
const chunkName = (generation: number, k: number) => `${CHUNKS}${pad(generation)}/${pad(k)}`;
const logName = (generation: number) => `${LOGS}${pad(generation)}`;

/** Every base chunk, of any generation. */
export const allChunks = () => IDBKeyRange.bound(CHUNKS, `${CHUNKS}\uffff`);

interface BaseRecordBody {
  readonly version: number;
  readonly base: LexicalBase;
}

/** The stores a reader of the keyword index reads, in one transaction. */
export interface LexicalReadStores {
  readonly shards: {
    get(name: string): Promise<ShardRecord | undefined>;
    getAll(range: IDBKeyRange): Promise<ShardRecord[]>;
  };
  readonly passagesByEntry: { getAll(range: IDBKeyRange): Promise<PassageRecord[]> };
}

/** The keyword index as the store holds it: its base (or none), then the changes since, from the log and the passages. */
export async function readLexical(db: LibraryDb, stores: LexicalReadStores): Promise<LiveLexicalIndex> {
  const record = await stores.shards.get(BASE);
  const base = record ? parseBase(record.bytes) : undefined;
  const generation = base ? record!.generation : -1;
  const index = lexicalOver(db, base ?? EMPTY_LEXICAL_BASE, generation);
  const [logs, added] = await Promise.all([
    base ? stores.shards.getAll(IDBKeyRange.bound(logName(generation + 1), `${LOGS}\uffff`)) : [],
    stores.passagesByEntry.getAll(IDBKeyRange.lowerBound(base?.nextEntry ?? 0)),
  ]);
  index.remove(logs.flatMap((log) => decodeRemovals(log.bytes)));
  index.add(added.map(({ entry, title, text }) => ({ entry, title, text })));
  return index;
}

function parseBase(bytes: Uint8Array): LexicalBase | undefined {
  try {
    const body = JSON.parse(new TextDecoder().decode(bytes)) as BaseRecordBody;
    return body.version === BASE_VERSION ? body.base : undefined;
  } catch {
    return undefined; // damaged: rebuilt by the writer like a missing one
  }
}

/** A live index over the base stored at `generation`, with no changes yet. */
export function lexicalOver(db: LibraryDb, base: LexicalBase, generation: number): LiveLexicalIndex {
  return new LiveLexicalIndex(base, async (k) => {
    const record = await db.get('shards', chunkName(generation, k));
    return record && decodeChunk(record.bytes);
  });
}

/** The base's entries (ascending), or undefined when the stored base is not the one `index` was read from. */
export async function baseEntries(db: LibraryDb, index: LiveLexicalIndex): Promise<number[] | undefined> {
  const [base, record] = await Promise.all([db.get('shards', BASE), db.get('shards', ENTRIES)]);
  if (!base || !record || record.generation !== base.generation) return index.base.nextEntry === 0 ? [] : undefined;
  const body = parseBase(base.bytes);
  if (body?.nextEntry !== index.base.nextEntry) return undefined;
  let entry = 0;
  return readVarints(record.bytes).map((gap) => (entry += gap));
}

/** What a removal takes off the statistics, from the removed passage. */
export function removalOf(passage: Pick<PassageRecord, 'entry' | 'title' | 'text'>): LexicalRemoval {
  return { entry: passage.entry, lengths: fieldLengths(passage) };
}

/** The log record of a commit at `generation` that removed passages. */
export function logRecord(generation: number, removals: readonly LexicalRemoval[]): ShardRecord {
  return {
    name: logName(generation),
    tokenizer: '',
    generation,
    bytes: writeVarints(removals.flatMap(({ entry, lengths }) => [entry, ...lengths])),
  };
}

function decodeRemovals(bytes: Uint8Array): LexicalRemoval[] {
  const numbers = readVarints(bytes);
  const width = 1 + EMPTY_LEXICAL_BASE.totals.length;
  const removals: LexicalRemoval[] = [];
  for (let i = 0; i + width <= numbers.length; i += width) {
    removals.push({ entry: numbers[i]!, lengths: numbers.slice(i + 1, i + width) });
  }
  return removals;
}

/**
 * What writing a base built from every stored passage takes: the records to put, and the key ranges to delete first
 * (every older chunk and base, the logs it folds in, the legacy record).
 */
export function baseRecords(
  builder: LexicalIndexBuilder,
  at: { readonly generation: number; readonly nextEntry: number },
): {
  readonly deletes: readonly (IDBKeyRange | string)[];
  readonly puts: readonly ShardRecord[];
  readonly base: LexicalBase;
} {
  const { generation, nextEntry } = at;
  const firstTerms: string[] = [];
  const puts: ShardRecord[] = [];
  for (const { firstTerm, chunk } of builder.chunks()) {
    puts.push({ name: chunkName(generation, firstTerms.length), tokenizer: '', generation, bytes: encodeChunk(chunk) });
    firstTerms.push(firstTerm);
  }
  const base: LexicalBase = { stats: builder.stats, totals: builder.totals, firstTerms, nextEntry };
  const body: BaseRecordBody = { version: BASE_VERSION, base };
  const entries = builder.entries;
  puts.push(
    { name: BASE, tokenizer: '', generation, bytes: new TextEncoder().encode(JSON.stringify(body)) },
    {
      name: ENTRIES,
      tokenizer: '',
      generation,
      bytes: writeVarints(Array.from(entries, (entry, i) => entry - (i > 0 ? entries[i - 1]! : 0))),
    },
  );
  return { deletes: [allChunks(), IDBKeyRange.bound(LOGS, logName(generation)), LEGACY], puts, base };
}

/** Unsigned LEB128 varints. */
function writeVarints(numbers: readonly number[]): Uint8Array {
  const out: number[] = [];
  for (let n of numbers) {
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
  }
  return Uint8Array.from(out);
}

function readVarints(bytes: Uint8Array): number[] {
  const numbers: number[] = [];
  let n = 0;
  let scale = 1;
  for (const b of bytes) {
    n += (b & 0x7f) * scale;
    scale *= 0x80;
    if (b < 0x80) {
      numbers.push(n);
      n = 0;
      scale = 1;
    }
  }
  return numbers;
}
