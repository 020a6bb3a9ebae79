import { closest, distance } from 'fastest-levenshtein';

/** Beyond two edits a "did you mean" is more often a wrong guess than a typo fix. */
const MAX_TYPO_DISTANCE = 2;

/** The candidate that `word` is most likely a typo of, or undefined when none is close. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(word, [...candidates]);
  const limit = Math.min(MAX_TYPO_DISTANCE, Math.max(1, Math.floor(word.length / 2)));
  return distance(word.toLowerCase(), best.toLowerCase()) <= limit ? best : undefined;
}

/** `"a", "b" or "c"`: a readable list of quoted alternatives. */
export function quoteList(words: readonly unknown[], last = 'or'): string {
  const q = words.map((w) => JSON.stringify(w));
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} ${last} ${q.at(-1)}`;
}
