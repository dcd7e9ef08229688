// The model card: what a model is, what it can do, and the exact prompt templates it was trained with.
// The retrieval pipeline reads every prompt from here (never hard-coded), so a corpus-trained model and a
// zero-shot instruction model plug into the same code. Pure: parsing and validation only.
import { CodedError } from './errors';

/** Prompt templates of the Self-Retrieval paper's format. `{query}`, `{title}`, `{passage}` are slots. */
export interface PromptTemplates {
  /** Prompt before the generated title, e.g. `Question: {query}\n\n Related document title:`. */
  readonly retrieval: string;
  /** How a title follows the retrieval prompt, e.g. ` {title}`. */
  readonly title: string;
  /** Text between title and passage in a corpus key, e.g. `\n Related document content:`. */
  readonly separator: string;
  /** How a passage follows the separator, e.g. ` {passage}`. */
  readonly content: string;
  /** Self-assessment prompt over one candidate. */
  readonly assessment: string;
  /** Continuation the model was trained to give for a relevant passage. */
  readonly accept: string;
  /** Continuation for a passage that does not answer: its probability is P(reject). (Chat profile: accept and
   * reject are the single words whose probabilities are compared, e.g. "Yes" and "No".) */
  readonly reject: string;
  /** Answer prompt with `{query}` and `{passages}` (a default per profile when absent). */
  readonly answer?: string;
  /** Chat profile: how the assistant's reply starts before the first title (default `Related document title:`). */
  readonly response?: string;
}

export interface ModelCapabilities {
  /** Can the model write answers from passages? The fixture model cannot. */
  readonly answers: boolean;
  readonly selfAssessment: boolean;
  /** Was the corpus in the model's training (paper mode), or is it zero-shot? */
  readonly corpusTrained: boolean;
}

/** Weight formats transformers.js loads (`onnx/model_<dtype>.onnx`; fp32 is `model.onnx`). */
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';
const DTYPES: readonly string[] = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'];

export interface ModelCard {
  readonly id: string;
  readonly name: string;
  readonly parameters: number;
  /** The weight format to load where the card names one only (Node's CPU, a fixture). */
  readonly dtype: Dtype;
  /** Every weight format the model ships, when several: the runtime picks one per device (pickDtype). */
  readonly dtypes?: readonly Dtype[];
  readonly promptProfile: 'self-retrieval' | 'chat';
  readonly templates: PromptTemplates;
  /** Words of a passage shown in an assessment prompt, as in training. */
  readonly assessmentPassageWords: number;
  readonly capabilities: ModelCapabilities;
  /** Fingerprints of the corpus a corpus-trained model saw (sha256 hex). */
  readonly corpus?: { readonly passages: number; readonly passageSha256: string; readonly keyTokenSha256: string };
}

/** A model card that cannot be used; always code INVALID_MODEL_CARD. */
export class ModelCardError extends CodedError<'INVALID_MODEL_CARD'> {
  constructor(message: string) {
    super('INVALID_MODEL_CARD', message);
  }
}

const TEMPLATE_KEYS = ['retrieval', 'title', 'separator', 'content', 'assessment', 'accept', 'reject'] as const;
const OPTIONAL_TEMPLATE_KEYS = ['answer', 'response'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field<T>(obj: Record<string, unknown>, key: string, check: (v: unknown) => v is T, what: string): T {
  const value = obj[key];
  if (!check(value)) throw new ModelCardError(`model-card.json: "${key}" must be ${what}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isDtype = (v: unknown): v is Dtype => typeof v === 'string' && DTYPES.includes(v);

/** Validates parsed JSON into a ModelCard; throws ModelCardError naming the first bad field. */
export function parseModelCard(json: unknown): ModelCard {
  if (!isRecord(json)) throw new ModelCardError('model-card.json must hold a JSON object');
  const templatesIn = field(json, 'templates', isRecord, 'an object');
  const templates = Object.fromEntries([
    ...TEMPLATE_KEYS.map((key) => [key, field(templatesIn, key, isString, 'a string')]),
    ...OPTIONAL_TEMPLATE_KEYS.filter((key) => templatesIn[key] !== undefined).map((key) => [
      key,
      field(templatesIn, key, isString, 'a string'),
    ]),
  ]) as unknown as PromptTemplates;
  const caps = field(json, 'capabilities', isRecord, 'an object');
  const profile = field(json, 'promptProfile', isString, 'a string');
  if (profile !== 'self-retrieval' && profile !== 'chat') {
    throw new ModelCardError(`model-card.json: unknown promptProfile "${profile}"`);
  }
  const corpus = json['corpus'];
  return {
    id: field(json, 'id', isString, 'a string'),
    name: field(json, 'name', isString, 'a string'),
    parameters: field(json, 'parameters', isNumber, 'a number'),
    dtype: field(json, 'dtype', isDtype, `one of ${DTYPES.join(', ')}`),
    ...(json['dtypes'] !== undefined
      ? {
          dtypes: field(
            json,
            'dtypes',
            (v): v is Dtype[] => Array.isArray(v) && v.length > 0 && v.every(isDtype),
            'a list of dtypes',
          ),
        }
      : {}),
    promptProfile: profile,
    templates,
    assessmentPassageWords: field(json, 'assessmentPassageWords', isNumber, 'a number'),
    capabilities: {
      answers: field(caps, 'answers', isBoolean, 'a boolean'),
      selfAssessment: field(caps, 'selfAssessment', isBoolean, 'a boolean'),
      corpusTrained: field(caps, 'corpusTrained', isBoolean, 'a boolean'),
    },
    ...(isRecord(corpus)
      ? {
          corpus: {
            passages: field(corpus, 'passages', isNumber, 'a number'),
            passageSha256: field(corpus, 'passageSha256', isString, 'a string'),
            keyTokenSha256: field(corpus, 'keyTokenSha256', isString, 'a string'),
          },
        }
      : {}),
  };
}

/** Fills `{slot}` placeholders; a slot with no value is an error rather than a silently wrong prompt. */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new ModelCardError(`template slot {${name}} has no value`);
    return value;
  });
}

/** The retrieval prompt for a query. */
export function retrievalPrompt(card: ModelCard, query: string): string {
  return fillTemplate(card.templates.retrieval, { query });
}

/** The text of a corpus key — title part, separator, passage part — exactly as it follows the retrieval prompt. */
export function corpusKeyText(
  templates: Pick<PromptTemplates, 'title' | 'separator' | 'content'>,
  title: string,
  passage: string,
): string {
  return fillTemplate(templates.title, { title }) + templates.separator + fillTemplate(templates.content, { passage });
}

/**
 * The card of a zero-shot instruction model that ships none: the chat profile (prompt-profile.ts), corpus keys in the
 * paper's format (so one library serves both kinds of model), relevance as P(Yes) vs P(No).
 */
export function chatModelCard(id: string, dtype: Dtype): ModelCard {
  return {
    id,
    name: id,
    parameters: 0,
    dtype,
    promptProfile: 'chat',
    templates: {
      retrieval: 'Name a document that answers this question: give its title, then its content.\n\nQuestion: {query}',
      title: ' {title}',
      separator: '\n Related document content:',
      content: ' {passage}',
      assessment:
        'Question: {query}\n\nDocument: {title}\n{passage}\n\nDoes this document help answer the question? Answer Yes or No.',
      accept: 'Yes',
      reject: 'No',
    },
    assessmentPassageWords: 120,
    capabilities: { answers: true, selfAssessment: true, corpusTrained: false },
  };
}
