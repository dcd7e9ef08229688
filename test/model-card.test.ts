// Model-card parsing: the pipeline trusts templates only after this validation.
import { describe, expect, it } from 'vitest';
import { corpusKeyText, fillTemplate, parseModelCard, retrievalPrompt } from '../src/core/model-card';

const valid = {
  id: 'm',
  name: 'M',
  parameters: 10,
  dtype: 'fp32',
  promptProfile: 'self-retrieval',
  assessmentPassageWords: 32,
  templates: {
    retrieval: 'Question: {query}\n\n Related document title:',
    title: ' {title}',
    separator: '\n Related document content:',
    content: ' {passage}',
    assessment: 'Q: {query} T: {title} P: {passage} A:',
    accept: ' yes',
    reject: ' cannot extract answer',
  },
  capabilities: { answers: false, selfAssessment: true, corpusTrained: true },
};

describe('parseModelCard', () => {
  it('accepts a valid card and fills its templates', () => {
    const card = parseModelCard(valid);
    expect(retrievalPrompt(card, 'lift')).toBe('Question: lift\n\n Related document title:');
    expect(corpusKeyText(card.templates, 'Wings', 'An abstract.')).toBe(
      ' Wings\n Related document content: An abstract.',
    );
    expect(card.corpus).toBeUndefined();
  });

  it.each([
    ['not an object', []],
    ['a missing template', { ...valid, templates: { ...valid.templates, reject: undefined } }],
    ['a bad capability', { ...valid, capabilities: { ...valid.capabilities, answers: 'no' } }],
    ['an unknown prompt profile', { ...valid, promptProfile: 'other' }],
    ['an unknown weight format', { ...valid, dtypes: ['fp32', 'int3'] }],
    ['a non-string answer template', { ...valid, templates: { ...valid.templates, answer: 3 } }],
  ])('rejects %s with code INVALID_MODEL_CARD', (_, json) => {
    expect(() => parseModelCard(json)).toThrow(expect.objectContaining({ code: 'INVALID_MODEL_CARD' }) as Error);
  });

  it('reads the optional weight formats and answer/response templates', () => {
    const card = parseModelCard({
      ...valid,
      dtypes: ['q4f16', 'q4', 'fp32'],
      templates: { ...valid.templates, answer: '{passages} Q: {query} A:', response: 'Title:' },
    });
    expect(card.dtypes).toEqual(['q4f16', 'q4', 'fp32']);
    expect(card.templates.answer).toBe('{passages} Q: {query} A:');
    expect(card.templates.response).toBe('Title:');
    expect(parseModelCard(valid).dtypes).toBeUndefined();
  });

  it('refuses a template slot without a value', () => {
    expect(() => fillTemplate('{query} {title}', { query: 'q' })).toThrow(/\{title\}/);
  });
});
