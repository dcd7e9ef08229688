// Answering with citations, the last step of a query: the same model that retrieved the passages reads them in a prompt
// and writes an answer that cites them as `[n]`. This module owns the decode loop (greedy, over the abstract
// LanguageModel), the streaming of text deltas, and the cleaning of citation markers, so that every engine and
// every view gets the same guarantees:
//   - the streamed deltas concatenate to exactly the final answer text;
//   - a marker that points at no source is never shown, not even for a moment while streaming;
//   - every cached sequence is released exactly once, whether the answer finishes, is aborted or is abandoned.
import { CodedError } from './errors';
import { row, type LanguageModel, type SequenceHandle } from './language-model';
import { yieldToEventLoop } from './yield';

/** A passage the answer may cite; marker `[n]` refers to `sources[n - 1]`. */
export interface AnswerSource {
  /** The caller's id for the passage (an index entry), carried through to the citations. */
  readonly entry: number;
  readonly title: string;
  readonly text: string;
}

/** A marker `[marker]` in the answer text, pointing at `sources[marker - 1]`, whose entry is `entry`. */
export interface Citation {
  readonly marker: number;
  readonly entry: number;
}

export interface Answer {
  /** The answer with invalid citation markers removed; equal to the concatenation of the streamed tokens. */
  readonly text: string;
  /** Distinct markers of `text`, in order of first appearance. */
  readonly citations: readonly Citation[];
  /** Tokens the model generated (an end-of-sequence token is not counted). */
  readonly generatedTokens: number;
  /** Forward passes run: the prefill and one per generated token that needed a next row. */
  readonly forwardPasses: number;
  readonly stopped: 'eos' | 'length' | 'stop-text';
}

export type AnswerEvent = { type: 'token'; text: string } | { type: 'done'; answer: Answer };

export interface AnswerOptions {
  /** Most tokens to generate. */
  readonly maxTokens: number;
  /** Generation stops where the text first contains one of these; the text is cut before it. */
  readonly stopTexts?: readonly string[];
  readonly signal?: AbortSignal;
}

export class AnswerError extends CodedError<'ANSWER_OPTIONS_INVALID'> {}

// A group of one or more comma-separated numbers in brackets: `[1]`, `[1, 2]`, `[ 3 ]`.
const MARKER_GROUP = /\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]/g;
// Characters after which a dropped marker's preceding space would be left dangling ("Paris [9]." → "Paris.").
const CLOSES_CLAUSE = /^$|^[\s.,;:!?)]/;

/**
 * Removes citation markers outside 1..sourceCount and normalises grouped markers (`[1, 2]` → `[1][2]`), so the
 * text only ever shows markers a reader can follow. `citations` are the distinct kept markers, in order of first
 * appearance.
 */
export function citationMarkers(text: string, sourceCount: number): { text: string; citations: { marker: number }[] } {
  // Dropping a marker can join its neighbours into a new one ("[[9]9]" → "[9]"), so clean until nothing drops.
  for (;;) {
    const pass = cleanOnce(text, sourceCount);
    if (!pass.dropped) return { text: pass.text, citations: pass.citations };
    text = pass.text;
  }
}

function cleanOnce(
  text: string,
  sourceCount: number,
): { text: string; citations: { marker: number }[]; dropped: boolean } {
  let out = '';
  let last = 0;
  let dropped = false;
  const seen = new Set<number>();
  const citations: { marker: number }[] = [];
  for (const match of text.matchAll(MARKER_GROUP)) {
    out += text.slice(last, match.index);
    last = match.index + match[0].length;
    const valid = new Set<number>();
    for (const part of match[1]!.split(',')) {
      const n = Number(part.trim());
      if (Number.isSafeInteger(n) && n >= 1 && n <= sourceCount) valid.add(n);
    }
    if (valid.size === 0) {
      dropped = true;
      // Dropping the marker must not leave "word  next" or "word ." behind.
      if (out.endsWith(' ') && CLOSES_CLAUSE.test(text.slice(last, last + 1))) out = out.slice(0, -1);
      continue;
    }
    for (const n of valid) {
      out += `[${n}]`;
      if (!seen.has(n)) {
        seen.add(n);
        citations.push({ marker: n });
      }
    }
  }
  return { text: out + text.slice(last), citations, dropped };
}

/**
 * Where the part of `text` that may still change begins. Citation markers are made of digits, commas, spaces and
 * brackets, so a trailing run of those characters that holds a `[` may still become (or stop being) a marker: it is
 * held back from its first `[`, with the whitespace before it, since whether a dropped marker takes the space before
 * it depends on what follows. Trailing whitespace and U+FFFD (the decoder's stand-in for a character whose bytes
 * have not all been generated yet) are held as well. Cutting only here means no marker can straddle a cut and no cut
 * falls next to a marker, so cleaning the text piece by piece gives exactly what cleaning it whole would.
 */
function unsettledFrom(text: string): number {
  let run = text.length;
  while (run > 0 && /[\d\s,[\]\uFFFD]/.test(text.charAt(run - 1))) run--;
  const bracket = text.indexOf('[', run);
  let i = bracket >= 0 ? bracket : text.length;
  while (i > 0 && /[\s\uFFFD]/.test(text.charAt(i - 1))) i--;
  return i;
}

/** Length of the longest proper prefix of a stop text that `text` ends with: text that may yet become a stop. */
function partialStopLength(text: string, stops: readonly string[]): number {
  let longest = 0;
  for (const stop of stops) {
    for (let k = Math.min(stop.length - 1, text.length); k > longest; k--) {
      if (text.endsWith(stop.slice(0, k))) {
        longest = k;
        break;
      }
    }
  }
  return longest;
}

