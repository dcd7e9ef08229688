// The answer path (the answer written from the top passages, with citations) driven by scripted models: citation markers are kept, mapped, normalised or
// dropped the same way in the stream and in the final text, every stop condition holds, and no model handle leaks
// whether the answer finishes, is aborted or is abandoned.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answerSegments,
  citationMarkers,
  formatSources,
  generateAnswer,
  type Answer,
  type AnswerOptions,
  type AnswerSource,
} from '../src/core/answer';
import type { LanguageModel, NextTokenBatch, SequenceHandle, Tokenizer } from '../src/core/language-model';
import { ToyModel } from './toy-model';

interface ScriptHandle extends SequenceHandle {
  /** Tokens generated after the prompt. */
  readonly generated: number;
}

/** A piece of text, or raw UTF-8 bytes (to split a character across tokens). */
type Piece = string | readonly number[];

const bytesOf = (piece: Piece): readonly number[] =>
  typeof piece === 'string' ? Array.from(new TextEncoder().encode(piece)) : piece;

/**
 * A model that greedily "writes" a fixed script and then end-of-sequence. Its tokenizer is byte-level: decode
 * joins the tokens' bytes and decodes them as UTF-8, so an unfinished character reads as U+FFFD, as with real BPE.
 */
class ScriptedModel implements LanguageModel {
  readonly live = new Set<ScriptHandle>();
  forwardPasses = 0;
  readonly tokenizer: Tokenizer;
  private readonly script: number[];

  constructor(pieces: readonly Piece[]) {
    const vocab: (readonly number[])[] = [[]]; // id 0 is end-of-sequence
    const ids = new Map<string, number>();
    this.script = pieces.map((piece) => {
      const bytes = bytesOf(piece);
      const key = bytes.join(',');
      let id = ids.get(key);
      if (id === undefined) {
        id = vocab.push(bytes) - 1;
        ids.set(key, id);
      }
      return id;
    });
    this.tokenizer = {
      encode: () => {
        throw new Error('not used');
      },
      decode: (tokens) => new TextDecoder().decode(Uint8Array.from(tokens.flatMap((t) => vocab[t]!))),
      eosTokenId: 0,
      vocabSize: vocab.length,
    };
  }

  private batch(parent: ScriptHandle | undefined, token: number | undefined): NextTokenBatch {
    this.forwardPasses++;
    const generated = parent === undefined ? 0 : parent.generated + 1;
    if (parent !== undefined && token !== this.script[parent.generated]) throw new Error('off-script token');
    const vocabSize = this.tokenizer.vocabSize;
    const logProbs = new Float32Array(vocabSize).fill(-20);
    logProbs[this.script[generated] ?? this.tokenizer.eosTokenId] = -0.01;
    const handle: ScriptHandle = { generated, length: 3 + generated };
    this.live.add(handle);
    return { handles: [handle], logProbs, vocabSize };
  }

  prefill(): Promise<NextTokenBatch> {
    return Promise.resolve(this.batch(undefined, undefined));
  }

  async extend(parents: readonly SequenceHandle[], tokens: readonly number[]): Promise<NextTokenBatch> {
    await Promise.resolve(); // a real forward pass yields to the event loop
    return this.batch(this.own(parents[0]!), tokens[0]);
  }

  score(): Promise<Float32Array[]> {
    return Promise.reject(new Error('not used'));
  }

  release(handle: SequenceHandle): void {
    if (!this.live.delete(this.own(handle))) throw new Error('handle released twice');
  }

  private own(handle: SequenceHandle): ScriptHandle {
    if (!this.live.has(handle as ScriptHandle)) throw new Error('unknown or released handle');
    return handle as ScriptHandle;
  }
}

const sources = (n: number): AnswerSource[] =>
  Array.from({ length: n }, (_, i) => ({ entry: 100 + i, title: `Title ${i + 1}`, text: `Passage ${i + 1}.` }));

async function run(
  lm: LanguageModel,
  sourceCount: number,
  options: AnswerOptions,
): Promise<{ tokens: string[]; answer: Answer }> {
  const tokens: string[] = [];
  let answer: Answer | undefined;
  for await (const event of generateAnswer(lm, [1, 2, 3], sources(sourceCount), options)) {
    if (event.type === 'token') tokens.push(event.text);
    else answer = event.answer;
  }
  if (answer === undefined) throw new Error('no done event');
  expect(tokens.join('')).toBe(answer.text);
  return { tokens, answer };
}

