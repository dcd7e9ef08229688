// The passage keyer of a model: its tokenizer (transformers.js) and its card's templates, turning passages into
// corpus keys. The ingest worker, the CLI and the tests get keys only from here, so they always agree.
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { ByteLevelBpe, type ByteLevelBpeSpec } from '../../core/byte-level-bpe';
import { corpusKeys } from '../../core/corpus-keys';
import { memoTokenizer, type MemoOptions } from '../../core/memo-tokenizer';
import type { ModelCard } from '../../core/model-card';
import { keyingFingerprint, type PassageKeyer } from '../../core/passage-keyer';
import { coreTokenizer } from './tokenizer';

/**
 * Loads `modelId`'s tokenizer from wherever transformers.js is configured to read models (configureOffline) and
 * pairs it with the card's templates (`keyerOf`).
 */
export async function loadKeyer(modelId: string, card: ModelCard): Promise<PassageKeyer> {
  return keyerOf(modelId, card, await AutoTokenizer.from_pretrained(modelId));
}

/**
 * The keyer of a model whose tokenizer is already loaded (with the model: it is not loaded twice). The keyer's
 * tokenizer id is the model id, and its fingerprint hashes its keys of a probe passage: two models may share a
 * tokenizer but not templates, and keys depend on both.
 */
export function keyerOf(modelId: string, card: ModelCard, loaded: PreTrainedTokenizer): PassageKeyer {
  // Keys are made by the thousand during ingest: the tokenizer sits behind a memo of word pieces, checked exact,
  // which learns new pieces with a fast byte-level BPE where the tokenizer is one.
  const tokenizer = memoTokenizer(coreTokenizer(loaded), fastPieces(loaded));
  // Only the tokens and the title length are kept: a library holds a key per passage in memory.
  const keys: PassageKeyer['keys'] = (passages) =>
    corpusKeys(tokenizer, card.templates, passages).map(({ tokens, titleLength }) => ({ tokens, titleLength }));
  const { vocabSize, eosTokenId } = tokenizer;
  return { tokenizer: { id: modelId, vocabSize, eosTokenId, fingerprint: keyingFingerprint(keys) }, keys };
}

/** The memo's piece encoder for a loaded tokenizer, when its tokenizer.json has a shape ByteLevelBpe reproduces. */
export function fastPieces(tokenizer: PreTrainedTokenizer): MemoOptions {
  // transformers.js keeps the parsed tokenizer.json on the instance; without it, there is no fast path.
  const spec = byteLevelBpeSpec((tokenizer as unknown as { _tokenizerJSON?: unknown })._tokenizerJSON);
  if (!spec) return {};
  const bpe = new ByteLevelBpe(spec);
  return bpe.complete ? { pieceEncoder: (piece) => bpe.encode(piece) } : {};
}

/** transformers.js's ByteLevel pre-tokenizer pattern (GPT-2's), used when it splits by regex itself. */
const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `(?i:'s|'t)` → `(?:'[sS]|'[tT])`: JavaScript before ES2025 has no inline modifiers. Only literal groups. */
function withoutInlineCaseless(source: string): string | undefined {
  const out = source.replace(
    /\(\?i:([^()[\]\\]*)\)/g,
    (_, body: string) => `(?:${body.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`)})`,
  );
  return out.includes('(?i') ? undefined : out;
}

/**
 * What the fast byte-level BPE needs, read from a tokenizer.json — only for the shapes it reproduces exactly
 * (ByteLevel pre-tokenizer with its own regex, or a Split regex then ByteLevel; plain BPE; no or NFC normalizer).
 * Anything else gives undefined, and the memo asks the tokenizer for every piece.
 */
export function byteLevelBpeSpec(tokenizerJson: unknown): ByteLevelBpeSpec | undefined {
  if (!isJson(tokenizerJson)) return undefined;
  const { model, normalizer, pre_tokenizer: pre, added_tokens: added } = tokenizerJson;
  if (!isJson(model) || model['type'] !== 'BPE' || model['dropout'] || model['byte_fallback']) return undefined;
  if (model['ignore_merges'] || model['continuing_subword_prefix'] || model['end_of_word_suffix']) return undefined;
  if (normalizer !== null && normalizer !== undefined && !(isJson(normalizer) && normalizer['type'] === 'NFC')) {
    return undefined;
  }
  let pattern: RegExp | undefined;
  const byteLevel = (p: unknown, regex: boolean) =>
    isJson(p) && p['type'] === 'ByteLevel' && !p['add_prefix_space'] && (p['use_regex'] ?? true) === regex;
  if (byteLevel(pre, true)) {
    pattern = GPT2_PATTERN;
  } else if (isJson(pre) && pre['type'] === 'Sequence' && Array.isArray(pre['pretokenizers'])) {
    const [split, level, ...rest] = pre['pretokenizers'] as unknown[];
    const regex = isJson(split) && isJson(split['pattern']) ? split['pattern']['Regex'] : undefined;
    const source = typeof regex === 'string' ? withoutInlineCaseless(regex) : undefined;
    const isolated = isJson(split) && split['type'] === 'Split' && split['behavior'] === 'Isolated' && !split['invert'];
    if (source && isolated && byteLevel(level, false) && rest.length === 0) pattern = new RegExp(source, 'gu');
  }
  const vocab = model['vocab'];
  const merges = model['merges'];
  if (!pattern || !isJson(vocab) || !Array.isArray(merges)) return undefined;
  return {
    vocab: new Map(Object.entries(vocab as Record<string, number>)),
    merges: (merges as unknown[]).map((m) =>
      typeof m === 'string' ? (m.split(' ', 2) as [string, string]) : (m as [string, string]),
    ),
    pattern,
    addedTokens: Array.isArray(added) ? added.map((t) => (isJson(t) ? String(t['content']) : '')).filter(Boolean) : [],
    nfc: isJson(normalizer),
  };
}
