// Library entry: the pure core (keys, index, constraint, beam search, retriever, model cards) and the loaders other
// projects may build on. The app and the widget use the same modules through the workers.
export * from './core/answer';
export * from './core/beam-search';
export * from './core/bundle';
export * from './core/corpus-index';
export * from './core/corpus-keys';
export * from './core/index-format';
export type * from './core/language-model';
export { row } from './core/language-model';
export * from './core/fusion';
export * from './core/lexical-index';
export * from './core/library-bundle';
export * from './core/live-index';
export * from './core/metrics';
export * from './core/model-card';
export type { Passage } from './core/passage';
export type { PrefixIndex } from './core/prefix-index';
export * from './core/prompt-profile';
export * from './core/self-retriever';
export * from './core/trie-constraint';
export * from './ingest/cranfield';
export * from './ingest/document';
export * from './ingest/parse';
export * from './ingest/passages';
export * from './ingest/text-decode';
