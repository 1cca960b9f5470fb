/**
 * Returns ` (did you mean X?)` when a known key is one or two edits away
 * from `key`, or starts with it (an abbreviation of three letters or more).
 */
export function suggestion(key: string, known: string[]): string {
  const typed = key.toLowerCase();
  const close =
    known.find((candidate) => editDistance(typed, candidate.toLowerCase()) <= 2) ??
    known.find((candidate) => typed.length >= 3 && candidate.toLowerCase().startsWith(typed));
  return close ? ` (did you mean ${close}?)` : '';
}

/** Levenshtein distance: insertions, deletions and substitutions turning `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
