// A passage: the unit the index stores, the model generates and the user reads. Pure data.

export interface Passage {
  /** Stable id, unique in a library. */
  readonly id: string;
  /** Id of the document the passage was cut from. */
  readonly documentId: string;
  /** Document title (plus section heading where there is one): the first part of the corpus key. */
  readonly title: string;
  /** The passage text, exactly as shown to the user and keyed in the index. */
  readonly text: string;
}
