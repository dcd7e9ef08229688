// Evaluation inputs as plain text files: queries as TSV (`id<TAB>text`) and judgments as TREC qrels
// (`qid 0 docid grade`), the two formats every IR toolkit reads and writes, so a query set can come from anywhere
// and Cranfield's own can be written out in the same shape. Parsing is strict and names the offending line: a
// silently skipped judgment would quietly change every metric computed from it.
import { CodedError } from './errors';
import type { Qrels } from './metrics';

export class EvalDataError extends CodedError<'QUERIES_INVALID' | 'QRELS_INVALID'> {}

export interface EvalQuery {
  readonly id: string;
  readonly text: string;
}

const lines = (text: string): string[] => text.replace(/^\uFEFF/, '').split(/\r?\n/);

/**
 * Queries from TSV: one `id<TAB>text` per line; blank lines and lines starting with `#` are skipped. The text is
 * everything after the first tab (trimmed), so it may itself contain tabs. Ids must be unique.
 */
export function parseQueriesTsv(text: string): EvalQuery[] {
  const queries: EvalQuery[] = [];
  const firstLine = new Map<string, number>();
  lines(text).forEach((line, index) => {
    const lineNo = index + 1;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const tab = line.indexOf('\t');
    if (tab < 0) throw new EvalDataError('QUERIES_INVALID', `queries line ${lineNo}: expected "id<TAB>text", no tab`);
    const id = line.slice(0, tab).trim();
    const query = line.slice(tab + 1).trim();
    if (id === '') throw new EvalDataError('QUERIES_INVALID', `queries line ${lineNo}: empty query id`);
    if (query === '')
      throw new EvalDataError('QUERIES_INVALID', `queries line ${lineNo}: empty text for query "${id}"`);
    const first = firstLine.get(id);
    if (first !== undefined) {
      throw new EvalDataError(
        'QUERIES_INVALID',
        `queries line ${lineNo}: duplicate query id "${id}" (first on line ${first})`,
      );
    }
    firstLine.set(id, lineNo);
    queries.push({ id, text: query });
  });
  return queries;
}

/**
 * Judgments from TREC qrels: `qid iter docid grade`, whitespace separated, blank lines skipped. The second column
 * (iteration) is ignored as every tool does. Grades ≤ 0 are kept (they are judgments of non-relevance, and keeping
 * them makes `formatTrecQrels` an inverse); the metrics treat them as not relevant. The same pair judged twice with
 * different grades is an error; an identical repeat is harmless and ignored.
 */
export function parseTrecQrels(text: string): Qrels {
  const qrels = new Map<string, Map<string, number>>();
  const firstLine = new Map<string, number>();
  lines(text).forEach((line, index) => {
    const lineNo = index + 1;
    const trimmed = line.trim();
    if (trimmed === '') return;
    const fields = trimmed.split(/\s+/);
    if (fields.length !== 4) {
      throw new EvalDataError(
        'QRELS_INVALID',
        `qrels line ${lineNo}: expected 4 fields "qid 0 docid grade", got ${fields.length}`,
      );
    }
    const [qid, , docid, gradeText] = fields as [string, string, string, string];
    if (!/^[+-]?\d+$/.test(gradeText)) {
      throw new EvalDataError('QRELS_INVALID', `qrels line ${lineNo}: grade "${gradeText}" is not an integer`);
    }
    const grade = Number(gradeText);
    let judged = qrels.get(qid);
    if (!judged) qrels.set(qid, (judged = new Map<string, number>()));
    const previous = judged.get(docid);
    const key = `${qid}\u0000${docid}`;
    if (previous !== undefined && previous !== grade) {
      throw new EvalDataError(
        'QRELS_INVALID',
        `qrels line ${lineNo}: query "${qid}" doc "${docid}" judged ${grade} here but ${previous} on line ${firstLine.get(key)!}`,
      );
    }
    if (previous === undefined) firstLine.set(key, lineNo);
    judged.set(docid, grade);
  });
  return qrels;
}

/**
 * Queries as TSV, one per line with a trailing newline. Runs of whitespace in the text (Cranfield's queries span
 * several lines) become one space, so each query stays on one line; an id that cannot round-trip is an error.
 */
export function formatQueriesTsv(queries: readonly EvalQuery[]): string {
  return queries
    .map(({ id, text }) => {
      if (id.trim() !== id || id === '' || /[\t\r\n]/.test(id) || id.startsWith('#')) {
        throw new EvalDataError('QUERIES_INVALID', `query id ${JSON.stringify(id)} cannot be written as TSV`);
      }
      const oneLine = text.replace(/\s+/g, ' ').trim();
      if (oneLine === '') throw new EvalDataError('QUERIES_INVALID', `query "${id}" has empty text`);
      return `${id}\t${oneLine}\n`;
    })
    .join('');
}

/** Judgments as TREC qrels (`qid 0 docid grade`), in the map's order, with a trailing newline. */
export function formatTrecQrels(qrels: Qrels): string {
  let out = '';
  for (const [qid, judged] of qrels) {
    for (const [docid, grade] of judged) {
      if (!/^\S+$/.test(qid) || !/^\S+$/.test(docid)) {
        throw new EvalDataError(
          'QRELS_INVALID',
          `ids ${JSON.stringify(qid)} / ${JSON.stringify(docid)} cannot be written as qrels (empty or whitespace)`,
        );
      }
      if (!Number.isInteger(grade)) {
        throw new EvalDataError('QRELS_INVALID', `query "${qid}" doc "${docid}": grade ${grade} is not an integer`);
      }
      out += `${qid} 0 ${docid} ${grade}\n`;
    }
  }
  return out;
}
