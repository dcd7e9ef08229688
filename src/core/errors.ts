// Errors with a stable `code` (Orama's catalog style): callers and tests branch on the code, people read the message.

export class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