describe('citationMarkers', () => {
  it('keeps valid markers, drops invalid ones with their dangling space, and splits groups', () => {
    expect(citationMarkers('Paris [2] is big [7].', 3)).toEqual({
      text: 'Paris [2] is big.',
      citations: [{ marker: 2 }],
    });
    expect(citationMarkers('A [7] b [0] c [3][1, 2] d [1,9] e [ 2 ]', 3)).toEqual({
      text: 'A b c [3][1][2] d [1] e [2]',
      citations: [{ marker: 3 }, { marker: 1 }, { marker: 2 }],
    });
    expect(citationMarkers('x [7][8]. y [5] [1]', 2).text).toBe('x. y [1]');
    expect(citationMarkers('array[i] and [note] and [] stay', 2).text).toBe('array[i] and [note] and [] stay');
    expect(citationMarkers('a [[9]9]. b [[9]1]', 1)).toEqual({ text: 'a. b [1]', citations: [{ marker: 1 }] });
  });
});

describe('formatSources', () => {
  it('numbers the passages from 1 and cuts each to maxWords', () => {
    const text = formatSources(
      [
        { entry: 5, title: 'Wings', text: 'Lift  comes from\npressure differences over the wing.' },
        { entry: 9, title: 'Short', text: 'Two words' },
      ],
      4,
    );
    expect(text).toBe('[1] Wings\nLift comes from pressure…\n\n[2] Short\nTwo words');
  });
});

