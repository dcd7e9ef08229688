// A memo in front of a tokenizer, for ingest: text is cut before every " word" that follows a non-space, each piece
// is encoded once and remembered, and a passage's ids are the pieces' ids in order. Byte-level BPE tokenizers
// (GPT-2, Llama 3, Qwen, SmolLM) pre-split text with regexes under which a pre-token never spans such a seam, so
// this is exact for them — and it is checked, not assumed: the first calls and then one in every `checkEvery` are
// also encoded whole, and on any difference the memo turns itself off for good. Real text repeats its words, so
// most pieces are found in the memo and the tokenizer's own (slow) BPE runs once per distinct word.
//
// `encodeMany` also batches the pieces the memo lacks into ONE tokenizer call, joined by the end-of-sequence
// token's text: tokenizers cut their special tokens out before anything else, so each piece is encoded on its own
// and the ids split back at the separator's id (a call costs far more than the few pieces it usually carries).
// Whether the tokenizer behaves so is checked once; where it does not, pieces are encoded one by one.
import type { Tokenizer } from './language-model';

export interface MemoOptions {
  /** Calls checked against a whole encode before the memo is trusted (default 64). */
  readonly warmup?: number;
  /** After the warm-up, one call in this many is checked (default 512). */
  readonly checkEvery?: number;
  /** Distinct pieces kept; the memo starts afresh once it holds this many (default 200,000). */
  readonly capacity?: number;
  /** A faster encoder for missing pieces (src/core/byte-level-bpe.ts); undefined from it means "ask the tokenizer". */
  readonly pieceEncoder?: (piece: string) => number[] | undefined;
}

const LETTER = /\p{L}/u;
const SPACE = /\s/;

/** A letter (any script); ASCII answered without a regex (this runs once per character of every passage). */
function isLetter(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return LETTER.test(String.fromCodePoint(text.codePointAt(i)!));
}

function isSpace(c: number, text: string, i: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || (c >= 128 && SPACE.test(text[i]!));
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface MemoTokenizer extends Tokenizer {
  /** False once a check found a difference: every call then goes to the wrapped tokenizer. */
  readonly exact: boolean;
  /** `texts.map(encode)`, with the memo's missing pieces encoded together. */
  encodeMany(texts: readonly string[]): number[][];
}

/** Most pieces joined into one tokenizer call. */
const BATCH_PIECES = 4096;

/** The separator for batched pieces, when the tokenizer encodes around it as around a wall; else undefined. */
function separatorOf(tokenizer: Tokenizer): string | undefined {
  const eos = tokenizer.eosTokenId;
  const text = tokenizer.decode([eos]);
  if (!text || !sameIds(tokenizer.encode(text), [eos])) return undefined;
  const a = 'Check one.  \n';
  const b = ' two, three';
  const joined = tokenizer.encode(a + text + b);
  return sameIds(joined, [...tokenizer.encode(a), eos, ...tokenizer.encode(b)]) ? text : undefined;
}

export function memoTokenizer(tokenizer: Tokenizer, options: MemoOptions = {}): MemoTokenizer {
  const warmup = options.warmup ?? 64;
  const checkEvery = options.checkEvery ?? 512;
  const capacity = options.capacity ?? 200_000;
  let memo = new Map<string, readonly number[]>();
  let calls = 0;
  let exact = true;
  let separator: string | null | undefined = null; // null: not yet known

  /** Cuts before every space that follows a non-space and precedes a letter: where byte-level pre-tokenizers cut. */
  const piecesOf = (text: string): string[] => {
    const pieces: string[] = [];
    let start = 0;
    for (let i = 1; i + 1 < text.length; i++) {
      if (text.charCodeAt(i) !== 32 || !isLetter(text, i + 1)) continue;
      if (isSpace(text.charCodeAt(i - 1), text, i - 1)) continue;
      pieces.push(text.slice(start, i));
      start = i;
    }
    pieces.push(text.slice(start));
    return pieces;
  };

  /** Encodes pieces the memo lacks, batched when the tokenizer allows it. */
  const learn = (pieces: readonly string[]) => {
    const missing: string[] = [];
    for (const piece of pieces) {
      const ids = options.pieceEncoder?.(piece);
      if (ids) memo.set(piece, ids);
      else missing.push(piece);
    }
    if (separator === null) separator = separatorOf(tokenizer);
    const eos = tokenizer.eosTokenId;
    for (let i = 0; i < missing.length; i += BATCH_PIECES) {
      const batch = missing.slice(i, i + BATCH_PIECES);
      const parts: number[][] = [[]];
      if (separator !== undefined && batch.length > 1) {
        for (const id of tokenizer.encode(batch.join(separator))) {
          if (id === eos) parts.push([]);
          else parts[parts.length - 1]!.push(id);
        }
      }
      // One piece, or a piece holding the separator's own text (which splits wrongly): one piece at a time.
      const split = batch.length > 1 && parts.length === batch.length;
      batch.forEach((piece, k) => memo.set(piece, split ? parts[k]! : tokenizer.encode(piece)));
    }
  };

  const assemble = (pieces: readonly string[]): number[] => {
    const ids: number[] = [];
    for (const piece of pieces) for (const id of memo.get(piece)!) ids.push(id);
    return ids;
  };

  /** Checks some answers against whole encodes; on a difference the memo is off for good. */
  const checked = (text: string, ids: number[]): number[] => {
    calls++;
    if (calls > warmup && calls % checkEvery !== 0) return ids;
    const whole = tokenizer.encode(text);
    if (sameIds(ids, whole)) return ids;
    exact = false;
    memo = new Map();
    return whole;
  };

  const encodeMany = (texts: readonly string[]): number[][] => {
    if (!exact) return texts.map((t) => tokenizer.encode(t));
    // Full: start afresh before looking anything up (a call's pieces must all be in the memo it assembles from).
    if (memo.size >= capacity) memo = new Map();
    const pieces = texts.map(piecesOf);
    const missing = new Set<string>();
    for (const list of pieces) for (const piece of list) if (!memo.has(piece)) missing.add(piece);
    if (missing.size > 0) learn([...missing]);
    return texts.map((text, i) => (exact ? checked(text, assemble(pieces[i]!)) : tokenizer.encode(text)));
  };

  return {
    get exact() {
      return exact;
    },
    eosTokenId: tokenizer.eosTokenId,
    vocabSize: tokenizer.vocabSize,
    decode: (ids) => tokenizer.decode(ids),
    encode: (text) => encodeMany([text])[0]!,
    encodeMany,
  };
}
