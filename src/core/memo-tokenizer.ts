// A memo in front of a tokenizer, for ingest: text is cut before every " word" that follows a non-space, each piece
// is encoded once and remembered, and a passage's ids are the pieces' ids in order. Byte-level BPE tokenizers
// (GPT-2, Llama 3, Qwen, SmolLM) pre-split text with regexes under which a pre-token never spans such a seam, so
// this is exact for them — and it is checked, not assumed: the first calls and then one in every `checkEvery` are
// also encoded whole, and on any difference the memo turns itself off for good. Real text repeats its words, so
// most pieces are found in the memo and the tokenizer's own (slow) BPE runs once per distinct word.
import type { Tokenizer } from './language-model';

export interface MemoOptions {
  /** Calls checked against a whole encode before the memo is trusted (default 64). */
  readonly warmup?: number;
  /** After the warm-up, one call in this many is checked (default 512). */
  readonly checkEvery?: number;
  /** Distinct pieces kept; the memo starts afresh beyond this (default 200,000). */
  readonly capacity?: number;
}

/** A space followed by a letter, after a non-space: where byte-level pre-tokenizers always cut. */
const SEAM = /(?<=\S) (?=\p{L})/gu;

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface MemoTokenizer extends Tokenizer {
  /** False once a check found a difference: every call then goes to the wrapped tokenizer. */
  readonly exact: boolean;
}

export function memoTokenizer(tokenizer: Tokenizer, options: MemoOptions = {}): MemoTokenizer {
  const warmup = options.warmup ?? 64;
  const checkEvery = options.checkEvery ?? 512;
  const capacity = options.capacity ?? 200_000;
  let memo = new Map<string, readonly number[]>();
  let calls = 0;
  let exact = true;

  const piecewise = (text: string): number[] => {
    const ids: number[] = [];
    let start = 0;
    const add = (piece: string) => {
      let pieceIds = memo.get(piece);
      if (!pieceIds) {
        if (memo.size >= capacity) memo = new Map();
        pieceIds = tokenizer.encode(piece);
        memo.set(piece, pieceIds);
      }
      for (const id of pieceIds) ids.push(id);
    };
    for (const match of text.matchAll(SEAM)) {
      add(text.slice(start, match.index));
      start = match.index;
    }
    add(text.slice(start));
    return ids;
  };

  return {
    get exact() {
      return exact;
    },
    eosTokenId: tokenizer.eosTokenId,
    vocabSize: tokenizer.vocabSize,
    decode: (ids) => tokenizer.decode(ids),
    encode(text) {
      if (!exact) return tokenizer.encode(text);
      calls++;
      const ids = piecewise(text);
      if (calls <= warmup || calls % checkEvery === 0) {
        const whole = tokenizer.encode(text);
        if (!sameIds(ids, whole)) {
          exact = false;
          memo = new Map();
          return whole;
        }
      }
      return ids;
    },
  };
}
