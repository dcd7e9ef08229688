// Prompt profiles' assessment rows: a passage shows its first words, as in training, and never more tokens than such
// words take, so one row stays inside a small model's context whatever the "words" are (URLs, code, another script);
// ordinary passages are shown exactly as before.
import { describe, expect, it } from 'vitest';
import type { Tokenizer } from '../src/core/language-model';
import { promptProfile } from '../src/core/prompt-profile';
import { TOY_CARD } from './toy-model';

/** One token per two UTF-16 units; the texts it was given, to read the rows back. */
const encoded: string[] = [];
const pairs: Tokenizer = {
  encode: (text) => {
    encoded.push(text);
    return Array.from({ length: Math.ceil(text.length / 2) }, (_, i) => text.charCodeAt(2 * i));
  },
  decode: () => '',
  eosTokenId: 0,
  vocabSize: 65536,
};

const card = TOY_CARD;

/** The text of the first passage's assessment row. */
const rowText = (query: string, passage: { title: string; text: string }) => {
  promptProfile(card, pairs).assessment(query, [passage]);
  return encoded.filter((t) => t.startsWith('Q: ')).at(-1)!;
};

describe('assessment rows', () => {
  it('show a passage’s first words, and an ordinary passage exactly so', () => {
    const text = 'the boundary layer of a cone in supersonic flow separates near its base';
    expect(rowText('cone', { title: 'Cones', text })).toBe(
      'Q: cone T: Cones C: the boundary layer of a cone in supersonic A:',
    );
  });

  it('clip words that take too many tokens, at a space, and titles alike', () => {
    // Eight "words" of 60 characters: 240 tokens where the model saw at most 8 × 4 = 32 for a passage.
    const long = Array.from({ length: 8 }, (_, i) => `https://example.org/${String(i).repeat(40)}/path/x`).join(' ');
    const shown = rowText('q', { title: 'T'.repeat(100), text: `short ${long}` });
    const [, title, passage] = /^Q: q T: (.*) C: (.*) A:$/.exec(shown)!;
    expect(title).toBe('T'.repeat(64));
    expect(passage).toBe('short');
    // One word beyond the limit is cut inside it, and never between the halves of a surrogate pair.
    const emoji = rowText('q', { title: 't', text: `a${'😀'.repeat(40)}` });
    expect(emoji).toBe(`Q: q T: t C: a${'😀'.repeat(31)} A:`);
  });
});
