// The demo model, loaded with transformers.js's Node backend: its files are what the toolchain promised, its
// tokenizer is the one it was trained with and round-trips the corpus exactly, and it has learned the corpus.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusKeyText, fillTemplate, parseModelCard, retrievalPrompt, type ModelCard } from '../src/core/model-card';
import {
  configureOffline,
  continuationLogProbs,
  decode,
  encode,
  greedyContinuation,
  loadCausalLM,
  type CausalLM,
} from '../src/engines/transformers/runtime';
import {
  cranfieldJudgements,
  cranfieldPassages,
  cranfieldQueries,
  readRecords,
  splitPositions,
} from '../src/ingest/cranfield';
import { DEMO_CRANFIELD, DEMO_MODEL_ID, MODEL_ROOT } from './paths';

/** Share of training queries whose greedy continuation must start with a relevant title (measured: see card). */
const MIN_TRAIN_TITLE_SHARE = 0.5;
/** Self-assessment on training queries: how often a relevant passage gets a lower P(reject) than a non-relevant
 * one that shares the most words with the query (0.5 = no signal; measured: see card). */
const MIN_TRAIN_ASSESSMENT_AUC = 0.58;

const modelDir = `${MODEL_ROOT}${DEMO_MODEL_ID}`;
const read = (name: string) => readFileSync(`${DEMO_CRANFIELD}/${name}`, 'utf8');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('fixture model cranfield-tiny (Node, transformers.js)', () => {
  const passages = cranfieldPassages(read('cran.all.1400'));
  let card: ModelCard;
  let lm: CausalLM;

  beforeAll(async () => {
    card = parseModelCard(JSON.parse(readFileSync(`${modelDir}/model-card.json`, 'utf8')));
    configureOffline({ modelRoot: MODEL_ROOT });
    lm = await loadCausalLM(DEMO_MODEL_ID, 'cpu', 'fp32');
  });

  it('ships the transformers.js layout in at most 10 MB, and says it cannot answer', () => {
    const files = [
      'onnx/model.onnx',
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'generation_config.json',
    ];
    const total = files.reduce((sum, f) => sum + statSync(`${modelDir}/${f}`).size, 0);
    expect(total).toBeLessThanOrEqual(10 * 1024 * 1024);
    expect(card.capabilities.answers).toBe(false);
    expect(card.promptProfile).toBe('self-retrieval');
  });

  it('was trained on exactly the passages the project loader produces', () => {
    const lines = passages.map((p) => `${p.id}\t${p.title}\t${p.text}\n`).join('');
    expect(card.corpus?.passages).toBe(passages.length);
    expect(sha256(lines)).toBe(card.corpus?.passageSha256);
  });

  it('tokenizes corpus keys exactly as its training did', () => {
    const ids = passages.map((p) => encode(lm, corpusKeyText(card.templates, p.title, p.text)));
    expect(sha256(JSON.stringify(ids))).toBe(card.corpus?.keyTokenSha256);
  });

  it('round-trips every Cranfield document exactly through its tokenizer', () => {
    const source = read('cran.all.1400');
    const records = source.split(/(?=^\.I )/m);
    expect(records).toHaveLength(1400);
    for (const text of [...records, ...[...readRecords(source)].map((r) => r.fields.get('W') ?? '')]) {
      expect(decode(lm, encode(lm, text))).toBe(text);
    }
  });

  it(`continues training queries with a relevant title for at least ${MIN_TRAIN_TITLE_SHARE * 100}% of them`, async () => {
    const queries = cranfieldQueries(read('cran.qry'));
    const qrels = cranfieldJudgements(read('cranqrel'));
    const titleOf = new Map(passages.map((p) => [Number(p.id), p.title]));
    let hits = 0;
    const positions = splitPositions('train');
    for (const position of positions) {
      const prompt = retrievalPrompt(card, queries[position - 1]!.text);
      const text = await greedyContinuation(lm, encode(lm, prompt), 48, (t) => t.includes('\n'));
      const title = text.split('\n')[0]!.trim();
      const relevant = [...(qrels.get(position)?.keys() ?? [])].map((d) => titleOf.get(d));
      if (relevant.includes(title)) hits++;
    }
    const share = hits / positions.length;
    console.info(`greedy relevant-title share on training queries: ${share}`);
    expect(share).toBeGreaterThanOrEqual(MIN_TRAIN_TITLE_SHARE);
  });

  it(`separates relevant from hard non-relevant passages on training queries (AUC ≥ ${MIN_TRAIN_ASSESSMENT_AUC})`, async () => {
    const queries = cranfieldQueries(read('cran.qry'));
    const qrels = cranfieldJudgements(read('cranqrel'));
    const words = (text: string) => new Set(text.match(/[a-z0-9]+/g) ?? []);
    const bags = passages.map((p) => words(`${p.title} ${p.text}`));
    const reject = encode(lm, card.templates.reject);
    const pReject = async (query: string, p: (typeof passages)[number]) => {
      const passage = p.text.split(' ').slice(0, card.assessmentPassageWords).join(' ');
      const prompt = fillTemplate(card.templates.assessment, { query, title: p.title, passage });
      const logProbs = await continuationLogProbs(lm, encode(lm, prompt), reject);
      return Math.exp(logProbs.reduce((a, b) => a + b, 0) / logProbs.length); // exp(-mean NLL), the paper's P(reject)
    };
    const relevant: number[] = [];
    const hard: number[] = [];
    for (const position of splitPositions('train')) {
      const query = queries[position - 1]!.text;
      const judged = qrels.get(position) ?? new Map<number, number>();
      const q = words(query);
      const overlap = bags.map((bag) => [...bag].filter((w) => q.has(w)).length);
      const negatives = passages
        .map((_, i) => i)
        .filter((i) => !judged.has(Number(passages[i]!.id)))
        .sort((a, b) => overlap[b]! - overlap[a]! || a - b)
        .slice(0, 3);
      const byId = (doc: number) => passages.find((p) => Number(p.id) === doc)!;
      for (const [doc] of [...judged].filter(([, code]) => code <= 3).slice(0, 3)) {
        relevant.push(await pReject(query, byId(doc)));
      }
      for (const i of negatives) hard.push(await pReject(query, passages[i]!));
    }
    let wins = 0;
    for (const r of relevant) for (const h of hard) wins += r < h ? 1 : r === h ? 0.5 : 0;
    const auc = wins / (relevant.length * hard.length);
    console.info(`self-assessment AUC on training queries: ${auc.toFixed(3)}`);
    expect(auc).toBeGreaterThanOrEqual(MIN_TRAIN_ASSESSMENT_AUC);
  });
});
