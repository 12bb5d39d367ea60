/**
 * The name of `known` that `name` most likely misspells: the nearest one at most `maxEdits`
 * one-letter edits away, letter case aside (so the same letters in another case are 0 edits).
 */
export function nearestName<Name extends string>(
  name: string,
  known: readonly Name[],
  maxEdits: number,
): Name | undefined {
  const lower = name.toLowerCase();
  return known
    .map((candidate) => ({ candidate, edits: editDistance(lower, candidate.toLowerCase()) }))
    .filter(({ edits }) => edits <= maxEdits)
    .sort((a, b) => a.edits - b.edits)[0]?.candidate;
}

/** Levenshtein distance: the fewest one-letter edits from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const replace = (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      next.push(Math.min(replace, (row[j] as number) + 1, (next[j - 1] as number) + 1));
    }
    row = next;
  }
  return row[b.length] as number;
}