function argMax(values: Float32Array): number {
  let best = 0;
  for (let v = 1; v < values.length; v++) if (values[v]! > values[best]!) best = v;
  return best;
}

/**
 * Greedy answer generation after `prompt` (a filled answer prompt: see formatSources), streamed as text deltas and
 * finished by one `done` event. Aborting `signal` throws its reason before the next forward pass; leaving the loop
 * early (break, return, throw) is allowed too: in every case each model handle is released exactly once.
 */
export async function* generateAnswer(
  lm: LanguageModel,
  prompt: readonly number[],
  sources: readonly AnswerSource[],
  options: AnswerOptions,
): AsyncGenerator<AnswerEvent> {
  const { maxTokens, signal } = options;
  if (!Number.isSafeInteger(maxTokens) || maxTokens < 0) {
    throw new AnswerError('ANSWER_OPTIONS_INVALID', `maxTokens must be a non-negative integer, got ${maxTokens}`);
  }
  const stops = (options.stopTexts ?? []).filter((s) => s.length > 0);
  const { tokenizer } = lm;
  const ids: number[] = [];
  let raw = '';
  // Text is emitted in pieces: `settled` is how much of the raw decoded text has been cleaned and emitted. The
  // answer text is by construction the concatenation of the emitted pieces.
  let settled = 0;
  let text = '';
  let forwardPasses = 0;
  let stopped: Answer['stopped'] = 'length';
  let handle: SequenceHandle | undefined;

  // Cleans raw[settled, end) into the next piece; leading whitespace of the whole answer is dropped.
  const take = (end: number): string => {
    let piece = end > settled ? citationMarkers(raw.slice(settled, end), sources.length).text : '';
    settled = Math.max(settled, end);
    if (text === '') piece = piece.trimStart();
    text += piece;
    return piece;
  };

  try {
    if (maxTokens > 0) {
      signal?.throwIfAborted();
      const first = await lm.prefill(prompt);
      forwardPasses++;
      handle = first.handles[0]!;
      let next = row(first, 0);
      for (;;) {
        const token = argMax(next);
        if (token === tokenizer.eosTokenId) {
          stopped = 'eos';
          break;
        }
        ids.push(token);
        // Decoding the whole list (not token by token) lets the tokenizer join multi-byte characters and apply
        // its own spacing rules across token boundaries.
        raw = tokenizer.decode(ids);
        let stopAt = -1;
        for (const stop of stops) {
          const at = raw.indexOf(stop);
          if (at >= 0 && (stopAt < 0 || at < stopAt)) stopAt = at;
        }
        if (stopAt >= 0) {
          raw = raw.slice(0, stopAt);
          stopped = 'stop-text';
          break;
        }
        const piece = take(unsettledFrom(raw.slice(0, raw.length - partialStopLength(raw, stops))));
        if (piece !== '') yield { type: 'token', text: piece };
        if (ids.length >= maxTokens) break;
        if (signal) await yieldToEventLoop(); // lets a cancel message in (yield.ts)
        signal?.throwIfAborted();
        const batch = await lm.extend([handle], [token]);
        forwardPasses++;
        const parent = handle;
        handle = batch.handles[0]!;
        lm.release(parent);
        next = row(batch, 0);
      }
    }
  } finally {
    if (handle !== undefined) lm.release(handle);
  }

  // What is still held back is final now: an unfinished character is dropped, trailing whitespace trimmed.
  raw = raw.replace(/\uFFFD+$/, '');
  const before = text;
  const rest = take(raw.length).trimEnd();
  text = before + rest;
  if (rest !== '') yield { type: 'token', text: rest };

  const citations = citationMarkers(text, sources.length).citations.map(({ marker }) => ({
    marker,
    entry: sources[marker - 1]!.entry,
  }));
  yield {
    type: 'done',
    answer: { text, citations, generatedTokens: ids.length, forwardPasses, stopped },
  };
}

/**
 * The `{passages}` slot of an answer prompt: `[n] title` and the passage, cut to `maxWords` words, per source, in
 * blocks separated by blank lines. Numbering from 1 matches the markers the answer is asked to cite.
 */
export function formatSources(sources: readonly AnswerSource[], maxWords: number): string {
  return sources
    .map((source, i) => {
      const words = source.text.split(/\s+/).filter((w) => w !== '');
      const passage = words.length > maxWords ? `${words.slice(0, maxWords).join(' ')}…` : words.join(' ');
      return `${`[${i + 1}] ${source.title.trim()}`.trimEnd()}\n${passage}`;
    })
    .join('\n\n');
}

/** A piece of an answer as a view shows it: plain text, or a citation marker linked to the passage it cites. */
export type AnswerSegment = { readonly text: string } | { readonly text: string; readonly entry: number };

/** Cuts an answer's text at its citation markers (`[n]` of `citations`), so a view can make each one a link to its
 * passage; markers that cite nothing stay text. Concatenating the segments' text gives `text` back. */
export function answerSegments(text: string, citations: readonly Citation[]): AnswerSegment[] {
  const byMarker = new Map(citations.map((c) => [c.marker, c.entry]));
  const segments: AnswerSegment[] = [];
  let at = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    const entry = byMarker.get(Number(match[1]));
    if (entry === undefined) continue;
    if (match.index > at) segments.push({ text: text.slice(at, match.index) });
    segments.push({ text: match[0], entry });
    at = match.index + match[0].length;
  }
  if (at < text.length) segments.push({ text: text.slice(at) });
  return segments;
}
