// A result card's excerpt: the part of a passage, at most a given length, that holds the most of the query's marked
// words, cut at word boundaries. The card shows it with "…" where text was left out, and "Show more" gives the whole
// passage back. Pure, like the marks it works from (src/core/highlight.ts).

export type Range = readonly [number, number];

export interface Excerpt {
  /** [start, end) in the passage's text. */
  readonly start: number;
  readonly end: number;
  /** The marks inside the excerpt, relative to its start. */
  readonly ranges: readonly Range[];
}

/** How much of the window goes before the first mark it holds: the reader sees what leads up to it. */
const LEAD = 0.2;

const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);

/** The excerpt of `text`, at most `max` characters, holding the most of `ranges` (sorted and non-overlapping, as
 * highlightRanges gives them); the start of the text when nothing is marked. The whole text when it fits. */
export function excerpt(text: string, ranges: readonly Range[], max: number): Excerpt {
  if (text.length <= max) return { start: 0, end: text.length, ranges };
  // The mark that starts the window holding the most marks (the earliest such, on ties).
  let best = -1;
  let bestCount = 0;
  for (let i = 0, j = 0; i < ranges.length; i++) {
    const limit = ranges[i]![0] + max * (1 - LEAD);
    if (j < i) j = i;
    while (j < ranges.length && ranges[j]![1] <= limit) j++;
    if (j - i > bestCount) {
      best = i;
      bestCount = j - i;
    }
  }
  let start = best < 0 ? 0 : Math.max(0, ranges[best]![0] - Math.floor(max * LEAD));
  // Start at a word: forward past the part of a word the window cut into (never past the first mark).
  if (start > 0 && !isSpace(text[start - 1])) {
    const next = text.slice(start).search(/\s/);
    const firstMark = best < 0 ? text.length : ranges[best]![0];
    if (next >= 0 && start + next + 1 <= firstMark) start += next + 1;
  }
  let end = Math.min(text.length, start + max);
  // End at a word: back to the last space inside the window (when there is one past its middle).
  if (end < text.length && !isSpace(text[end])) {
    const space = text.lastIndexOf(' ', end);
    if (space > start + max / 2) end = space;
  }
  while (end > start && isSpace(text[end - 1])) end--;
  const inside = ranges.filter(([s, e]) => s >= start && e <= end).map(([s, e]): Range => [s - start, e - start]);
  return { start, end, ranges: inside };
}
