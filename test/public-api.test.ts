// The library's public API (src/index.ts, the package's "." export): exactly the intended runtime names, with the
// intended types, and none of the internals. The `expectTypeOf` assertions are checked by `npm run typecheck` (tsc
// reads test/), the name lists at run time; tools/check-pack.mjs checks the same entry from the packed tarball.
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as api from '../src/index';
import type {
  Bundle,
  CorpusKey,
  Fused,
  FusionInput,
  FusionOptions,
  IndexKey,
  IndexState,
  LanguageModel,
  LexicalHit,
  ModelCard,
  ParsedDocument,
  Passage,
  PrefixIndex,
  PromptProfile,
  RankedHit,
  RankingMetrics,
  SearchOptions,
  SearchResult,
  SplitOptions,
  Tokenizer,
} from '../src/index';

/** Every value the entry exports, sorted; a change here is a change of the package's API. */
const RUNTIME_EXPORTS = [
  'AnswerError',
  'BUNDLE_FORMAT',
  'BUNDLE_VERSION',
  'BundleError',
  'CorpusIndex',
  'DEFAULT_ANSWER',
  'DEFAULT_BEAM_SEARCH',
  'DEFAULT_PASSAGE_WORDS',
  'DEFAULT_SEARCH',
  'INDEX_FORMAT_VERSION',
  'IndexFormatError',
  'IngestError',
  'LEXICAL_FORMAT_VERSION',
  'LexicalIndex',
  'LexicalIndexError',
  'LiveIndex',
  'ModelCardError',
  'PromptProfileError',
  'RETRIEVAL_MODES',
  'RetrievalError',
  'SelfRetriever',
  'TrieConstraint',
  'answerSegments',
  'buildLibrary',
  'chatModelCard',
  'citationMarkers',
  'constrainedBeamSearch',
  'corpusKey',
  'corpusKeys',
  'fillTemplate',
  'formatSources',
  'fuse',
  'generateAnswer',
  'isSupported',
  'lexicalScores',
  'libraryBundle',
  'libraryCorpus',
  'loadIndex',
  'makeManifest',
  'meanMetrics',
  'packBundle',
  'pairedBootstrap',
  'parseFile',
  'parseManifest',
  'parseModelCard',
  'promptProfile',
  'rankedHit',
  'rankingMetrics',
  'readBundleFolder',
  'readLibraryBundle',
  'row',
  'serializeIndex',
  'splitPassages',
  'unpackBundle',
];

/** Internals the entry once re-exported, or that modules export for the app's own use: never public. */
const INTERNAL = [
  'cranfieldPassages',
  'cranfieldQueries',
  'cranfieldJudgements',
  'cranfieldLibrary',
  'cranfieldStored',
  'readRecords',
  'splitPositions',
  'normalizeWhitespace',
  'CRANFIELD_SPLITS',
  'decodeText',
  'binaryReason',
  'extensionOf',
  'contentId',
  'passageId',
  'crc32',
  'lookup',
  'LEAF',
  'percentile',
  'retrievalPrompt',
  'corpusKeyText',
];

describe('public API', () => {
  it('exports exactly the intended names', () => {
    expect(Object.keys(api).sort()).toEqual([...RUNTIME_EXPORTS].sort());
  });

  it('exports no internals', () => {
    for (const name of INTERNAL) expect(Object.hasOwn(api, name), name).toBe(false);
    expectTypeOf(api).not.toHaveProperty('cranfieldPassages');
    expectTypeOf(api).not.toHaveProperty('cranfieldLibrary');
    expectTypeOf(api).not.toHaveProperty('decodeText');
    expectTypeOf(api).not.toHaveProperty('crc32');
    expectTypeOf(api).not.toHaveProperty('percentile');
  });

  it('types parsing and passages', () => {
    expectTypeOf(api.parseFile).toEqualTypeOf<(fileName: string, bytes: Uint8Array) => Promise<ParsedDocument>>();
    expectTypeOf(api.isSupported).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(api.splitPassages).toEqualTypeOf<
      (documentPath: string, document: ParsedDocument, options?: SplitOptions) => Passage[]
    >();
    expectTypeOf<RankedHit['passage']>().toEqualTypeOf<Passage>();
    expectTypeOf(api.rankedHit).returns.toEqualTypeOf<RankedHit>();
    expectTypeOf(api.DEFAULT_PASSAGE_WORDS).toEqualTypeOf<number>();
  });

  it('types keys, indexes and the constraint', () => {
    expectTypeOf(api.corpusKeys).parameter(0).toEqualTypeOf<Tokenizer>();
    expectTypeOf(api.corpusKeys).returns.toEqualTypeOf<CorpusKey[]>();
    expectTypeOf<CorpusKey>().toExtend<IndexKey>();
    expectTypeOf<typeof api.CorpusIndex.build>().returns.toEqualTypeOf<api.CorpusIndex>();
    expectTypeOf<api.CorpusIndex>().toExtend<PrefixIndex<IndexState>>();
    expectTypeOf(api.serializeIndex).toEqualTypeOf<(index: api.CorpusIndex) => ArrayBuffer>();
    expectTypeOf(api.loadIndex).returns.toEqualTypeOf<api.CorpusIndex>();
    expectTypeOf(api.TrieConstraint).constructorParameters.toEqualTypeOf<[api.CorpusIndex]>();
    expectTypeOf<typeof api.LexicalIndex.load>().toEqualTypeOf<(bytes: Uint8Array) => api.LexicalIndex>();
    expectTypeOf<ReturnType<api.LexicalIndex['query']>>().toEqualTypeOf<LexicalHit[]>();
  });

  it('types bundles and model cards', () => {
    expectTypeOf(api.packBundle).toEqualTypeOf<(bundle: Bundle) => Uint8Array>();
    expectTypeOf(api.unpackBundle).toEqualTypeOf<(bytes: Uint8Array) => Bundle>();
    expectTypeOf(api.parseModelCard).toEqualTypeOf<(json: unknown) => ModelCard>();
    expectTypeOf(api.promptProfile).toEqualTypeOf<(card: ModelCard, tokenizer: Tokenizer) => PromptProfile>();
    expectTypeOf(new api.ModelCardError('x')).toExtend<Error>();
    expectTypeOf(new api.BundleError('BUNDLE_CORRUPT', 'x')).toExtend<Error>();
  });

  it('types search, fusion and metrics', () => {
    expectTypeOf(api.constrainedBeamSearch).parameter(0).toEqualTypeOf<LanguageModel>();
    expectTypeOf(api.fuse).toEqualTypeOf<(inputs: readonly FusionInput[], options: FusionOptions) => Fused[]>();
    expectTypeOf<api.SelfRetriever<IndexState>['search']>().toEqualTypeOf<
      (query: string, options?: Partial<SearchOptions>) => Promise<SearchResult>
    >();
    expectTypeOf(api.RETRIEVAL_MODES).items.toEqualTypeOf<SearchOptions['mode']>();
    expectTypeOf(api.rankingMetrics).returns.toEqualTypeOf<RankingMetrics>();
    expectTypeOf(api.meanMetrics).parameter(0).toEqualTypeOf<readonly RankingMetrics[]>();
  });
});
