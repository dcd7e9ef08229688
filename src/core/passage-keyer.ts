// The contract between whatever turns passages into corpus keys (the model's tokenizer and templates,
// src/engines/transformers/keyer.ts) and whoever stores or bundles those keys (the library store, the CLI, the
// Cranfield loader). Types only: it lives in core so that ingest, store, engines and the CLI can all name it
// without importing one another.
import type { IndexKey } from './corpus-index';

/** Which tokenizer made a set of keys; a different one means the keys must be made again. */
export interface TokenizerInfo {
  readonly id: string;
  readonly vocabSize: number;
  readonly eosTokenId: number;
}

/** Turns passages into their corpus keys with the active model's tokenizer and templates (many at once: faster). */
export interface PassageKeyer {
  readonly tokenizer: TokenizerInfo;
  keys(passages: readonly { readonly title: string; readonly text: string }[]): IndexKey[];
}
