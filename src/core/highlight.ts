// Where a query's words occur in a passage, as character ranges: the view marks them with text nodes (document text
// is untrusted and never becomes HTML). Pure, so the app, the widget and the tests share one matcher.

/** Words too common to be worth marking (they would light up every passage). */
const STOPWORDS = new Set(
  (
    'a an and are as at be by can do does for from has have how i in is it its of on or that the this to was ' +
    'what when where which who why will with'
  ).split(' '),
);

/** Letters and digits in any script: what a query word is made of. */
const WORD = /[\p{L}\p{N}]+/gu;

/** The distinct words of a query worth marking, lower-cased, longest first (so "flows" wins over "flow"). */
export function queryTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const [word] of query.normalize('NFC').toLocaleLowerCase().matchAll(WORD)) {
    if (word.length > 1 && !STOPWORDS.has(word)) terms.add(word);
  }
  return [...terms].sort((a, b) => b.length - a.length);
}

/** Endings stripped to find a term's stem, each with the shortest stem it may leave ("speed" keeps its "ed"). */
const ENDINGS: ReadonlyArray<readonly [string, number]> = [
  ['ing', 4],
  ['ed', 4],
  ['es', 4],
  ['s', 3],
];

/** A crude stem: a word matches a query term when it starts with the term's stem ("flow" marks "flows" and
 * "flowing"; "pressures" marks "pressure"). Good enough to show why a passage matched; not used for ranking. */
function stem(term: string): string {
  for (const [ending, shortest] of ENDINGS) {
    if (term.endsWith(ending) && term.length - ending.length >= shortest) return term.slice(0, -ending.length);
  }
  return term;
}

/** Sorted, non-overlapping [start, end) ranges of the words in `text` that match a query term. */
export function highlightRanges(text: string, query: string): Array<readonly [number, number]> {
  const stems = queryTerms(query).map(stem);
  if (stems.length === 0) return [];
  const ranges: Array<readonly [number, number]> = [];
  for (const match of text.matchAll(WORD)) {
    const word = match[0].toLocaleLowerCase();
    if (stems.some((s) => word.startsWith(s))) ranges.push([match.index, match.index + match[0].length]);
  }
  return ranges;
}
