// The contract between whatever turns passages into corpus keys (the model's tokenizer and templates,
// src/engines/transformers/keyer.ts) and whoever stores or bundles those keys (the library store, the CLI, the
// Cranfield loader), and how to tell whether two keyers make the same keys. It lives in core so that ingest, store,
// engines and the CLI can all name it without importing one another.
import type { IndexKey } from './corpus-index';

/** Which tokenizer made a set of keys; a different one means the keys must be made again. */
export interface TokenizerInfo {
  /** The model's id where the keys were made (a built-in id, a folder's name, a model-cache id). */
  readonly id: string;
  readonly vocabSize: number;
  readonly eosTokenId: number;
  /** What the keyer makes of a fixed probe passage, hashed (`keyingFingerprint`): the same tokenizer and templates
   * give the same fingerprint, whatever the model is called where it runs. Absent in bundles made before it. */
  readonly fingerprint?: string;
}

/** Turns passages into their corpus keys with the active model's tokenizer and templates (many at once: faster). */
export interface PassageKeyer {
  readonly tokenizer: TokenizerInfo;
  keys(passages: readonly { readonly title: string; readonly text: string }[]): IndexKey[];
}

/** A passage that exercises what keying depends on: the title and content templates, words, numbers, punctuation,
 * case, spacing and text beyond ASCII. */
const PROBE = {
  title: 'Probe: Keying 2, “Fingerprints” & Tokenizers',
  text: 'The quick brown fox jumps over 13 lazy dogs; naïve café — déjà vu, 東京, emoji 🙂.\n  Tabs\tand  spaces!',
};

/** The keyer's fingerprint: its keys of the probe passage, hashed (FNV-1a in two lanes, 16 hex digits). */
export function keyingFingerprint(keys: PassageKeyer['keys']): string {
  const [key] = keys([PROBE]);
  let a = 0x811c9dc5;
  let b = 0x01000193;
  const mix = (value: number) => {
    a = Math.imul(a ^ value, 0x01000193) >>> 0;
    b = Math.imul(b ^ (value + 0x9e3779b9), 0x85ebca6b) >>> 0;
  };
  mix(key!.titleLength);
  for (let i = 0; i < key!.tokens.length; i++) mix(key!.tokens[i]!);
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** The name a store files keys under: the fingerprint where the keyer has one, so models that key alike share
 * keys (a base model and every model internalized from it keep its tokenizer and templates), else the model id. */
export function keyingName(tokenizer: TokenizerInfo): string {
  return tokenizer.fingerprint !== undefined ? `keys:${tokenizer.fingerprint}:${tokenizer.eosTokenId}` : tokenizer.id;
}

/** True when keys made by `made` can be searched with a model whose keyer is `model`: the same fingerprint where
 * both have one (whatever the models are called), else the same model id. */
export function sameKeying(made: TokenizerInfo, model: TokenizerInfo): boolean {
  if (made.fingerprint !== undefined && model.fingerprint !== undefined) {
    return made.fingerprint === model.fingerprint && made.eosTokenId === model.eosTokenId;
  }
  return made.id === model.id;
}