describe('generateAnswer', () => {
  it('keeps a valid marker, streams it whole and maps it to its source entry', async () => {
    const lm = new ScriptedModel(['Paris', ' is', ' the', ' capital', ' [', '2', ']', '.']);
    const { tokens, answer } = await run(lm, 3, { maxTokens: 50 });
    expect(answer.text).toBe('Paris is the capital [2].');
    expect(answer.citations).toEqual([{ marker: 2, entry: 101 }]);
    expect(tokens.some((t) => t.includes('[2]'))).toBe(true);
    for (const t of tokens) expect(t).not.toMatch(/\[\d*$|^\d*\]/);
    expect(answer.stopped).toBe('eos');
    expect(answer.generatedTokens).toBe(8);
    expect(answer.forwardPasses).toBe(9); // the prefill and one pass per token; the last one reads end-of-sequence
    expect(answer.forwardPasses).toBe(lm.forwardPasses);
    expect(lm.live.size).toBe(0);
  });

  it('drops an invalid marker from the stream and the final text', async () => {
    const lm = new ScriptedModel([
      'Lift',
      ' [',
      '7',
      ']',
      ' comes',
      ' from',
      ' wings',
      ' [',
      '1',
      ']',
      ' [',
      '7',
      ']',
      '.',
    ]);
    const { tokens, answer } = await run(lm, 2, { maxTokens: 50 });
    expect(answer.text).toBe('Lift comes from wings [1].');
    expect(tokens.join('')).not.toContain('7');
    expect(answer.citations).toEqual([{ marker: 1, entry: 100 }]);
  });

  it('normalises grouped markers to separate ones and lists distinct citations in order', async () => {
    const lm = new ScriptedModel(['Both', ' [', '3', ',', ' 1', ',', ' 9', ']', ' and', ' [', '1', '][', '2', '].']);
    const { answer } = await run(lm, 3, { maxTokens: 50 });
    expect(answer.text).toBe('Both [3][1] and [1][2].');
    expect(answer.citations).toEqual([
      { marker: 3, entry: 102 },
      { marker: 1, entry: 100 },
      { marker: 2, entry: 101 },
    ]);
  });

  it('stops after maxTokens without a pass it does not need', async () => {
    const lm = new ScriptedModel([' one', ' two', ' three', ' four', ' five']);
    const { answer } = await run(lm, 1, { maxTokens: 3 });
    expect(answer).toMatchObject({ text: 'one two three', stopped: 'length', generatedTokens: 3, forwardPasses: 3 });
    expect(lm.forwardPasses).toBe(3);
    expect(lm.live.size).toBe(0);
  });

  it('stops at a stop text, cuts the text before it and never streams part of it', async () => {
    const lm = new ScriptedModel([' Lift', ' is', ' up', '.', '\n', 'Quest', 'ion', ':', ' more']);
    const { tokens, answer } = await run(lm, 1, { maxTokens: 50, stopTexts: ['\nQuestion:'] });
    expect(answer).toMatchObject({ text: 'Lift is up.', stopped: 'stop-text', generatedTokens: 8 });
    expect(tokens.join('')).not.toContain('Quest');
    expect(lm.live.size).toBe(0);
  });

  it('holds back an unfinished UTF-8 character until its last byte arrives', async () => {
    const lm = new ScriptedModel(['caf', [0xc3], [0xa9], ' au', ' lait', [0xe2, 0x82]]);
    const { tokens, answer } = await run(lm, 1, { maxTokens: 50 });
    expect(answer.text).toBe('café au lait'); // the never-finished '€' at the end is dropped
    for (const t of tokens) expect(t).not.toContain('\uFFFD');
  });

  it('releases every handle when aborted mid-stream and throws the reason', async () => {
    const lm = new ScriptedModel([' a', ' b', ' c', ' d', ' e', ' f']);
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of generateAnswer(lm, [1], sources(1), { maxTokens: 50, signal: controller.signal })) {
          if (event.type === 'token') seen.push(event.text);
          if (seen.length === 2) controller.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
    expect(seen).toEqual(['a', ' b']);
    expect(lm.forwardPasses).toBe(2);
    expect(lm.live.size).toBe(0);
  });

  it('does not run the model when already aborted', async () => {
    const lm = new ScriptedModel([' a']);
    const controller = new AbortController();
    controller.abort();
    await expect(run(lm, 1, { maxTokens: 5, signal: controller.signal })).rejects.toThrow();
    expect(lm.forwardPasses).toBe(0);
  });

  it('releases every handle when the consumer breaks out early', async () => {
    const lm = new ScriptedModel([' a', ' b', ' c', ' d', ' e', ' f']);
    for await (const event of generateAnswer(lm, [1], sources(1), { maxTokens: 50 })) {
      if (event.type === 'token' && event.text === ' b') break;
    }
    expect(lm.forwardPasses).toBe(2);
    expect(lm.live.size).toBe(0);
  });

  it('rejects a bad maxTokens and generates nothing for 0', async () => {
    const lm = new ScriptedModel([' a']);
    await expect(run(lm, 1, { maxTokens: -1 })).rejects.toMatchObject({ code: 'ANSWER_OPTIONS_INVALID' });
    const { answer } = await run(lm, 1, { maxTokens: 0 });
    expect(answer).toMatchObject({ text: '', generatedTokens: 0, forwardPasses: 0, stopped: 'length' });
  });

  it('drives the toy model: stream equals text, pass count is the model count, no handle leaks', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const lm = new ToyModel(12, seed);
      const { answer } = await run(lm, 2, { maxTokens: 20 });
      expect(answer.forwardPasses).toBe(lm.forwardPasses);
      expect(answer.generatedTokens).toBeLessThanOrEqual(20);
      expect(lm.live.size).toBe(0);
    }
  });

  it('streams exactly the cleaned text for any script (property)', async () => {
    const pieces: Piece[] = [
      '[',
      ']',
      '][',
      '1',
      '2',
      '7',
      ',',
      ', ',
      ' ',
      ' [',
      '].',
      ' word',
      '.',
      '\n',
      'x',
      [0xc3],
      [0xa9],
    ];
    const stopTexts = ['\nQ', '].x', 'x x'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...pieces), { maxLength: 30 }),
        fc.integer({ min: 0, max: 35 }),
        fc.subarray(stopTexts),
        fc.integer({ min: 0, max: 3 }),
        async (script, maxTokens, stops, sourceCount) => {
          const lm = new ScriptedModel(script);
          const { answer } = await run(lm, sourceCount, { maxTokens, stopTexts: stops });
          // Reference: decode everything at once, cut at the first stop text, clean the whole text in one go.
          const decoder = (n: number) =>
            new TextDecoder().decode(Uint8Array.from(script.slice(0, n).flatMap((p) => bytesOf(p))));
          let raw = '';
          for (let n = 1; n <= Math.min(script.length, maxTokens); n++) {
            raw = decoder(n);
            const cuts = stops.map((s) => raw.indexOf(s)).filter((i) => i >= 0);
            if (cuts.length > 0) {
              raw = raw.slice(0, Math.min(...cuts));
              break;
            }
          }
          const expected = citationMarkers(raw.replace(/\uFFFD+$/, ''), sourceCount).text.trim();
          expect(answer.text).toBe(expected);
          expect(citationMarkers(answer.text, sourceCount).text).toBe(answer.text); // no invalid marker left
          expect(lm.live.size).toBe(0);
          expect(answer.forwardPasses).toBe(lm.forwardPasses);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('answerSegments', () => {
  it('cuts the answer at the markers it cites, and gives the text back whole', () => {
    const text = 'Lift grows with speed [1], unlike drag [2][1]; see [7].';
    const segments = answerSegments(text, [
      { marker: 1, entry: 40 },
      { marker: 2, entry: 12 },
    ]);
    expect(segments.map((s) => s.text).join('')).toBe(text);
    expect(segments.filter((s) => 'entry' in s)).toEqual([
      { text: '[1]', entry: 40 },
      { text: '[2]', entry: 12 },
      { text: '[1]', entry: 40 },
    ]);
    expect(answerSegments('no citations', [])).toEqual([{ text: 'no citations' }]);
  });
});
