// The Cranfield collection as CLI input: its passages as a library (one passage per record, exactly as the demo
// model was trained), and its queries and judgements as evaluation data for a split (train 1–100, tune 101–150,
// test 151–225). Judgement codes 1 (complete answer) … 4 (minimal interest) become TREC grades 4 … 1.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalQuery } from '../core/eval-data';
import type { LibraryContent } from '../core/library-bundle';
import type { Qrels } from '../core/metrics';
import type { PassageKeyer } from '../core/passage-keyer';
import {
  cranfieldJudgements,
  cranfieldLibrary,
  cranfieldQueries,
  splitPositions,
  type CranfieldSplit,
} from '../ingest/cranfield';
import { CliError } from './cli-error';
import { isInside } from './folder-walk';

export const CRANFIELD_FILES = ['cran.all.1400', 'cran.qry', 'cranqrel'] as const;

export interface CranfieldReadOptions {
  /** Read a file that is a link to outside the folder (else OUTSIDE_ROOT, as for any folder the CLI reads). */
  readonly followOutside?: boolean;
}

function readCranfield(
  dir: string,
  name: (typeof CRANFIELD_FILES)[number],
  { followOutside = false }: CranfieldReadOptions = {},
): string {
  const path = join(dir, name);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError(
      'FOLDER_NOT_FOUND',
      `${dir}: no such folder (a Cranfield folder holds ${CRANFIELD_FILES.join(', ')})`,
    );
  }
  if (!existsSync(path)) throw new CliError('NOT_CRANFIELD', `${dir} is not a Cranfield folder: ${name} is missing`);
  const real = realpathSync(path);
  if (!followOutside && !isInside(realpathSync(dir), real)) {
    throw new CliError(
      'OUTSIDE_ROOT',
      `${path} is a link to ${real}, outside ${dir}: not read (--follow-symlinks-outside reads it)`,
    );
  }
  return readFileSync(real, 'utf8');
}

/** A content hash of the collection's documents: names the cached bundle built from them. */
export function cranfieldFingerprint(dir: string, options: CranfieldReadOptions = {}): string {
  return createHash('sha256')
    .update(readCranfield(dir, 'cran.all.1400', options))
    .digest('hex')
    .slice(0, 16);
}

/** The collection's records as a library (src/ingest/cranfield.ts). */
export function cranfieldLibraryOf(
  dir: string,
  keyer: PassageKeyer,
  options: CranfieldReadOptions = {},
): LibraryContent {
  return cranfieldLibrary(readCranfield(dir, 'cran.all.1400', options), keyer);
}

/** Queries of a split (id = position in cran.qry) and their judgements as graded qrels (doc id = record id). */
export function cranfieldEvalData(
  dir: string,
  split: CranfieldSplit,
  options: CranfieldReadOptions = {},
): { queries: EvalQuery[]; qrels: Qrels } {
  const all = cranfieldQueries(readCranfield(dir, 'cran.qry', options));
  const judgements = cranfieldJudgements(readCranfield(dir, 'cranqrel', options));
  const queries = splitPositions(split).map((position) => ({ id: String(position), text: all[position - 1]!.text }));
  const qrels = new Map(
    queries.map((q) => [
      q.id,
      new Map(
        [...(judgements.get(Number(q.id)) ?? new Map<number, number>())].map(([doc, code]) => [String(doc), 5 - code]),
      ),
    ]),
  );
  return { queries, qrels };
}
