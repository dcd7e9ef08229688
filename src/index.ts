// Library entry (`self-retrieval-web`): the public API, named one by one so that nothing internal leaks out by
// being exported from a module for the app's own use. What a program needs to build a searchable corpus and run
// Self-Retrieval over it: parse files into passages, turn passages into corpus keys and a prefix index (or a lexical
// index), pack and read bundles, read model cards and prompt profiles, search (constrained beam search, fusion, the
// SelfRetriever end to end, answers with citations) and measure rankings. A model is brought through the
// LanguageModel interface. Loaders for particular collections (the Cranfield reader), the storage layer and the
// engines stay internal; test/public-api.test.ts pins this list.

// Passages, documents and parsing.
export type { Passage } from './core/passage';
export type { CandidateHit, RankedHit } from './core/ranked-hit';
export { lexicalScores, rankedHit } from './core/ranked-hit';
export type { IngestErrorCode } from './core/errors';
export type { ParsedDocument, Section } from './ingest/document';
export { IngestError } from './ingest/document';
export { isSupported, parseFile } from './ingest/parse';
export type { SplitOptions } from './ingest/passages';
export { DEFAULT_PASSAGE_WORDS, splitPassages } from './ingest/passages';

// Models: the interface a model implements, its card and how it is prompted.
export type {
  ChatMessage,
  LanguageModel,
  NextTokenBatch,
  ScoreOptions,
  SequenceHandle,
  Tokenizer,
} from './core/language-model';
export { row } from './core/language-model';
export type { Dtype, ModelCapabilities, ModelCard, PromptTemplates } from './core/model-card';
export { chatModelCard, fillTemplate, ModelCardError, parseModelCard } from './core/model-card';
export type { AssessmentBatch, PromptPassage, PromptProfile } from './core/prompt-profile';
export { promptProfile, PromptProfileError } from './core/prompt-profile';

// Corpus keys and the indexes decoded against.
export type { CorpusKey } from './core/corpus-keys';
export { corpusKey, corpusKeys } from './core/corpus-keys';
export type { PrefixIndex } from './core/prefix-index';
export type { BuildOptions, IndexKey, IndexState } from './core/corpus-index';
export { CorpusIndex } from './core/corpus-index';
export type { LiveIndexOptions, LiveIndexState } from './core/live-index';
export { LiveIndex } from './core/live-index';
export { TrieConstraint } from './core/trie-constraint';
export type { IndexFormatErrorCode } from './core/index-format';
export { INDEX_FORMAT_VERSION, IndexFormatError, loadIndex, serializeIndex } from './core/index-format';
export type { LexicalDocument, LexicalHit } from './core/lexical-index';
export { LEXICAL_FORMAT_VERSION, LexicalIndex, LexicalIndexError } from './core/lexical-index';

// Bundles: a library (documents, passages, both indexes) in one file.
export type { Bundle, BundleErrorCode, BundleManifest, ShardEntry } from './core/bundle';
export {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  BundleError,
  makeManifest,
  packBundle,
  parseManifest,
  readBundleFolder,
  unpackBundle,
} from './core/bundle';
export type { BundleDocument, BundleSource, LibraryContent, LoadedLibrary } from './core/library-bundle';
export { buildLibrary, libraryBundle, libraryCorpus, readLibraryBundle } from './core/library-bundle';

// Search: constrained decoding, fusion, the retriever end to end, answers.
export type { BeamPrior, BeamSearchOptions, BeamSearchResult, Candidate } from './core/beam-search';
export { constrainedBeamSearch, DEFAULT_BEAM_SEARCH } from './core/beam-search';
export type { Fused, FusionInput, FusionOptions } from './core/fusion';
export { fuse } from './core/fusion';
export type {
  AnswerOutcome,
  AnswerRequest,
  PassageScores,
  RankedPassage,
  RetrievalMode,
  RetrievalModel,
  SearchCorpus,
  SearchEvent,
  SearchOptions,
  SearchResult,
  SearchStats,
} from './core/self-retriever';
export { DEFAULT_ANSWER, DEFAULT_SEARCH, RETRIEVAL_MODES, RetrievalError, SelfRetriever } from './core/self-retriever';
export type { Answer, AnswerEvent, AnswerOptions, AnswerSegment, AnswerSource, Citation } from './core/answer';
export { AnswerError, answerSegments, citationMarkers, formatSources, generateAnswer } from './core/answer';

// Evaluation.
export type { BootstrapResult, Qrels, RankingMetrics } from './core/metrics';
export { meanMetrics, pairedBootstrap, rankingMetrics } from './core/metrics';
