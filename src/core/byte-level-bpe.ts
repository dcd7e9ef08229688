// A byte-level BPE encoder (GPT-2's scheme, used by Qwen, Llama 3, SmolLM and the demo model) for the tokenizer memo
// only: it learns the memo's missing pieces about ten times faster than transformers.js, whose merge loop keys pair
// ranks by JSON.stringify. It is never the reference: the memo checks its answers against the library's own encode
// (src/core/memo-tokenizer.ts) and turns itself off on any difference, and it is built only for the tokenizer shapes
// it knows (`byteLevelBpeSpec` in src/engines/transformers/keyer.ts), never guessed at for others.

export interface ByteLevelBpeSpec {
  /** Token string (in the byte-level alphabet) → id. */
  readonly vocab: ReadonlyMap<string, number>;
  /** Merges in rank order, each a pair of token strings. */
  readonly merges: readonly (readonly [string, string])[];
  /** The pre-tokenizer's split pattern (matches are pre-tokens; text between matches is one too). */
  readonly pattern: RegExp;
  /** Texts the tokenizer cuts out before anything else (its added tokens): a piece holding one is not ours. */
  readonly addedTokens: readonly string[];
  /** The tokenizer's normalizer is NFC. */
  readonly nfc: boolean;
}

/** GPT-2's bytes_to_unicode: every byte as a printable character, so BPE runs on strings. */
const BYTE_CHARS: readonly string[] = (() => {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const chars: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) chars[b] = String.fromCharCode(printable(b) ? b : 256 + extra++);
  return chars;
})();

const encoder = new TextEncoder();

export class ByteLevelBpe {
  /** Pair of symbol ids (left * PAIR + right) → rank * PAIR + merged id: one numeric lookup per pair. */
  private readonly merges = new Map<number, number>();
  /** Byte → the id of its one-character symbol (-1 when the vocabulary lacks it). */
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly words = new Map<string, readonly number[] | null>();
  private readonly pattern: RegExp;
  /** Any added token's text (one test per piece); null when there are none. */
  private readonly added: RegExp | null;
  private readonly pair: number;
  /** False when a merge names a token the vocabulary lacks: such a tokenizer is not one this encoder reproduces. */
  readonly complete: boolean;

  constructor(private readonly spec: ByteLevelBpeSpec) {
    const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.added = spec.addedTokens.length > 0 ? new RegExp(spec.addedTokens.map(escape).join('|')) : null;
    let size = 0;
    for (const id of spec.vocab.values()) size = Math.max(size, id + 1);
    this.pair = size;
    BYTE_CHARS.forEach((char, byte) => (this.byteIds[byte] = spec.vocab.get(char) ?? -1));
    let complete = this.byteIds.every((id) => id >= 0);
    spec.merges.forEach(([a, b], rank) => {
      const left = spec.vocab.get(a);
      const right = spec.vocab.get(b);
      const merged = spec.vocab.get(a + b);
      if (left === undefined || right === undefined || merged === undefined) {
        complete = false;
        return;
      }
      const key = left * size + right;
      if (!this.merges.has(key)) this.merges.set(key, rank * size + merged);
    });
    this.complete = complete;
    this.pattern = new RegExp(
      spec.pattern.source,
      spec.pattern.flags.includes('g') ? spec.pattern.flags : `${spec.pattern.flags}g`,
    );
  }

  /** Token ids of `text`, or undefined when this encoder cannot vouch for them (added-token text, unknown symbol). */
  encode(text: string): number[] | undefined {
    if (this.added?.test(text)) return undefined;
    if (this.spec.nfc) text = text.normalize('NFC');
    const ids: number[] = [];
    let last = 0;
    const pattern = this.pattern;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      if (match[0].length === 0) {
        pattern.lastIndex++;
        continue;
      }
      if (match.index > last && !this.word(text.slice(last, match.index), ids)) return undefined;
      if (!this.word(match[0], ids)) return undefined;
      last = match.index + match[0].length;
    }
    if (last < text.length && !this.word(text.slice(last), ids)) return undefined;
    return ids;
  }

  /** Appends one pre-token's ids; false when a symbol is not in the vocabulary. */
  private word(preToken: string, out: number[]): boolean {
    let ids = this.words.get(preToken);
    if (ids === undefined) {
      ids = this.merge(preToken);
      if (this.words.size > 500_000) this.words.clear();
      this.words.set(preToken, ids);
    }
    if (ids === null) return false;
    for (const id of ids) out.push(id);
    return true;
  }

  /** GPT-2's merge loop: merge the best-ranked adjacent pair (all its occurrences, left to right) until none is left. */
  private merge(preToken: string): readonly number[] | null {
    const bytes = encoder.encode(preToken);
    let symbols: number[] = [];
    for (const byte of bytes) {
      const id = this.byteIds[byte]!;
      if (id < 0) return null;
      symbols.push(id);
    }
    const size = this.pair;
    while (symbols.length > 1) {
      let best = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const found = this.merges.get(symbols[i]! * size + symbols[i + 1]!);
        if (found !== undefined && found < best) best = found;
      }
      if (best === Infinity) break;
      // Ranks are distinct, so `best` names one pair (and its merged id); merge every occurrence, left to right.
      const merged = best % size;
      const merging: number[] = [];
      for (let i = 0; i < symbols.length;) {
        if (i + 1 < symbols.length && this.merges.get(symbols[i]! * size + symbols[i + 1]!) === best) {
          merging.push(merged);
          i += 2;
        } else {
          merging.push(symbols[i++]!);
        }
      }
      symbols = merging;
    }
    return symbols;
  }
}
