// What to do about an error, by its code: the page shows every error as what happened (the message, from the layer
// that knows), what the user can do about it (here), and the code itself, to look up or to quote in a report.
import { errorText } from './dom';

const HELP: Readonly<Record<string, string>> = {
  STORAGE_FULL: 'Free space: remove documents or models you no longer need, or clear other sites’ data.',
  NOT_ENOUGH_STORAGE: 'Free space (remove documents or models), or choose a smaller model.',
  STORAGE_FAILED: 'Reload the page; if it happens again, export your library and clear this site’s data.',
  MODEL_LOAD_FAILED: 'Try WebAssembly as the device, or a smaller model. Keyword search keeps working.',
  WORKER_DIED: 'Choose a smaller model or WebAssembly as the device. Keyword search keeps working.',
  WEBGPU_UNAVAILABLE: 'Choose WebAssembly (or Automatic) as the device.',
  SOURCE_UNREACHABLE: 'Check the network or the mirror URL, then download again: what was fetched is kept.',
  MODEL_FILE_NOT_FOUND: 'Check that the mirror or folder holds the whole model (config, tokenizer, ONNX files).',
  MODEL_NOT_FOUND: 'Download the model again, or load it from a folder.',
  MODEL_NOT_CACHED: 'Download the model again: this browser no longer keeps it.',
  INVALID_MODEL_CARD: 'The model’s card is damaged: download or export the model again.',
  NO_USABLE_WEIGHTS: 'The folder has no ONNX weights this app can run: export the model to ONNX first.',
  UNKNOWN_MODEL: 'Choose a model from the list.',
  BUNDLE_CORRUPT: 'Export the bundle again from the library it came from; your library was left as it was.',
  BUNDLE_SHARD_CORRUPT: 'Export the bundle again; your library was left as it was.',
  BUNDLE_NOT_A_BUNDLE: 'Choose a .srbundle file exported by this app.',
  BAD_BUNDLE: 'Choose a .srbundle file exported by this app.',
  INDEX_CORRUPT: 'Run “Check index”, then re-scan the folder or import a bundle to rebuild it.',
  LEXICAL_CORRUPT: 'Run “Check index”; re-scanning the folder rebuilds it.',
  LIBRARY_BUSY: 'Wait for the current ingest (in this or another tab) to finish, or cancel it.',
  TRAINING_BUSY: 'Wait for the running internalization, or pause or cancel it in the Library view.',
  NOTHING_TO_TRAIN: 'Add documents first: there is nothing new to internalize.',
  MODEL_NOT_TRAINABLE: 'Internalize with the demo model or another model made for self-retrieval.',
  CANNOT_RESUME: 'Cancel the run and start it again.',
  TRAINING_FAILED: 'Resume to retry from the last checkpoint, or choose WebAssembly as the device.',
  STORE_TOO_NEW: 'A newer version of the app wrote this library: reload to get that version.',
  PASSAGE_REMOVED: 'Search again: the document changed since this result was found.',
  EMPTY_QUERY: 'Type a few words to search for.',
  NO_CHAT_TEMPLATE: 'This model cannot write answers: results still come, without an answer.',
  UNSUPPORTED_TYPE: 'Convert the file to text, Markdown, HTML, PDF or Word.',
  PARSE_FAILED: 'The file may be damaged or not what its name says: open and save it again, or convert it.',
  EMPTY_DOCUMENT: 'The file has no text to search (a scanned PDF needs text recognition first).',
  BINARY_CONTENT: 'The file is not text despite its name: rename or convert it.',
};

export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
  /** What to do about it, when there is something to do. */
  readonly help: string | undefined;
}

export function describeError(error: unknown, fallbackCode = 'ERROR'): ErrorInfo {
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? code : fallbackCode;
  return { code: known, message: errorText(error), help: HELP[known] };
}

/** "What happened. What to do. (CODE)", the line every error view shows. */
export function errorLine(info: ErrorInfo): string {
  const sentence = /[.!?…)]$/.test(info.message) ? info.message : `${info.message}.`;
  return `${sentence}${info.help ? ` ${info.help}` : ''} (${info.code})`;
}

/** What to do about a code, for views that show the code beside a stored record (a document that failed). */
export const helpFor = (code: string): string | undefined => HELP[code];
