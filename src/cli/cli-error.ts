// User errors of the command line: one clear line and an exit code, never a stack trace (the catalog is the
// README's "Errors" table). Anything else reaching the top is a bug and is reported as one.
import { CodedError } from '../core/errors';

export type CliErrorCode =
  | 'USAGE'
  | 'FOLDER_NOT_FOUND'
  | 'NOT_CRANFIELD'
  | 'OUTSIDE_ROOT'
  | 'BUNDLE_NOT_FOUND'
  | 'BAD_BUNDLE'
  | 'MODEL_NOT_FOUND'
  | 'TOKENIZER_MISMATCH'
  | 'EMPTY_QUERY'
  | 'BAD_EVAL_DATA'
  | 'CANNOT_WRITE';

/** Exit codes: 2 for a command line that cannot be run as given, 3 for input that cannot be used. */
export const EXIT_CODES: Readonly<Record<CliErrorCode, number>> = {
  USAGE: 2,
  EMPTY_QUERY: 2,
  FOLDER_NOT_FOUND: 3,
  NOT_CRANFIELD: 3,
  OUTSIDE_ROOT: 3,
  BUNDLE_NOT_FOUND: 3,
  BAD_BUNDLE: 3,
  MODEL_NOT_FOUND: 3,
  TOKENIZER_MISMATCH: 3,
  BAD_EVAL_DATA: 3,
  CANNOT_WRITE: 3,
};

export class CliError extends CodedError<CliErrorCode> {}
