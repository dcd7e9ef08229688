// Whether a bundle's keys can be searched with a model is decided by what the keys are, not by what the model is
// called: a model from a URL or the model cache has an id of its own, and keys of the same tokenizer and templates
// must still be used as they are; keys of another tokenizer or other templates must be made again.
import { readFileSync } from 'node:fs';
import { AutoTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModelCard, type ModelCard } from '../src/core/model-card';
import { sameKeying } from '../src/core/passage-keyer';
import { keyerOf } from '../src/engines/transformers/keyer';
import { configureOffline } from '../src/engines/transformers/runtime';
import { DEMO_MODEL_ID, MODEL_ROOT } from './paths';

let card: ModelCard;
let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;

beforeAll(async () => {
  configureOffline({ modelRoot: MODEL_ROOT });
  card = parseModelCard(JSON.parse(readFileSync(`${MODEL_ROOT}${DEMO_MODEL_ID}/model-card.json`, 'utf8')));
  tokenizer = await AutoTokenizer.from_pretrained(DEMO_MODEL_ID);
});

describe('keying fingerprint', () => {
  it('is the same for the same tokenizer and templates under any model id', () => {
    const built = keyerOf(DEMO_MODEL_ID, card, tokenizer).tokenizer;
    const fromCache = keyerOf('store/example.org-models-docs', card, tokenizer).tokenizer;
    expect(built.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(fromCache.fingerprint).toBe(built.fingerprint);
    expect(sameKeying(built, fromCache)).toBe(true);
  });

  it('differs when the templates differ, though the tokenizer is the same', () => {
    const built = keyerOf(DEMO_MODEL_ID, card, tokenizer).tokenizer;
    const other = { ...card, templates: { ...card.templates, separator: '\n Content:' } };
    const otherKeys = keyerOf(DEMO_MODEL_ID, other, tokenizer).tokenizer;
    expect(otherKeys.fingerprint).not.toBe(built.fingerprint);
    expect(sameKeying(built, otherKeys)).toBe(false);
  });

  it('falls back to the model id for keys made before fingerprints', () => {
    const model = keyerOf(DEMO_MODEL_ID, card, tokenizer).tokenizer;
    const old = { id: DEMO_MODEL_ID, vocabSize: model.vocabSize, eosTokenId: model.eosTokenId };
    expect(sameKeying(old, model)).toBe(true);
    expect(sameKeying({ ...old, id: 'another-model' }, model)).toBe(false);
  });
});
